-- The conv models make bench times (one training batch of 128): shared by
-- bench_conv.lua and bench_threads.lua.
local L = ember.layers
local None = ember.None

local function relu_conv(filters, k, opts)
  opts = opts or {}
  opts.activation = "relu"
  return L.Conv1D(filters, k, opts)
end

local cases = {
  { key = "imdb_conv1d", T = 500, tokens = true, lr = 1e-4, loss = "binary_crossentropy",
    label = "IMDB Conv1D (6-46): 128 x 500 tokens, Emb 128, 2x Conv1D(32,7)",
    model = function()
      return ember.Sequential {
        L.Embedding(10000, 128, { input_length = 500 }),
        relu_conv(32, 7), L.MaxPooling1D(5), relu_conv(32, 7), L.GlobalMaxPooling1D(), L.Dense(1),
      }
    end },
  { key = "jena_conv1d", T = 240, loss = "mae",
    label = "Jena Conv1D (6-47): 128 x 240 x 14, 3x Conv1D(32,5)",
    model = function()
      return ember.Sequential {
        relu_conv(32, 5, { input_shape = { None, 14 } }), L.MaxPooling1D(3),
        relu_conv(32, 5), L.MaxPooling1D(3), relu_conv(32, 5), L.GlobalMaxPooling1D(), L.Dense(1),
      }
    end },
  { key = "jena_conv1d_gru", T = 480, loss = "mae", needs_gru = true,
    label = "Jena Conv1D+GRU (6-49): 128 x 480 x 14, 2x Conv1D, GRU(32)",
    model = function()
      return ember.Sequential {
        relu_conv(32, 5, { input_shape = { None, 14 } }), L.MaxPooling1D(3), relu_conv(32, 5),
        L.GRU(32, { dropout = 0.1, recurrent_dropout = 0.5 }), L.Dense(1),
      }
    end },
}

local function inputs(case)
  if case.tokens then return ember.randint(1, 9999, { 128, case.T }), ember.randint(0, 1, { 128 }):float() end
  return ember.randn { 128, case.T, 14 }, ember.randn { 128 }
end

return { cases = cases, inputs = inputs }
