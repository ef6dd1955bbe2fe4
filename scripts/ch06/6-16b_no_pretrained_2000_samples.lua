-- Footnote 17 of section 6.1.3: 6-16's model (no pretrained embeddings)
-- trained on 2,000 reviews instead of 200.  The book: about 70% validation
-- accuracy -- with enough data, task-specific embeddings win.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-16b", { epochs = 10 })
local d = ch06.glove_data(run, { training_samples = 2000, embeddings = false })

local model = ember.Sequential()
model:add(layers.Embedding(d.max_words, d.embedding_dim, { input_length = d.maxlen }))
model:add(layers.Flatten())
model:add(layers.Dense(32, { activation = "relu" }))
model:add(layers.Dense(1, { activation = "sigmoid" }))

model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(d.x_train, d.y_train, { epochs = run.epochs, batch_size = 32,
  validation_data = { d.x_val, d.y_val }, callbacks = run.callbacks })

run:finish(history, { metric = "val_acc" })
