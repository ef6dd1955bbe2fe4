-- After listing 6-46: the convnet re-trained from scratch on all 25,000
-- training reviews for 4 epochs (about where its validation accuracy
-- peaks), then evaluated once on the test set.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-46b", { epochs = 4 })
local max_features, max_len = 10000, 500
local x_train, y_train, x_test, y_test = ch06.imdb(run, { max_features = max_features, maxlen = max_len })

local model = ember.Sequential()
model:add(layers.Embedding(max_features, 128, { input_length = max_len }))
model:add(layers.Conv1D(32, 7, { activation = "relu" }))
model:add(layers.MaxPooling1D(5))
model:add(layers.Conv1D(32, 7, { activation = "relu" }))
model:add(layers.GlobalMaxPooling1D())
model:add(layers.Dense(1))

model:compile { optimizer = ember.optimizers.RMSprop { lr = 1e-4 }, loss = "binary_crossentropy", metrics = { "acc" } }
local history = model:fit(x_train, y_train, { epochs = run.epochs, batch_size = 128, callbacks = run.callbacks })
local loss, metrics = model:evaluate(x_test, y_test, { batch_size = 128 })
print(("test loss %.4f, test acc %.4f"):format(loss, metrics.acc))
local figures = run:plot(history)
run:record(history, { metric = "acc", figure = figures[1], test = { loss = loss, acc = metrics.acc } })
