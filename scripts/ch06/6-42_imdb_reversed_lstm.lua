-- Listing 6-42: the LSTM of 6-27 fed the reviews in reverse order.  Word
-- order matters less for sentiment than for weather: the book finds about
-- the same accuracy as the chronological LSTM (about 88%).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-42", { epochs = 10 })
local max_features = 10000  -- words kept as features
local maxlen = 500          -- reviews cut after this many words

-- Loads the data and reverses every sequence (x[::-1]) before padding.
local x_train, y_train = ch06.imdb(run, { max_features = max_features, maxlen = maxlen, reverse = true })

local model = ember.Sequential()
model:add(layers.Embedding(max_features, 128))
model:add(layers.LSTM(32))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(x_train, y_train, { epochs = run.epochs, batch_size = 128,
  validation_split = 0.2, callbacks = run.callbacks })

run:finish(history, { metric = "val_acc" })
