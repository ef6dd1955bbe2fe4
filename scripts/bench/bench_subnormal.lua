-- FTZ/DAZ at work: the same GEMM and LSTM pass on ordinary values and on
-- subnormal ones (1e-39), with flush-to-zero/denormals-are-zero on (the
-- default) and off.  With it on, subnormal inputs run at the ordinary
-- speed on any CPU.  With it off, Intel cores take a microcode assist per
-- operation on a subnormal (the issue measured 20x slower training on a
-- Xeon); AMD Zen cores barely slow down, so on an AMD machine the "off"
-- rows stay close to the others.
--   make bench BENCH=subnormal
local bench = require "bench"
local L = ember.layers

local function filled(shape, v)
  ember.set_flush_denormal(false)  -- so that 1e-39 is stored as the subnormal it is
  local t = ember.full(shape, v)
  ember.set_flush_denormal(true)
  return t
end

bench.section("Subnormal operands (1e-39) with flush-to-zero on and off")
local n = 512
local normal_a, normal_b = filled({ n, n }, 0.5), filled({ n, n }, 0.25)
local tiny_a, tiny_b = filled({ n, n }, 1e-39), filled({ n, n }, 0.25)
ember.set_flush_denormal(false)  -- (with DAZ on, max() itself would read the subnormals as 0)
assert(tiny_a:max() > 0, "the subnormal input was flushed while being made")
ember.set_flush_denormal(true)

ember.seed(1)
local lstm = L.LSTM(32, { return_sequences = true })
lstm:build { ember.None, ember.None, 32 }
local shape = { 128, 100, 32 }
local normal_x, normal_dy = filled(shape, 0.5), filled(shape, 0.5)
local tiny_x, tiny_dy = filled(shape, 1e-39), filled(shape, 1e-39)
local function lstm_pass(x, dy)
  return function()
    lstm:forward(x, true)
    lstm:backward(dy)
  end
end

local rows = {
  { ("matmul %dx%d, ordinary values"):format(n, n), function() ember.matmul(normal_a, normal_b) end },
  { ("matmul %dx%d, A all 1e-39"):format(n, n), function() ember.matmul(tiny_a, tiny_b) end },
  { "LSTM(32) forward+backward 128 x 100 x 32, ordinary values", lstm_pass(normal_x, normal_dy) },
  { "LSTM(32) forward+backward 128 x 100 x 32, all 1e-39", lstm_pass(tiny_x, tiny_dy) },
}
for _, mode in ipairs { true, false } do
  ember.set_flush_denormal(mode)
  for _, r in ipairs(rows) do bench.time(("[FTZ %s] %s"):format(mode and "on " or "off", r[1]), r[2], { runs = 7 }) end
end
ember.set_flush_denormal(true)
