-- Time per training batch (forward + backward + RMSprop step, through
-- model:train_on_batch) of listing 6-7's model at batch 32 and of a
-- Dense(512) -> Dense(512) -> Dense(1) MLP on 10,000 inputs at batch 128
-- (listing 3-x's IMDB MLP shape; 128 keeps each GEMM large enough for
-- OpenBLAS to run near peak while staying a typical Keras batch size).
local bench = require "bench"
local L = ember.layers

bench.section("models: one training batch (forward + backward + RMSprop step)")

ember.seed(1)
local m67 = ember.Sequential {
  L.Embedding(10000, 8, { input_length = 20 }), L.Flatten(), L.Dense(1, { activation = "sigmoid" }) }
m67:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local x67 = ember.randint(0, 9999, { 32, 20 })
local y67 = ember.randint(0, 1, { 32 }):float()
local t67 = bench.time("listing 6-7 model, 100 batches of 32", function()
  for _ = 1, 100 do m67:train_on_batch(x67, y67) end
end, { runs = 5 })
print(("  -> %.3f ms per batch of 32"):format(t67 * 1e3 / 100))

local mlp = ember.Sequential {
  L.Dense(512, { activation = "relu", input_shape = { 10000 } }),
  L.Dense(512, { activation = "relu" }),
  L.Dense(1, { activation = "sigmoid" }) }
mlp:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
local xm = ember.rand { 128, 10000 }
local ym = ember.randint(0, 1, { 128 }):float()
bench.time("MLP 10000 -> 512 -> 512 -> 1, batch 128", function() mlp:train_on_batch(xm, ym) end, { runs = 7 })
-- Context: a training batch costs two GEMMs of this size (forward, kernel
-- gradient; the first layer's input gradient is skipped) plus the RMSprop
-- update of 5.4M parameters.
local wm = ember.rand { 10000, 512 }
local tg = bench.time("  reference: one sgemm 128x10000 @ 10000x512", function() ember.matmul(xm, wm) end, { runs = 7 })
print(("  -> %.1f GFLOP/s"):format(2 * 128 * 10000 * 512 / tg / 1e9))

-- Through fit, to include batch gathering and shuffling (one epoch of 25,000
-- reviews of listing 6-7's shape: 782 batches of 32, validation excluded).
local xf = ember.randint(0, 9999, { 25000, 20 })
local yf = ember.randint(0, 1, { 25000 }):float()
local tf = bench.time("listing 6-7 model, fit one epoch of 25000 samples", function()
  m67:fit(xf, yf, { epochs = 1, batch_size = 32, verbose = 0 })
end, { runs = 3 })
print(("  -> %.3f ms per batch of 32 inside fit (782 batches)"):format(tf * 1e3 / 782))
