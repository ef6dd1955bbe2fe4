-- Listing 6-12: the model for the IMDB reviews with GloVe embeddings:
-- 100-dimensional word vectors for the first 100 words of a review,
-- flattened, a Dense(32) and a sigmoid unit.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-12")
local maxlen, max_words, embedding_dim = 100, 10000, 100

local model = ember.Sequential()
model:add(layers.Embedding(max_words, embedding_dim, { input_length = maxlen }))
model:add(layers.Flatten())
model:add(layers.Dense(32, { activation = "relu" }))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:summary()
