-- Listing 6-3: word-level one-hot encoding with the Tokenizer.
-- The book prints: Found 9 unique tokens.
local Tokenizer = ember.preprocessing.Tokenizer

local samples = { "The cat sat on the mat.", "The dog ate my homework." }

local tokenizer = Tokenizer { num_words = 1000 }  -- only the 1,000 most common words
tokenizer:fit_on_texts(samples)                     -- builds the word index

local sequences = tokenizer:texts_to_sequences(samples)               -- strings -> lists of indices
local one_hot_results = tokenizer:texts_to_matrix(samples, "binary")  -- {2, 1000}

local word_index = tokenizer.word_index
local n = 0
for _ in pairs(word_index) do n = n + 1 end
print(("Found %d unique tokens."):format(n))
print("sequences:", table.concat(sequences[1]:totable(), " "), "|", table.concat(sequences[2]:totable(), " "))
print(("one-hot matrix shape: (%d, %d)"):format(one_hot_results:size(1), one_hot_results:size(2)))
