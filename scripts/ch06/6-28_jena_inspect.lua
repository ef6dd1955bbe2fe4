-- Listing 6-28: inspecting the Jena weather data, the book's way: read the
-- whole file (here from inside its zip) and split it into lines.
-- The book prints the 15 column names and 420551.
-- Usage: ember scripts/ch06/6-28_jena_inspect.lua [--data DIR]
ember.datasets.parse_args(arg)
local fs = ember.fs

-- datasets/jena_climate_2009_2016.csv(.zip), or the stand-in (said on stderr)
local fname = ember.datasets.jena_climate.find()

local data = fs.read(fname)
local lines = {}
for line in data:gmatch("[^\n]+") do lines[#lines + 1] = line end
local header = {}
for name in (lines[1] .. ","):gmatch("([^,]*),") do header[#header + 1] = name end
table.remove(lines, 1)

print("[" .. table.concat(header, ", ") .. "]")
print(#lines)
