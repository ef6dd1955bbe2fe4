-- Reliability, round two (issue 14), class 5: one rule for every Lua number
-- going into an int32 tensor — an integer in int32's range, else an error
-- naming the function (before: ember.full, ember.tensor(number), a NaN fill
-- and ember.arange past 2^31-1 silently stored -2147483648, where fill_
-- refused the same values).
local I = { dtype = "int32" }

describe("numbers into int32 tensors", function()
  local bad = {
    { "full", function() return ember.full({ 2 }, 3e9, I) end, "full: value 3000000000.0 does not fit in int32" },
    { "full NaN", function() return ember.full({ 2 }, 0 / 0, I) end, "full: value .*nan does not fit in int32" },
    { "tensor", function() return ember.tensor(3e9, I) end, "tensor: value 3000000000.0 does not fit in int32" },
    { "tensor list", function() return ember.tensor({ 1, -3e9 }, I) end, "tensor: value %-3000000000.0 does not fit" },
    { "tensor fraction", function() return ember.tensor({ 2.5 }, I) end, "tensor: value 2.5 is not an integer" },
    { "arange", function() return ember.arange(2147483646, 2147483649) end, "arange: value 2147483648.0 does not fit" },
    { "fill_", function() return ember.zeros({ 2 }, I):fill_(3e9) end, "fill_: value 3000000000.0 does not fit" },
    { "set", function() return ember.zeros({ 2 }, I):set(1, 0 / 0) end, "set: value .*nan does not fit" },
    { "index", function() local t = ember.zeros({ 2, 2 }, I); t[1] = 1e10 end, "index: value 10000000000.0 does not fit" },
  }
  for _, case in ipairs(bad) do
    it("refuses an out-of-range or non-integer value: " .. case[1], function()
      local ok, err = pcall(case[2])
      assert.is_false(ok)
      assert.matches(case[3], tostring(err))
    end)
  end

  it("keeps every value that fits", function()
    assert.same({ 2147483647, 2147483647 }, ember.full({ 2 }, 2147483647, I):totable())
    assert.same({ -2147483648 }, ember.tensor({ -2147483648 }, I):totable())
    assert.same({ 2147483645, 2147483646, 2147483647 }, ember.arange(2147483645, 2147483647):totable())
    assert.equal(7, ember.tensor(7, I):item())
  end)
end)
