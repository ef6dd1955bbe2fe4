-- Section 6.3.8 (before listing 6-42): the GRU of 6-39 trained on the
-- sequences in reverse order (generators with reverse = true, the book's
-- samples[:, ::-1, :]).  The book: worse than the naive baseline -- for
-- the weather, the recent past matters most.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-41b", { epochs = 20 })
local g = ch06.jena(run, { reverse = true })

local model = ember.Sequential()
model:add(layers.GRU(32, { input_shape = { ember.None, g.float_data:size(2) } }))
model:add(layers.Dense(1))
model:compile { optimizer = ember.optimizers.RMSprop(), loss = "mae" }
local history = model:fit_generator(g.train_gen, { steps_per_epoch = run:steps(500), epochs = run.epochs,
  validation_data = g.val_gen, validation_steps = run:val_steps(g.val_steps), callbacks = run.callbacks })

run:finish(history, { metric = "val_loss", degc = g.std:get(2) })
