-- Listing 6-22: preparing the IMDB data for the recurrent layers
-- (10,000 words, reviews cut or padded to 500 words).
-- Usage: ember scripts/ch06/6-22_imdb_rnn_data.lua [--data DIR]
ember.datasets.parse_args(arg)
local pad_sequences = ember.preprocessing.pad_sequences

local max_features = 10000  -- number of words to consider as features
local maxlen = 500          -- cut texts after this many words

print("Loading data...")
local input_train, y_train, input_test, y_test = ember.datasets.imdb.load_data { num_words = max_features }
print(#input_train .. " train sequences")
print(#input_test .. " test sequences")
print("Pad sequences (samples x time)")
input_train = pad_sequences(input_train, { maxlen = maxlen })
input_test = pad_sequences(input_test, { maxlen = maxlen })
print(("input_train shape: (%d, %d)"):format(input_train:size(1), input_train:size(2)))
print(("input_test shape: (%d, %d)"):format(input_test:size(1), input_test:size(2)))
