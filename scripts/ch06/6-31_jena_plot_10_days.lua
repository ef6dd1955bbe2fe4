-- Listing 6-31: the temperature over the first 10 days (1,440 points):
-- the daily cycle (figure 6-19).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"

local run = ch06.setup("6-31")
local header, float_data = ember.datasets.jena_climate.load()
local temp = float_data:select(2, 2)
local file = ember.plot.line { y = temp:sub(1, 1440), file = run:path("6-31_temperature_10_days.png"),
  title = "Temperature over the first 10 days", xlabel = "Time step (10 minutes)", ylabel = header[3] }
print("figure: " .. file)
run:record(nil, { metric = "figure", figure = file })
