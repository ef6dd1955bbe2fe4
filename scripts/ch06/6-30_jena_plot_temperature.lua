-- Listing 6-30: the temperature (degrees Celsius) over the whole record,
-- one point every 10 minutes: the yearly cycle (figure 6-18).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"

local run = ch06.setup("6-30")
local header, float_data = ember.datasets.jena_climate.load()
local temp = float_data:select(2, 2)  -- column 1 of float_data: "T (degC)"
local file = ember.plot.line { y = temp, file = run:path("6-30_temperature.png"),
  title = "Temperature over the full record", xlabel = "Time step (10 minutes)", ylabel = header[3] }
print("figure: " .. file)
run:record(nil, { metric = "figure", figure = file })
