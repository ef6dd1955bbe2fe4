-- Listings 6-17 and 6-18: the test reviews, tokenized with the training
-- tokenizer, and the 6-14 model (its saved weights: run 6-14 first)
-- evaluated on them.  The book: about 56% test accuracy with 200 samples.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-18")
-- The tokenizer of 6-14 (fitted on the training reviews); no GloVe needed
-- here since the weights are loaded from the file.
local d = ch06.glove_data(run, { embeddings = false })
local x_test, y_test = ch06.glove_test_data(run, d)

local model = ember.Sequential()
model:add(layers.Embedding(d.max_words, d.embedding_dim, { input_length = d.maxlen }))
model:add(layers.Flatten())
model:add(layers.Dense(32, { activation = "relu" }))
model:add(layers.Dense(1, { activation = "sigmoid" }))
model:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }

local weights = run:path("pre_trained_glove_model.npz")
if not ember.fs.exists(weights) then error("6-18: no " .. weights .. ": run 6-14_glove_train.lua first", 0) end
model:load_weights(weights)
local loss, metrics = model:evaluate(x_test, y_test, { batch_size = 32 })
print(("test loss %.4f, test acc %.4f"):format(loss, metrics.acc))
run:record(nil, { metric = "test_acc", test = { loss = loss, acc = metrics.acc } })
