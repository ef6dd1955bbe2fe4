-- Listing 6-49: a Conv1D front end (it shortens 240 half-hourly steps to
-- 76 higher-level features) followed by a GRU, on 6-48's generators.  The
-- book: between the convnet and the GRU, and much faster than the GRU on
-- this resolution.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-49", { epochs = 20 })
local g = ch06.jena(run, { lookback = 720, step = 3, delay = 144 })  -- listing 6-48

local model = ember.Sequential()
model:add(layers.Conv1D(32, 5, { activation = "relu", input_shape = { ember.None, g.float_data:size(2) } }))
model:add(layers.MaxPooling1D(3))
model:add(layers.Conv1D(32, 5, { activation = "relu" }))
model:add(layers.GRU(32, { dropout = 0.1, recurrent_dropout = 0.5 }))
model:add(layers.Dense(1))
model:summary()
model:compile { optimizer = ember.optimizers.RMSprop(), loss = "mae" }
local history = model:fit_generator(g.train_gen, { steps_per_epoch = run:steps(500), epochs = run.epochs,
  validation_data = g.val_gen, validation_steps = run:val_steps(g.val_steps), callbacks = run.callbacks })

run:finish(history, { metric = "val_loss", degc = g.std:get(2) })
