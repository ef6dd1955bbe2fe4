-- Listing 6-36: the naive baseline's MAE back in degrees Celsius:
-- MAE x std of the temperature column.  The book: 0.29 x std = 2.57 C.
-- The book multiplies its own figure, 0.29; on the stand-in file the
-- baseline measures 0.2955 (listing 6-35), so the second line converts that.
-- Usage: ember scripts/ch06/6-36_mae_celsius.lua [--data DIR]
ember.datasets.parse_args(arg)

local _, float_data = ember.datasets.jena_climate.load()
local train = float_data:narrow(1, 1, (ember.datasets.jena_climate.splits(float_data)))
local std = (train - train:mean(1)):std(1)

local celsius_mae = 0.29 * std:get(2)
print(("%.2f"):format(celsius_mae))

io.write("listing 6-35 on this file: ")  -- 6-35 prints its MAE to end the line
local naive_mae = dofile((arg[0]:match("^(.*/)") or "./") .. "6-35_naive_baseline.lua")
print(("this file: %.4f (6-35) x std %.3f = %.2f degC; line 1 is the book's 0.29 x std")
  :format(naive_mae, std:get(2), naive_mae * std:get(2)))
