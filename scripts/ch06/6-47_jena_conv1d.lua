-- Listing 6-47: a 1D convnet on the Jena data.  The book: validation MAE
-- well above the naive baseline (about 0.4): a convnet looks for patterns
-- anywhere in the input and loses their order.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-47", { epochs = 20 })
local g = ch06.jena(run)

local model = ember.Sequential()
model:add(layers.Conv1D(32, 5, { activation = "relu", input_shape = { ember.None, g.float_data:size(2) } }))
model:add(layers.MaxPooling1D(3))
model:add(layers.Conv1D(32, 5, { activation = "relu" }))
model:add(layers.MaxPooling1D(3))
model:add(layers.Conv1D(32, 5, { activation = "relu" }))
model:add(layers.GlobalMaxPooling1D())
model:add(layers.Dense(1))
model:compile { optimizer = ember.optimizers.RMSprop(), loss = "mae" }
local history = model:fit_generator(g.train_gen, { steps_per_epoch = run:steps(500), epochs = run.epochs,
  validation_data = g.val_gen, validation_steps = run:val_steps(g.val_steps), callbacks = run.callbacks })

run:finish(history, { metric = "val_loss", degc = g.std:get(2) })
