-- Listing 6-13: loading the pretrained GloVe vectors into the Embedding
-- layer of 6-12 and freezing it.  (Listings 6-8 .. 6-11 read the raw
-- reviews, tokenize them and build the embedding matrix: ch06.glove_data.)
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-13")
local d = ch06.glove_data(run)

local model = ember.Sequential()
model:add(layers.Embedding(d.max_words, d.embedding_dim, { input_length = d.maxlen }))
model:add(layers.Flatten())
model:add(layers.Dense(32, { activation = "relu" }))
model:add(layers.Dense(1, { activation = "sigmoid" }))

model.layers[1]:set_weights { d.embedding_matrix }
model.layers[1].trainable = false
model:summary()  -- the 1,000,000 embedding weights are now non-trainable

local found = 0
for i = 1, d.max_words do
  if d.embedding_matrix[i]:abs():sum() > 0 then found = found + 1 end
end
print(("%d of the %d rows have a GloVe vector; the others stay zero"):format(found, d.max_words))
