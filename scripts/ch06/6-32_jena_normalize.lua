-- Listing 6-32: normalizing the Jena data with the mean and standard
-- deviation of the first 200,000 rows (the training part).
-- Usage: ember scripts/ch06/6-32_jena_normalize.lua [--data DIR]
ember.datasets.parse_args(arg)

local _, float_data = ember.datasets.jena_climate.load()
local train_end = ember.datasets.jena_climate.splits(float_data)  -- 200000 (scaled on a shorter file)
local train = float_data:narrow(1, 1, train_end)
local mean = train:mean(1)
float_data:sub_(mean)              -- in place, broadcast over the rows
local std = float_data:narrow(1, 1, train_end):std(1)
float_data:div_(std)

local function fmt(t)
  local out = {}
  for i = 1, t:size(1) do out[i] = ("%.2f"):format(t:get(i)) end
  return "[" .. table.concat(out, " ") .. "]"
end
print("mean:", fmt(mean))
print("std: ", fmt(std))
print("normalized training rows now have mean", fmt(float_data:narrow(1, 1, train_end):mean(1)))
