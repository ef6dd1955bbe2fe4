-- Listings 6-37 and 6-38: a densely connected model on the Jena data
-- (6-34's generators: 10 days of hourly observations, temperature 24 hours
-- later).  The book: validation MAE near or above the naive baseline
-- (0.29), with unstable validation curves.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-37", { epochs = 20 })
local g = ch06.jena(run)  -- listing 6-34: train_gen, val_gen, test_gen, val_steps

local float_data = g.float_data
local model = ember.Sequential()
model:add(layers.Flatten { input_shape = { g.lookback // g.step, float_data:size(2) } })
model:add(layers.Dense(32, { activation = "relu" }))
model:add(layers.Dense(1))
model:compile { optimizer = ember.optimizers.RMSprop(), loss = "mae" }
local history = model:fit_generator(g.train_gen, { steps_per_epoch = run:steps(500), epochs = run.epochs,
  validation_data = g.val_gen, validation_steps = run:val_steps(g.val_steps), callbacks = run.callbacks })

-- Listing 6-38: plotting results (training and validation loss)
run:finish(history, { metric = "val_loss", degc = g.std:get(2) })
