-- Listing 6-39: a GRU on the Jena data.  The book: clearly below the naive
-- baseline (about 0.265 on the real record), overfitting after a few epochs.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-39", { epochs = 20 })
local g = ch06.jena(run)

local model = ember.Sequential()
model:add(layers.GRU(32, { input_shape = { ember.None, g.float_data:size(2) } }))
model:add(layers.Dense(1))
model:compile { optimizer = ember.optimizers.RMSprop(), loss = "mae" }
local history = model:fit_generator(g.train_gen, { steps_per_epoch = run:steps(500), epochs = run.epochs,
  validation_data = g.val_gen, validation_steps = run:val_steps(g.val_steps), callbacks = run.callbacks })

run:finish(history, { metric = "val_loss", degc = g.std:get(2) })
