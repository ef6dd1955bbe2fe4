-- Listing 6.2: character-level one-hot encoding (toy example).
-- Run: ./ember scripts/ch06/6-2_char_one_hot.lua
local function shape(t) return "(" .. table.concat(t.shape, ", ") .. (#t.shape == 1 and ",)" or ")") end
local samples = { "The cat sat on the mat.", "The dog ate my homework." }

-- Python's string.printable: digits, letters, punctuation, whitespace (100 characters).
local characters = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
  .. [[!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~]] .. " \t\n\r\x0b\x0c"

-- character -> index, from 1.  (The book builds the reverse dict, index ->
-- character, and then looks characters up in it, which finds nothing; this
-- is what the listing means to do.)
local token_index = {}
for k = 1, #characters do token_index[characters:sub(k, k)] = k end

local max_length = 50
local results = ember.zeros { #samples, max_length, #characters + 1 }
for i, sample in ipairs(samples) do
  for j = 1, math.min(#sample, max_length) do
    results:set(i, j, token_index[sample:sub(j, j)] + 1, 1) -- column k + 1 holds index k, as in 6-1
  end
end

print(("%d characters indexed"):format(#characters))
print("results.shape = " .. shape(results))
print(("ones per sample: %s (one per character, up to %d)"):format(
  table.concat(results:sum(3):sum(2):int():totable(), ", "), max_length))
