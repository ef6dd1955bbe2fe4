-- Listing 6-5: instantiating an Embedding layer.
-- The layer maps integer ids (here < 1000) to dense 64-dimensional vectors;
-- it takes (samples, sequence_length) ids and returns (samples, sequence_length, 64).
local layers = ember.layers

local embedding_layer = layers.Embedding(1000, 64)
print(embedding_layer)

-- What it does with a batch of two sequences of length 5:
ember.seed(0)
local ids = ember.randint(0, 999, {2, 5})
local vectors = embedding_layer:forward(ids)
print("input shape", table.concat(ids.shape, "x"), "-> output shape", table.concat(vectors.shape, "x"))
