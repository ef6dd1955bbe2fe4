-- The engine's thread pool (engine/core/parallel.c) seen from Lua: seeded
-- runs repeat bit for bit with two threads, and Bidirectional's halves give
-- the same bits on one thread or two.  Each run is a fresh ./ember process,
-- because the thread count (EMBER_NUM_THREADS) is read once per process.

local script = [[
local L, None = ember.layers, ember.None
local which, set_threads = ...
if set_threads then ember.set_num_threads(tonumber(set_threads)) end
local function sum(x)
  if type(x) ~= "table" then return x end
  local s = 0
  for _, v in ipairs(x) do s = s + sum(v) end
  return s
end
local function fingerprint(build, x, y, loss)
  ember.seed(7)
  local m = build()
  m:compile { optimizer = ember.optimizers.RMSprop { lr = 1e-3 }, loss = loss }
  local out = {}
  for _ = 1, 3 do
    local r = m:train_on_batch(x, y)
    out[#out + 1] = string.format("%a", type(r) == "table" and r[1] or r)
  end
  for _, w in ipairs(m:get_weights()) do out[#out + 1] = string.format("%a", sum(w:totable())) end
  return table.concat(out, " ")
end
if which == "rnn" then
  -- 40 rows: three blocks of rows (16, 16, 8), so 2 and 3 threads split them differently
  ember.seed(4)
  local x, y = ember.randn { 40, 30, 5 }, ember.randn { 40 }
  io.write(fingerprint(function() return ember.Sequential {
    L.LSTM(12, { return_sequences = true, input_shape = { None, 5 } }), L.SimpleRNN(8), L.Dense(1) } end, x, y, "mse"))
  io.write(" ", fingerprint(function() return ember.Sequential {
    L.GRU(12, { dropout = 0.2, recurrent_dropout = 0.3, return_sequences = true, input_shape = { None, 5 } }),
    L.GRU(6, { reset_after = true, go_backwards = true }), L.Dense(1) } end, x, y, "mae"))
elseif which == "conv" then
  ember.seed(1)
  local x, y = ember.randn { 64, 240, 14 }, ember.randn { 64 }
  io.write(fingerprint(function() return ember.Sequential {
    L.Conv1D(32, 5, { activation = "relu", input_shape = { None, 14 } }), L.MaxPooling1D(3),
    L.Conv1D(32, 5, { activation = "relu" }), L.GlobalMaxPooling1D(), L.Dense(1) } end, x, y, "mae"))
else
  ember.seed(2)
  local x, y = ember.randn { 32, 20, 6 }, ember.randn { 32 }
  io.write(fingerprint(function() return ember.Sequential {
    L.Bidirectional(L.GRU(8, { dropout = 0.2, recurrent_dropout = 0.3 }), { input_shape = { None, 6 } }),
    L.Dense(1) } end, x, y, "mse"))
  io.write(" ", fingerprint(function() return ember.Sequential {
    L.Bidirectional(L.LSTM(8, { dropout = 0.1, return_sequences = true }),
                    { input_shape = { None, 6 }, merge_mode = "sum" }),
    L.GlobalMaxPooling1D(), L.Dense(1) } end, x, y, "mse"))
end
]]

local path = os.tmpname()
local f = assert(io.open(path, "w"))
f:write(script)
f:close()

local function run(threads, which, set_threads)
  local p = io.popen(string.format("EMBER_NUM_THREADS=%d %s %s %s %s 2>&1", threads, arg[-1], path, which,
    set_threads or ""))
  local out = p:read("a")
  local ok = p:close()
  assert(ok, "run failed: " .. out)
  assert.matches("^[-0-9a-fx.p+ ]+$", out)
  return out
end

describe("thread pool", function()
  teardown(function() os.remove(path) end)

  it("repeats a seeded two-thread Conv1D training run bit for bit", function()
    local first = run(2, "conv")
    for _ = 1, 3 do assert.equal(first, run(2, "conv")) end
  end)

  it("ember.set_num_threads resizes the pool: Conv1D then runs as EMBER_NUM_THREADS would make it", function()
    local one, two = run(1, "conv"), run(2, "conv")
    assert.are_not.equal(one, two)  -- else the comparisons below could not tell the counts apart
    assert.equal(one, run(2, "conv", 1))
    assert.equal(two, run(1, "conv", 2))
    local n = ember.num_threads()
    finally(function() ember.set_num_threads(n) end)
    ember.set_num_threads(1)
    assert.equal(1, ember.debug.pool_threads())
    ember.set_num_threads(3)
    assert.equal(3, ember.debug.pool_threads())
    assert.equal(3, ember.num_threads())
  end)

  it("gives LSTM, SimpleRNN and GRU (dropout, reset_after) training the same bits on 1, 2 and 3 threads", function()
    local one = run(1, "rnn")
    assert.equal(one, run(2, "rnn"))
    assert.equal(one, run(3, "rnn"))
    assert.equal(one, run(2, "rnn"))
  end)

  it("gives Bidirectional the same bits on one thread and on two", function()
    local one = run(1, "bidir")
    assert.equal(one, run(2, "bidir"))
    assert.equal(one, run(2, "bidir"))
  end)
end)
