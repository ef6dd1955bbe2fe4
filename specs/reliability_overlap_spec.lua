-- Reliability, round two (issue 14), class 4: a write whose source
-- overlaps its destination behaves as if the source were copied first, as
-- numpy's does, on every path that writes one tensor into another (before:
-- x[3] = x:t()[1] stored [1 4 1]).
local function grid() return ember.arange(1, 9):float():reshape(3, 3) end

describe("overlapping source and destination", function()
  it("row assignment from a transposed view of the same tensor", function()
    local x = grid()
    x[3] = x:t()[1]
    assert.same({ { 1, 2, 3 }, { 4, 5, 6 }, { 1, 4, 7 } }, x:totable())
  end)

  it("copy_ and copy_rows between overlapping views", function()
    local y = grid()
    y:select(1, 3):copy_(y:t():select(1, 1))
    assert.same({ 1, 4, 7 }, y[3]:totable())
    local z = grid()
    ember.core.train.copy_rows(z, 2, z:t():narrow(1, 1, 2))  -- rows 2..3 <- columns 1..2
    assert.same({ { 1, 2, 3 }, { 1, 4, 7 }, { 2, 5, 8 } }, z:totable())
  end)

  it("in-place arithmetic with an overlapping operand", function()
    for op, want in pairs { add_ = { 8, 12, 16 }, sub_ = { 6, 4, 2 }, mul_ = { 7, 32, 63 } } do
      local t = grid()
      t[3][op](t[3], t:t()[1])
      assert.same(want, t[3]:totable(), op)
    end
    local a = ember.arange(1, 6):float()
    a:narrow(1, 2, 5):add_(a:narrow(1, 1, 5))  -- numpy: a[1:] += a[:-1]
    assert.same({ 1, 3, 5, 7, 9, 11 }, a:totable())
  end)
end)
