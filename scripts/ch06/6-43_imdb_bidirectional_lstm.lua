-- Listing 6-43: a bidirectional LSTM on IMDB: one LSTM reads the reviews
-- forwards, a copy reads them backwards, their outputs are concatenated.
-- The book: about 89% validation accuracy, overfitting sooner.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-43", { epochs = 10 })
local max_features = 10000
local x_train, y_train = ch06.imdb(run, { max_features = max_features, maxlen = 500 })

local model = ember.Sequential()
model:add(layers.Embedding(max_features, 32))
model:add(layers.Bidirectional(layers.LSTM(32)))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(x_train, y_train, { epochs = run.epochs, batch_size = 128,
  validation_split = 0.2, callbacks = run.callbacks })

run:finish(history, { metric = "val_acc" })
