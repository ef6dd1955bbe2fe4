-- Listing 6-32: normalizing the Jena data with the mean and standard
-- deviation of the first 200,000 rows (the training part).
-- Usage: ember scripts/ch06/6-32_jena_normalize.lua [--data DIR]
ember.datasets.parse_args(arg)

local _, float_data = ember.datasets.jena_climate.load()
local train = float_data:narrow(1, 1, 200000)
local mean = train:mean(1)
float_data:sub_(mean)              -- in place, broadcast over the rows
local std = float_data:narrow(1, 1, 200000):std(1)
float_data:div_(std)

local function fmt(t)
  local out = {}
  for i = 1, t:size(1) do out[i] = ("%.2f"):format(t:get(i)) end
  return "[" .. table.concat(out, " ") .. "]"
end
print("mean:", fmt(mean))
print("std: ", fmt(std))
print("normalized training rows now have mean", fmt(float_data:narrow(1, 1, 200000):mean(1)))
