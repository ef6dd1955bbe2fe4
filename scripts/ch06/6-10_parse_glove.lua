-- Listing 6-10: parsing the GloVe word-embeddings file into an index.
-- The book prints: Found 400000 word vectors.  (Here: the 2,604-word prefix
-- of glove.6B.100d.txt when the full file is not in datasets/.)
-- Usage: ember scripts/ch06/6-10_parse_glove.lua [--data DIR]
ember.datasets.parse_args(arg)

local embeddings_index = ember.datasets.glove.load("glove.6B.100d.txt")
print(("Found %d word vectors."):format(#embeddings_index))
print(("(from %s, %d dimensions)"):format(embeddings_index.path, embeddings_index.dim))
