-- Listings 6-22 to 6-24: a SimpleRNN on the IMDB reviews (last 500 words,
-- 10,000 most frequent words).  The book reaches about 85% validation
-- accuracy: the SimpleRNN forgets the start of long reviews.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-23", { epochs = 10 })
local max_features = 10000  -- words kept as features
local maxlen = 500          -- reviews cut after this many words

-- Listing 6-22: preparing the IMDB data
local input_train, y_train = ch06.imdb(run, { max_features = max_features, maxlen = maxlen })

-- Listing 6-23: training the model with Embedding and SimpleRNN layers
local model = ember.Sequential()
model:add(layers.Embedding(max_features, 32))
model:add(layers.SimpleRNN(32))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(input_train, y_train, { epochs = run.epochs, batch_size = 128,
  validation_split = 0.2, callbacks = run.callbacks })

-- Listing 6-24: plotting results (training and validation accuracy and loss)
run:finish(history, { metric = "val_acc" })
