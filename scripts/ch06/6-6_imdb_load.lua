-- Listing 6-6: the IMDB reviews as word indices (the 10,000 most frequent
-- words), cut or padded to their last 20 words, for an Embedding layer.
-- Usage: ember scripts/ch06/6-6_imdb_load.lua [--data DIR]
ember.datasets.parse_args(arg)
local imdb = ember.datasets.imdb
local pad_sequences = ember.preprocessing.pad_sequences

local max_features = 10000  -- words kept as features
local maxlen = 20           -- cut reviews after this many words

local x_train, y_train, x_test, y_test = imdb.load_data { num_words = max_features }
print(#x_train .. " train sequences, " .. #x_test .. " test sequences")

x_train = pad_sequences(x_train, { maxlen = maxlen })  -- {25000, 20} int32
x_test = pad_sequences(x_test, { maxlen = maxlen })
print(("x_train shape: (%d, %d), y_train shape: (%d,)"):format(x_train:size(1), x_train:size(2), y_train:size(1)))
print(("x_test shape: (%d, %d), y_test shape: (%d,)"):format(x_test:size(1), x_test:size(2), y_test:size(1)))
