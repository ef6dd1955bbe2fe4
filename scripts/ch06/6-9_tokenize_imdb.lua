-- Listing 6-9: tokenizing the raw IMDB reviews, padding them to 100 words,
-- and splitting 200 training / 10,000 validation samples.
-- The book prints: Found 88582 unique tokens.
--                  Shape of data tensor: (25000, 100)
--                  Shape of label tensor: (25000,)
-- Usage: ember scripts/ch06/6-9_tokenize_imdb.lua [--data DIR]
ember.datasets.parse_args(arg)
local P = ember.preprocessing

local texts, labels = ember.datasets.imdb.load_raw { subset = "train" }  -- listing 6-8's texts and labels

local maxlen = 100                -- cut reviews after 100 words
local training_samples = 200      -- train on 200 samples
local validation_samples = 10000  -- validate on 10,000 samples
local max_words = 10000           -- only the top 10,000 words

local tokenizer = P.Tokenizer { num_words = max_words }
tokenizer:fit_on_texts(texts)
local sequences = tokenizer:texts_to_sequences(texts)

local word_index = tokenizer.word_index
local n = 0
for _ in pairs(word_index) do n = n + 1 end
print(("Found %d unique tokens."):format(n))

local data = P.pad_sequences(sequences, { maxlen = maxlen })
print(("Shape of data tensor: (%d, %d)"):format(data:size(1), data:size(2)))
print(("Shape of label tensor: (%d,)"):format(labels:size(1)))

-- shuffle: the reviews are ordered (all negatives first)
local indices = ember.train.permutation(data:size(1))
data = data:index(1, indices)
labels = labels:index(1, indices)

-- (fewer on a small data set, e.g. the specs' fixture)
training_samples = math.min(training_samples, data:size(1))
validation_samples = math.min(validation_samples, data:size(1) - training_samples)
local x_train = data:narrow(1, 1, training_samples)
local y_train = labels:narrow(1, 1, training_samples)
local x_val = data:narrow(1, training_samples + 1, validation_samples)
local y_val = labels:narrow(1, training_samples + 1, validation_samples)
print(("x_train: (%d, %d), y_train: (%d,)"):format(x_train:size(1), x_train:size(2), y_train:size(1)))
print(("x_val: (%d, %d), y_val: (%d,)"):format(x_val:size(1), x_val:size(2), y_val:size(1)))
