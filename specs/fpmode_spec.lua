-- Flush-to-zero and denormals-are-zero (engine/core/fpmode.h) in every
-- thread: training the chapter's kinds of model must leave no thread of the
-- process (main, pool workers, OpenBLAS's workers) with the sticky
-- denormal-operand flag (DE) set.  Backpropagation through time makes
-- subnormal gradients (the issue counted 12.6 % of the LSTM's GEMM operands),
-- and Intel cores pay ~100 cycles per operation on them.  Each run is a fresh
-- ./ember process, so the thread count and the default mode are the start-up
-- ones.
local c_program = require "support.c_program"

local script = [[
local L, None = ember.layers, ember.None
local which, mode = ...
if mode == "off" then ember.set_flush_denormal(false) end
ember.debug.fp_census { clear = true }
ember.seed(3)
local seq = { 32, 300 }
local function imdb(rnn) return ember.Sequential { L.Embedding(1000, 16), rnn, L.Dense(1, { activation = "sigmoid" }) } end
local models = {
  lstm = function() return imdb(L.LSTM(16)) end,
  gru = function() return imdb(L.GRU(16, { dropout = 0.1, recurrent_dropout = 0.2 })) end,
  simple_rnn = function() return imdb(L.SimpleRNN(16)) end,
  bidirectional = function() return imdb(L.Bidirectional(L.LSTM(8))) end,
  conv1d = function() return ember.Sequential { L.Embedding(1000, 16), L.Conv1D(16, 7, { activation = "relu" }),
    L.MaxPooling1D(5), L.Conv1D(16, 7, { activation = "relu" }), L.GlobalMaxPooling1D(), L.Dense(1) } end,
}
local m = models[which]()
m:compile { optimizer = "rmsprop", loss = "binary_crossentropy" }
local x, y = ember.randint(1, 999, seq), ember.randint(0, 1, { seq[1] }):float()
for _ = 1, 3 do m:train_on_batch(x, y) end
local c = ember.debug.fp_census {}
io.write(("threads=%d flushing=%d denormal=%d unreached=%d mode=%s"):format(c.threads, c.flushing, c.denormal,
  c.unreached, tostring(ember.flush_denormal())))
]]

local path = os.tmpname()
local f = assert(io.open(path, "w"))
f:write(script)
f:close()

local function census(threads, which, mode)
  local p = io.popen(string.format("EMBER_NUM_THREADS=%d %s %s %s %s 2>&1", threads, arg[-1], path, which, mode or "on"))
  local out = p:read("a")
  assert(p:close(), "run failed: " .. out)
  local t = {}
  for k, v in out:gmatch("(%w+)=(%w+)") do t[k] = tonumber(v) or v end
  assert(t.threads, "no census in: " .. out)
  return t, out
end

describe("flush-to-zero in every thread", function()
  teardown(function() os.remove(path) end)

  for _, which in ipairs { "lstm", "gru", "simple_rnn", "bidirectional", "conv1d" } do
    for _, threads in ipairs { 1, 2 } do
      it(("leaves no thread with a denormal operand after training %s on %d thread(s)"):format(which, threads), function()
        local c, out = census(threads, which)
        assert.equal("true", c.mode, out)
        assert.equal(0, c.unreached, out)
        assert.is_true(c.threads >= threads, out)  -- every pool worker and OpenBLAS worker was looked at
        assert.equal(c.threads, c.flushing, out)
        assert.equal(0, c.denormal, out)
      end)
    end
  end

  it("sees the denormal operands when flushing is turned off (the check can fail)", function()
    local c, out = census(1, "lstm", "off")
    assert.equal("false", c.mode, out)
    assert.equal(0, c.flushing, out)
    assert.is_true(c.denormal >= 1, out)
  end)

  it("is on by default, can be turned off and on, and reaches every thread each time", function()
    finally(function() ember.set_flush_denormal(true) end)
    assert.is_true(ember.flush_denormal())
    assert.is_true(ember.set_flush_denormal(false))
    assert.is_false(ember.flush_denormal())
    local c = ember.debug.fp_census {}
    assert.equal(0, c.flushing)
    -- a subnormal operand on this thread now raises DE, and the census sees it
    ember.debug.fp_census { clear = true }
    local tiny = ember.full({ 8 }, 1e-39) * 3
    assert.is_true(ember.debug.fp_census {}.denormal >= 1)
    assert.is_true(tiny:max() > 0)  -- IEEE: 3e-39 is representable as a subnormal
    assert.is_true(ember.set_flush_denormal(true))
    c = ember.debug.fp_census { clear = true }
    assert.equal(c.threads, c.flushing)
    local flushed = ember.full({ 8 }, 1e-39) * 3
    assert.equal(0, flushed:max())  -- DAZ: the subnormal operand reads as 0
    assert.equal(0, ember.debug.fp_census {}.denormal)
  end)

  it("rejects a non-boolean, naming the function and the argument", function()
    for _, bad in ipairs { "yes", 1, {} } do
      local ok, err = pcall(ember.set_flush_denormal, bad)
      assert.is_false(ok)
      assert.matches("set_flush_denormal: argument 'on' expected a boolean", err, 1, true)
    end
    assert.is_false(pcall(ember.set_flush_denormal))
    assert.is_true(ember.flush_denormal())  -- nothing half-applied
  end)
end)

describe("flush-to-zero in the engine's pool (C)", function()
  it("starts every new pool worker flushing and re-applies a changed mode", function()
    local out, why = c_program.output("fpmode_test",
      "-O1 specs/c/fpmode_test.c engine/core/fpmode.c engine/core/parallel.c engine/core/error.c -lpthread")
    if not out then
      pending(why)
      return
    end
    assert.equal("new workers flushing 3/3\nafter off flushing 0/3\nafter on flushing 3/3\n" ..
                 "census threads>=4 yes flushing all yes\n", out)
  end)
end)
