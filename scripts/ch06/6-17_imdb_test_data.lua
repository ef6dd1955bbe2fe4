-- Listing 6-17: tokenizing the IMDB test reviews with the tokenizer fitted
-- on the training reviews (listing 6-9), ready for model:evaluate.
-- Usage: ember scripts/ch06/6-17_imdb_test_data.lua [--data DIR]
ember.datasets.parse_args(arg)
local P = ember.preprocessing
local imdb = ember.datasets.imdb

local maxlen, max_words = 100, 10000
local tokenizer = P.Tokenizer { num_words = max_words }
tokenizer:fit_on_texts((imdb.load_raw { subset = "train" }))

local texts, labels = imdb.load_raw { subset = "test" }  -- walks test/neg and test/pos
local sequences = tokenizer:texts_to_sequences(texts)
local x_test = P.pad_sequences(sequences, { maxlen = maxlen })
local y_test = labels
print(("x_test shape: (%d, %d)"):format(x_test:size(1), x_test:size(2)))
print(("y_test shape: (%d,)"):format(y_test:size(1)))
-- The book then loads the weights of listings 6-13/6-14 and calls
-- model.evaluate(x_test, y_test); run after that listing's script.
