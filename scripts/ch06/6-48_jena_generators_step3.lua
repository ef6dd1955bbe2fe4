-- Listing 6-48: higher-resolution Jena generators for 6-49: one point
-- every 30 minutes (step 3) over 5 days (lookback 720), so 240 timesteps.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-48")
local g = ch06.jena(run, { lookback = 720, step = 3, delay = 144 })

local samples, targets = g.train_gen()
print(("train batch: samples (%s), targets (%s)"):format(table.concat(samples.shape, ", "), table.concat(targets.shape, ", ")))
print(("val_steps = %d, test_steps = %d"):format(g.val_steps, g.test_steps))
