-- Listing 6-27: an LSTM layer on the IMDB reviews (same data as 6-22).
-- The book reaches about 88% validation accuracy.  The LSTM cell itself
-- (listings 6-25 and 6-26) is written out in 6-25_lstm_pseudocode.lua.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-27", { epochs = 10 })
local max_features = 10000
local input_train, y_train = ch06.imdb(run, { max_features = max_features, maxlen = 500 })

local model = ember.Sequential()
model:add(layers.Embedding(max_features, 32))
model:add(layers.LSTM(32))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(input_train, y_train, { epochs = run.epochs, batch_size = 128,
  validation_split = 0.2, callbacks = run.callbacks })

run:finish(history, { metric = "val_acc" })
