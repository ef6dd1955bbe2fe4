-- Listings 6-6 and 6-7: IMDB reviews cut to their last 20 words, an
-- Embedding learned from scratch, flattened, and one sigmoid unit.
-- The book reaches about 75% validation accuracy.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-7", { epochs = 10 })
local max_features = 10000  -- words kept as features
local maxlen = 20           -- cut reviews after this many words

-- Listing 6-6: the data as lists of integers, padded/cut to maxlen
local x_train, y_train = ch06.imdb(run, { max_features = max_features, maxlen = maxlen })

local model = ember.Sequential()
model:add(layers.Embedding(10000, 8, { input_length = maxlen }))
model:add(layers.Flatten())
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
model:summary()

local history = model:fit(x_train, y_train, { epochs = run.epochs, batch_size = 32,
  validation_split = 0.2, callbacks = run.callbacks })
run:finish(history, { metric = "val_acc" })
