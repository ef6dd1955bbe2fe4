-- Listing 6-14: training the GloVe model (6-12, 6-13) on only 200 reviews,
-- validating on 10,000.  The book: validation accuracy in the high 50s,
-- quick overfitting.  Saves the weights for 6-18 and the History for 6-15.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-14", { epochs = 10 })
local d = ch06.glove_data(run, { training_samples = 200 })

local model = ember.Sequential()
model:add(layers.Embedding(d.max_words, d.embedding_dim, { input_length = d.maxlen }))
model:add(layers.Flatten())
model:add(layers.Dense(32, { activation = "relu" }))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model.layers[1]:set_weights { d.embedding_matrix }
model.layers[1].trainable = false

model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(d.x_train, d.y_train, { epochs = run.epochs, batch_size = 32,
  validation_data = { d.x_val, d.y_val }, callbacks = run.callbacks })
model:save_weights(run:path("pre_trained_glove_model.npz"))

run:finish(history, { metric = "val_acc" })
