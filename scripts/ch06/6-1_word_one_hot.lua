-- Listing 6.1: word-level one-hot encoding (toy example).
-- Run: ./ember scripts/ch06/6-1_word_one_hot.lua
local function shape(t) return "(" .. table.concat(t.shape, ", ") .. (#t.shape == 1 and ",)" or ")") end
local samples = { "The cat sat on the mat.", "The dog ate my homework." }

-- Index every word (split on whitespace), starting at 1 as the book does:
-- index 0 stays unused.
local token_index, size = {}, 0
for _, sample in ipairs(samples) do
  for word in sample:gmatch("%S+") do
    if not token_index[word] then
      size = size + 1
      token_index[word] = size
    end
  end
end

-- Vectorize: only the first max_length words of each sample.  The last
-- dimension has size + 1 entries like the book's max(index) + 1; word index
-- k (0-based in the book) lands in column k + 1 (Lua is 1-based).
local max_length = 10
local results = ember.zeros { #samples, max_length, size + 1 }
for i, sample in ipairs(samples) do
  local j = 0
  for word in sample:gmatch("%S+") do
    j = j + 1
    if j > max_length then break end
    results:set(i, j, token_index[word] + 1, 1)
  end
end

local words = {}
for word, index in pairs(token_index) do words[index] = ("%q: %d"):format(word, index) end
print("token_index = {" .. table.concat(words, ", ") .. "}")
print("results.shape = " .. shape(results))
print("one-hot rows of the first sample:")
print(results[1])
