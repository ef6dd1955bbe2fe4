-- Nothing lost: a child `ember` saves a model's weights in a loop and is
-- killed with SIGKILL at a random moment, 100 times.  After every kill the
-- weights file must be the previous complete file or a new complete one:
-- it loads, and every weight holds the one value of a single save (a torn
-- file would not load, or would mix two saves' values).  Leftover temp
-- files prove that kills did land in the middle of saves.
local ember = require "ember"

local interpreter = arg and arg[-1] or "./ember"
local ITERATIONS = tonumber(os.getenv("EMBER_KILL_ITERATIONS") or "100")

local function model()
  local m = ember.Sequential()
  -- 600 x 600 kernel: 1.4 MB per save, long enough to be caught mid-write.
  m:add(ember.layers.Dense(600, { input_shape = { 600 } }))
  m:add(ember.layers.Dense(1))
  m:build()
  return m
end

local CHILD = [[
local path, base = arg[1], tonumber(arg[2])
local m = ember.Sequential()
m:add(ember.layers.Dense(600, { input_shape = { 600 } }))
m:add(ember.layers.Dense(1))
m:build()
local i = 0
while true do
  i = i + 1
  local v = base + i
  local w = m:get_weights()
  for _, t in ipairs(w) do t:fill_(v) end
  m:set_weights(w)
  m:save_weights(path)
  if i == 1 then assert(io.open(path .. ".ready", "w")):close() end
end
]]

-- The single value held by every weight in the file, or nil and a reason.
local function saved_value(path)
  local ok, tbl = pcall(ember.load, path)
  if not ok then return nil, "does not load: " .. tostring(tbl) end
  local value, count = nil, 0
  for name, t in pairs(tbl) do
    count = count + 1
    local lo, hi = t:min(), t:max()
    if lo ~= hi then return nil, ("%s mixes values %g and %g"):format(name, lo, hi) end
    if value and value ~= lo then return nil, ("weights from two saves (%g and %g)"):format(value, lo) end
    value = lo
  end
  if count ~= 4 then return nil, ("holds %d weights, expected 4"):format(count) end
  return value
end

describe("kill -9 during save_weights", function()
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  local path = dir .. "/w.npz"
  local child = dir .. "/child.lua"

  teardown(function() os.execute("rm -rf " .. dir) end)

  it(("leaves the old or the new complete file, %d times"):format(ITERATIONS), function()
    local f = assert(io.open(child, "w"))
    f:write(CHILD)
    f:close()
    local m = model()
    local w = m:get_weights()
    for _, t in ipairs(w) do t:fill_(0) end
    m:set_weights(w)
    m:save_weights(path)

    math.randomseed(7)
    local last, changed = 0, 0
    for k = 1, ITERATIONS do
      local base = k * 10000  -- exact in float32 (< 2^24)
      -- Wait for the child's first complete save (it may start slowly, under
      -- a sanitizer), let it run 0-100 ms more, then SIGKILL it.
      local delay = math.random() * 0.1
      os.remove(path .. ".ready")
      local cmd = ("%s %s %s %d >/dev/null 2>&1 & pid=$!; "
        .. "for t in $(seq 3000); do [ -e %s.ready ] && break; sleep 0.01; done; "
        .. "sleep %.3f; kill -9 $pid; wait $pid 2>/dev/null; exit 0")
        :format(interpreter, child, path, base, path, delay)
      assert.is_true(os.execute(cmd))
      local v, why = saved_value(path)
      assert.is_truthy(v, ("iteration %d: %s"):format(k, tostring(why)))
      -- Old file (the last value seen) or a save of this child.
      assert.is_true(v == last or (v > base and v < base + 10000),
        ("iteration %d: value %g is neither the old %g nor one of this child's"):format(k, v, last))
      if v ~= last then changed = changed + 1 end
      last = v
    end
    local leftovers = 0
    for name in io.popen("ls " .. dir):lines() do
      if name:find("%.tmp") then leftovers = leftovers + 1 end
    end
    print(("\nkill -9 during save: %d kills, file replaced %d times, %d interrupted saves left temp files")
      :format(ITERATIONS, changed, leftovers))
    assert.equals(ITERATIONS, changed, "every child completed a first save, so the file must change each time")
    assert.is_true(leftovers > 0, "no kill landed mid-save")
  end)
end)
