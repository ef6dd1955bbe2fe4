-- Listing 6-16: the same model without pretrained word embeddings: the
-- Embedding layer learns from the 200 training reviews alone.  The book:
-- validation accuracy in the low 50s.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-16", { epochs = 10 })
local d = ch06.glove_data(run, { training_samples = 200, embeddings = false })

local model = ember.Sequential()
model:add(layers.Embedding(d.max_words, d.embedding_dim, { input_length = d.maxlen }))
model:add(layers.Flatten())
model:add(layers.Dense(32, { activation = "relu" }))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:summary()

model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(d.x_train, d.y_train, { epochs = run.epochs, batch_size = 32,
  validation_data = { d.x_val, d.y_val }, callbacks = run.callbacks })

run:finish(history, { metric = "val_acc" })
