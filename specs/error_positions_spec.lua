-- Issue 17, item 1: "no user-facing message shows an internal file
-- position".  Every documented public function written in Lua is called
-- with hostile arguments (methods on a real object); an error it raises
-- must name the caller's line or none, never a line inside ember's own
-- modules ("[ember]/ember.models.lua:400: ...").  Loaders that may reach
-- the network, help (prints) and the MPI collectives are left out.
local walk = require "ember.api_walk"
local help = require "ember.help"

local SKIP = { "ember.datasets", "ember.utils.get_file", "ember.help", "ember.distributed", "ember.plot" }

local function skipped(name)
  for _, prefix in ipairs(SKIP) do
    if name:sub(1, #prefix) == prefix then return true end
  end
  return false
end

local function documented(name) return (pcall(help.help_text, name)) end

local function instances()
  local m = ember.Sequential { ember.layers.Dense(1, { input_dim = 3 }) }
  m:compile { optimizer = "sgd", loss = "mse" }
  return {
    Sequential = m, Layer = ember.layers.Dense(2, { input_dim = 3 }), Tokenizer = ember.preprocessing.Tokenizer(),
    Optimizer = ember.optimizers.SGD(), Tensor = ember.zeros { 2, 3 },
  }
end

-- The string arguments are paths inside a temporary folder: a call that
-- takes one as a file to write (save_weights "x") writes there, not here.
local scratch = os.tmpname()
os.remove(scratch)
assert(os.execute("mkdir -p '" .. scratch .. "'"))
local ARGS = { {}, { 42 }, { scratch .. "/x" }, { {} }, { ember.zeros { 2, 5 } }, { {}, 42 },
  { ember.zeros { 2, 5 }, ember.zeros { 3 } }, { ember.zeros { 2, 3 }, scratch .. "/y" } }

describe("error messages", function()
  it("of the Lua half never point inside ember's modules", function()
    local quiet = _G.print
    _G.print = function() end  -- summary and friends print on success
    finally(function()
      _G.print = quiet
      os.execute("rm -rf '" .. scratch .. "'")
    end)
    local found, calls = {}, 0
    for _, item in ipairs(walk.items()) do
      local f = item.value
      if type(f) == "function" and not skipped(item.name) and debug.getinfo(f, "S").what == "Lua"
          and documented(item.name) then
        local objects = instances()
        for _, a in ipairs(ARGS) do
          local args = { table.unpack(a) }
          if item.kind == "method" then
            if not objects[item.class] then break end
            table.insert(args, 1, objects[item.class])
          end
          calls = calls + 1
          local ok, err = pcall(f, table.unpack(args, 1, #a + (item.kind == "method" and 1 or 0)))
          if not ok and tostring(err):find("[ember]/", 1, true) then
            found[#found + 1] = item.name .. ": " .. tostring(err)
            break
          end
        end
      end
    end
    _G.print = quiet
    assert.is_true(calls > 300, "only " .. calls .. " calls made")
    assert.same({}, found)
  end)
end)
