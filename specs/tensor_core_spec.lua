-- Core tensor behaviour: construction, access, views through row indexing.
describe("tensor core", function()
  it("builds from nested tables with the right shape and dtype", function()
    local t = ember.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
    assert.same({ 2, 3 }, t.shape)
    assert.equal("float32", t.dtype)
    assert.equal(6, t[2][3])
    assert.equal(6, t:numel())
  end)

  it("shares storage between a row view and its tensor", function()
    local t = ember.zeros { 2, 2 }
    local row = t[2]
    row[1] = 7
    assert.equal(7, t:get(2, 1))
  end)

  it("rejects ragged tables and bad shapes with named errors", function()
    assert.has_error(function() ember.tensor { { 1, 2 }, { 3 } } end,
      "tensor: ragged nested table: a row of length 1 where 2 was expected")
    assert.error_matches(function() ember.zeros { -1 } end, "zeros: argument 'shape'")
    assert.error_matches(function() ember.zeros { 2 }:get(3) end, "get: index 3 out of range")
  end)

  it("gives the same random numbers after the same seed", function()
    ember.seed(7)
    local a = ember.randn { 5 }:totable()
    ember.seed(7)
    local b = ember.randn { 5 }:totable()
    assert.same(a, b)
  end)
end)
