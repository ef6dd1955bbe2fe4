-- Listing 6-29: parsing the Jena data into a {420551, 14} float32 tensor
-- (every column but the date), with the C CSV reader.
-- Usage: ember scripts/ch06/6-29_jena_parse.lua [--data DIR]
ember.datasets.parse_args(arg)

local header, float_data = ember.datasets.jena_climate.load()
print(("float_data shape: (%d, %d)"):format(float_data:size(1), float_data:size(2)))
print(("%s of the first row: %.2f"):format(header[3], float_data:get(1, 2)))
