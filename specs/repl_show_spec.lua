-- What the REPL shows (issue 17): tables as Lua source instead of
-- "table: 0x55d0...", tensor methods offered after x:, private methods
-- (_step_core) only when the user types the underscore.
local show = require "ember.show"

describe("REPL display and completion", function()
  it("shows tables as Lua source, nested, sorted, bounded", function()
    assert.equal("{1, 2, 3}", show.format { 1, 2, 3 })
    assert.equal("{acc = {1}, loss = {0.5, 0.25}}", show.format { loss = { 0.5, 0.25 }, acc = { 1 } })
    assert.equal('{["a key"] = "v", x = true}', show.format { x = true, ["a key"] = "v" })
    assert.equal("{{{{...}}}}", show.format { { { { 1 } } } })
    local cycle = {}
    cycle.self = cycle
    assert.equal("{self = {...}}", show.format(cycle))
    local long = {}
    for i = 1, 25 do long[i] = i end
    assert.matches("^{1, 2, .*, 20, %.%.%. %(25 entries%)}$", show.format(long))
    assert.equal(tostring(ember.zeros { 2 }) .. "\n[float32 tensor of shape {2}]", show.format(ember.zeros { 2 }))
    assert.equal("{w = [int32 tensor of shape {2, 3}: 0, 0, 0, 0, ...]}", show.format { w = ember.zeros({ 2, 3 }, { dtype = "int32" }) })
    -- a preview of the first values in row-major order, also of a transposed view
    assert.equal("{[float32 tensor of shape {3, 2}: 1, 4, 2, 5, ...], [float32 tensor of shape {2}: 0.5, 0.3333], "
      .. "[float32 tensor of shape {0}]}",
      show.format { ember.arange(1, 6):float():reshape(2, 3):t(), ember.tensor { 0.5, 1 / 3 }, ember.zeros { 0 } })
    assert.equal("{2, 3}", show.format(ember.zeros { 2, 3 }.shape))
  end)

  it("completes tensor methods after x: and hides private model methods", function()
    rawset(_G, "repl_t", ember.zeros { 2 })
    rawset(_G, "repl_m", ember.Sequential { ember.layers.Dense(1, { input_dim = 2 }) })
    finally(function() rawset(_G, "repl_t", nil) rawset(_G, "repl_m", nil) end)
    local got = {}
    for _, c in ipairs(ember.debug.complete("repl_t:su")) do got[c] = true end
    assert.is_true(got["repl_t:sum"] and got["repl_t:sub"])
    for _, c in ipairs(ember.debug.complete("repl_m:")) do assert.is_nil(c:find(":_"), c) end
    assert.is_true(#ember.debug.complete("repl_m:_") > 0)
  end)
end)
