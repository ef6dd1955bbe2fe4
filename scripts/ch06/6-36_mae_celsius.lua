-- Listing 6-36: the naive baseline's MAE back in degrees Celsius:
-- MAE x std of the temperature column.  The book: 0.29 x std = 2.57 C.
-- Usage: ember scripts/ch06/6-36_mae_celsius.lua [--data DIR]
ember.datasets.parse_args(arg)

local _, float_data = ember.datasets.jena_climate.load()
local train = float_data:narrow(1, 1, (ember.datasets.jena_climate.splits(float_data)))
local std = (train - train:mean(1)):std(1)

local celsius_mae = 0.29 * std:get(2)
print(("%.2f"):format(celsius_mae))
