-- Listing 6-11: the GloVe embedding matrix for the 10,000 most frequent
-- words of the IMDB training reviews (listing 6-9's tokenizer): row i + 1
-- holds the vector of the word of index i; words absent from GloVe stay 0.
-- Usage: ember scripts/ch06/6-11_embedding_matrix.lua [--data DIR]
ember.datasets.parse_args(arg)
local D = ember.datasets

local max_words, embedding_dim = 10000, 100

local texts = D.imdb.load_raw { subset = "train" }
local tokenizer = ember.preprocessing.Tokenizer { num_words = max_words }
tokenizer:fit_on_texts(texts)
local word_index = tokenizer.word_index

local embeddings_index = D.glove.load("glove.6B.100d.txt")
assert(embeddings_index.dim == embedding_dim)
local embedding_matrix = D.glove.embedding_matrix(embeddings_index, word_index, max_words)

local found = 0
for word, i in pairs(word_index) do
  if i < max_words and embeddings_index:get(word) then found = found + 1 end
end
print(("embedding_matrix shape: (%d, %d)"):format(embedding_matrix:size(1), embedding_matrix:size(2)))
print(("%d of the %d words indexed 1..%d have a GloVe vector; the other rows are zero"):format(
  found, max_words - 1, max_words - 1))
