-- load_weights on damaged files (issue 14, "Also"): with a fixed seed,
-- hundreds of mutants of a valid weights file (bytes flipped, the file cut
-- short, garbage inserted).  Each load must return or raise a Lua error,
-- and the model's weights must be either as before or exactly the saved
-- ones: never a mix, never a silent partial load.  Under `make check`, ASan
-- and UBSan watch every parse.
local L = ember.layers
local mutants = tonumber(os.getenv("EMBER_WEIGHTS_FUZZ") or "") or 300

local state = 7
local function rand(n)
  state = (state * 1103515245 + 12345) % 2147483648
  return state % n + 1
end

local function flat(m)
  local out = {}
  for _, w in ipairs(m:get_weights()) do
    for _, x in ipairs(w:reshape(-1):totable()) do out[#out + 1] = x end
  end
  return out
end

local function same(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

describe("load_weights on damaged files", function()
  it(("never half-loads %d mutants of a weights file"):format(mutants), function()
    ember.seed(5)
    local m = ember.Sequential { L.Embedding(20, 4, { input_length = 5 }), L.LSTM(3), L.Dense(1) }
    m:build { ember.None, 5 }
    local path = os.tmpname() .. ".npz"
    local bad = os.tmpname() .. ".npz"
    finally(function() os.remove(path) os.remove(bad) end)
    m:save_weights(path)
    local saved = flat(m)
    local f = assert(io.open(path, "rb"))
    local bytes = f:read("a")
    f:close()
    local loaded, refused = 0, 0
    for _ = 1, mutants do
      local b = bytes
      local how = rand(3)
      if how == 1 then
        for _ = 1, rand(4) do
          local at = rand(#b)
          b = b:sub(1, at - 1) .. string.char(rand(256) - 1) .. b:sub(at + 1)
        end
      elseif how == 2 then
        b = b:sub(1, rand(#b))
      else
        local at = rand(#b)
        b = b:sub(1, at) .. string.rep(string.char(rand(256) - 1), rand(64)) .. b:sub(at + 1)
      end
      local out = assert(io.open(bad, "wb"))
      out:write(b)
      out:close()
      ember.seed(9)
      local fresh = ember.Sequential { L.Embedding(20, 4, { input_length = 5 }), L.LSTM(3), L.Dense(1) }
      fresh:build { ember.None, 5 }
      local before = flat(fresh)
      local ok = pcall(fresh.load_weights, fresh, bad)
      local after = flat(fresh)
      if ok then
        loaded = loaded + 1
        assert.is_true(same(after, saved), "a load that succeeded must give exactly the saved weights")
      else
        refused = refused + 1
        assert.is_true(same(after, before), "a refused load must change nothing")
      end
    end
    assert.is_true(refused > mutants / 2)
  end)
end)
