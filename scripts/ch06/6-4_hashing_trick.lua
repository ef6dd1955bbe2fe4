-- Listing 6.4: word-level one-hot encoding with the hashing trick.
-- Run: ./ember scripts/ch06/6-4_hashing_trick.lua
local function shape(t) return "(" .. table.concat(t.shape, ", ") .. (#t.shape == 1 and ",)" or ")") end
local samples = { "The cat sat on the mat.", "The dog ate my homework." }

-- Python's hash() of a str is randomized per process; we use 32-bit FNV-1a
-- over the word's bytes instead, so the indices are the same on every run.
local function fnv1a(s)
  local h = 2166136261
  for k = 1, #s do h = ((h ~ s:byte(k)) * 16777619) & 0xffffffff end
  return h
end

-- Words are stored as vectors of size 1000.  With close to 1000 words (or
-- more) there would be many hash collisions, which lowers the accuracy of
-- this encoding method.
local dimensionality = 1000
local max_length = 10
local results = ember.zeros { #samples, max_length, dimensionality }
for i, sample in ipairs(samples) do
  local j = 0
  for word in sample:gmatch("%S+") do
    j = j + 1
    if j > max_length then break end
    local index = fnv1a(word) % dimensionality -- 0 .. 999, as abs(hash(word)) % 1000
    results:set(i, j, index + 1, 1)
    io.write(("%s -> %d  "):format(word, index))
  end
  print()
end
print("results.shape = " .. shape(results))
