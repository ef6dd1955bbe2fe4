-- The recurrent models make bench times (one training batch of 128): shared by
-- bench_recurrent.lua and bench_threads.lua.
local L = ember.layers
local None = ember.None

local function imdb(rnn)
  return function()
    return ember.Sequential { L.Embedding(10000, 32), rnn(), L.Dense(1, { activation = "sigmoid" }) }
  end
end

local cases = {
  { key = "imdb_lstm", label = "IMDB LSTM (6-27): 128 x 500 tokens, LSTM(32)", T = 500,
    model = imdb(function() return L.LSTM(32) end) },
  { key = "imdb_lstm_masked", label = "IMDB LSTM (6-27) masked: Embedding(mask_zero), 0-40 % pre-padding per row",
    T = 500, padded = true,
    model = function()
      return ember.Sequential { L.Embedding(10000, 32, { mask_zero = true }), L.LSTM(32),
        L.Dense(1, { activation = "sigmoid" }) }
    end },
  { key = "imdb_simple_rnn", label = "IMDB SimpleRNN (6-23): 128 x 500 tokens, SimpleRNN(32)", T = 500,
    model = imdb(function() return L.SimpleRNN(32) end) },
  { key = "imdb_bilstm", label = "IMDB bidirectional LSTM (6-43): Bidirectional(LSTM(32))", T = 500,
    model = imdb(function() return L.Bidirectional(L.LSTM(32)) end) },
  { key = "jena_gru", label = "Jena GRU (6-39): 128 x 240 x 14, GRU(32)", T = 240, series = true,
    model = function()
      return ember.Sequential { L.GRU(32, { input_shape = { None, 14 } }), L.Dense(1) }
    end, loss = "mae" },
  { key = "jena_stacked_gru", label = "Jena stacked GRU (6-41): GRU(32) -> GRU(64, relu), dropout", T = 240,
    series = true, loss = "mae",
    model = function()
      return ember.Sequential {
        L.GRU(32, { dropout = 0.1, recurrent_dropout = 0.5, return_sequences = true, input_shape = { None, 14 } }),
        L.GRU(64, { activation = "relu", dropout = 0.1, recurrent_dropout = 0.5 }),
        L.Dense(1),
      }
    end },
}

local function inputs(case)
  if case.series then return ember.randn { 128, case.T, 14 }, ember.randn { 128 } end
  local ids = ember.randint(1, 9999, { 128, case.T })
  if case.padded then  -- row i: its first (i % 5) * 10 % of the steps are padding (pad_sequences' "pre")
    for i = 1, 128 do
      local pad = (i % 5) * case.T // 10
      if pad > 0 then ids[{ { i, i }, { 1, pad } }] = 0 end
    end
  end
  return ids, ember.randint(0, 1, { 128 }):float()
end

return { cases = cases, inputs = inputs }
