-- Listing 6-5: instantiating an Embedding layer.
-- The layer maps integer ids (here < 1000) to dense 64-dimensional vectors;
-- it takes (samples, sequence_length) ids and returns (samples, sequence_length, 64).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-5")
local embedding_layer = layers.Embedding(1000, 64)
print(embedding_layer)

-- What it does with a batch of two sequences of length 5:
local ids = ember.randint(0, 999, {2, 5})
local vectors = embedding_layer:forward(ids)
print("input shape", table.concat(ids.shape, "x"), "-> output shape", table.concat(vectors.shape, "x"))
