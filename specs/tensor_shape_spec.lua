-- Views and shape ops: narrow, select, sub, transpose, reshape, view,
-- squeeze/unsqueeze, flip, index, cat, stack.
local T = ember.tensor

describe("tensor views", function()
  local a
  before_each(function() a = T { { 1, 2, 3 }, { 4, 5, 6 } } end)

  it("narrow takes a slice and shares storage", function()
    local n = a:narrow(2, 2, 2)
    assert.same({ { 2, 3 }, { 5, 6 } }, n:totable())
    n:set(1, 1, 20)
    assert.equal(20, a:get(1, 2))
    assert.same({ 2, 0 }, a:narrow(2, 4, 0).shape)
  end)

  it("select removes the dim and shares storage; negative index counts from the end", function()
    assert.same({ 4, 5, 6 }, a:select(1, 2):totable())
    assert.same({ 3, 6 }, a:select(2, -1):totable())
    a:select(2, 1):fill_(0)
    assert.same({ { 0, 2, 3 }, { 0, 5, 6 } }, a:totable())
    assert.equal(0, a:select(1, 1):select(1, 1):dim())
  end)

  it("sub takes rows from..to inclusive", function()
    local m = ember.arange(1, 12):reshape { 4, 3 }
    assert.same({ { 4, 5, 6 }, { 7, 8, 9 } }, m:sub(2, 3):totable())
    assert.same({ { 10, 11, 12 } }, m:sub(-1, -1):totable())
    m:sub(1, 1):fill_(0)
    assert.equal(0, m:get(1, 3))
  end)

  it("transpose and t are views with swapped strides", function()
    local t = a:transpose(1, 2)
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, t:totable())
    t:set(3, 1, 30)
    assert.equal(30, a:get(1, 3))
    assert.same(t:totable(), a:t():totable())
    local x = ember.arange(1, 24):reshape { 2, 3, 4 }
    assert.same({ 4, 3, 2 }, x:transpose(1, 3).shape)
    assert.equal(x:get(2, 3, 4), x:transpose(1, 3):get(4, 3, 2))
  end)

  it("reshape is a view when contiguous and a copy otherwise, inferring one -1", function()
    local r = a:reshape { 3, -1 }
    assert.same({ 3, 2 }, r.shape)
    r:set(1, 1, 10)
    assert.equal(10, a:get(1, 1))
    local c = a:t():reshape { 6 }
    assert.same({ 10, 4, 2, 5, 3, 6 }, c:totable())
    c:set(1, 99)
    assert.equal(10, a:get(1, 1))
    assert.same({ 1, 6 }, a:reshape(1, 6).shape)
  end)

  it("view shares storage and refuses non-contiguous tensors", function()
    local v = a:view { 6 }
    v:set(6, 60)
    assert.equal(60, a:get(2, 3))
    assert.has_error(function() a:t():view { 6 } end,
      "view: the tensor of shape {3,2} is not contiguous; use reshape() or contiguous()")
    assert.same({ 6 }, a:t():contiguous():view { 6 }.shape)
  end)

  it("squeeze and unsqueeze add and drop size-1 dims", function()
    local u = a:unsqueeze(1)
    assert.same({ 1, 2, 3 }, u.shape)
    assert.same({ 2, 3, 1 }, a:unsqueeze(3).shape)
    assert.same({ 2, 3 }, u:squeeze().shape)
    assert.same({ 2, 3 }, u:squeeze(1).shape)
    u:squeeze():set(2, 2, 50)
    assert.equal(50, a:get(2, 2))
    assert.has_error(function() a:squeeze(1) end, "squeeze: dimension 1 has size 2, not 1")
  end)
end)

describe("copying shape ops", function()
  local a
  before_each(function() a = T { { 1, 2, 3 }, { 4, 5, 6 } } end)

  it("flip reverses one dim or all, into new storage", function()
    assert.same({ { 3, 2, 1 }, { 6, 5, 4 } }, a:flip(2):totable())
    assert.same({ { 4, 5, 6 }, { 1, 2, 3 } }, a:flip(1):totable())
    assert.same({ { 6, 5, 4 }, { 3, 2, 1 } }, a:flip():totable())
    local f = a:flip(1)
    f:set(1, 1, 0)
    assert.equal(4, a:get(2, 1))
    assert.same({ 3, 2, 1 }, ember.arange(1, 3):flip(1):totable())
  end)

  it("index gathers with 1-based int32 indices or a Lua list", function()
    assert.same({ { 3, 1, 3 }, { 6, 4, 6 } }, a:index(2, T({ 3, 1, 3 }, { dtype = "int32" })):totable())
    assert.same({ { 4, 5, 6 } }, a:index(1, { 2 }):totable())
    assert.same({ 2, 0 }, a:index(2, {}).shape)
    assert.equal("int32", a:int():index(1, { 1 }).dtype)
  end)

  it("cat concatenates along a dim (default 1)", function()
    local b = T { { 7, 8, 9 } }
    assert.same({ { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }, ember.cat { a, b }:totable())
    assert.same({ { 1, 2, 3, 1, 2 }, { 4, 5, 6, 4, 5 } }, ember.cat({ a, a:t():narrow(1, 1, 2):t() }, 2):totable())
    local c = ember.cat { a }
    c:set(1, 1, 0)
    assert.equal(1, a:get(1, 1))
  end)

  it("stack adds a new dim", function()
    local s = ember.stack({ a, ember.zeros { 2, 3 } }, 1)
    assert.same({ 2, 2, 3 }, s.shape)
    assert.equal(0, s:get(2, 1, 1))
    local s3 = ember.stack({ a, a }, 3)
    assert.same({ 2, 3, 2 }, s3.shape)
    assert.equal(6, s3:get(2, 3, 2))
  end)
end)

describe("shape op errors", function()
  local a
  before_each(function() a = T { { 1, 2, 3 }, { 4, 5, 6 } } end)

  it("name the function and the bad dim or index", function()
    assert.has_error(function() a:narrow(3, 1, 1) end, "narrow: argument 'dim' must be in [-2, 2], got 3")
    assert.has_error(function() a:narrow(2, 3, 2) end,
      "narrow: start 3 and length 2 out of range for dimension 2 of size 3")
    assert.has_error(function() a:narrow(2, 0, 1) end,
      "narrow: argument 'start' = 0 out of range for a dimension of size 3 (1-based; -1 is the last)")
    assert.has_error(function() a:select(1, 3) end,
      "select: argument 'index' = 3 out of range for a dimension of size 2")
    assert.has_error(function() a:sub(2, 1) end, "sub: argument 'to' (1) is before 'from' (2)")
    assert.has_error(function() a:transpose(1, 0) end, "transpose: argument 'dim' must be in [1, 2] or [-2, -1], got 0")
    assert.error_matches(function() a:narrow("x", 1, 1) end, "narrow: argument 'dim' expected an integer, got string")
    assert.error_matches(function() a.narrow(5, 1, 1, 1) end, "narrow: argument 'self' expected a tensor, got 5")
    assert.has_error(function() a:t():narrow(1, 1.5, 1) end, "narrow: argument 'start' expected an integer, got 1.5")
    assert.has_error(function() ember.tensor(3):transpose(1, 1) end, "transpose: a 0-d tensor has no dimensions")
  end)

  it("reject bad shapes in reshape and view", function()
    assert.has_error(function() a:reshape { 4, -1 } end, "reshape: cannot infer the -1 in shape {4,None} for 6 elements")
    assert.has_error(function() a:reshape { -1, -1 } end, "reshape: shape {None,None} has more than one -1")
    assert.has_error(function() a:view { 5 } end, "view: shape {5} has 5 elements, the tensor has 6")
    assert.has_error(function() a:reshape { 2, "x" } end,
      "reshape: argument 'shape' entry 2 must be a non-negative integer or -1, got x")
    assert.has_error(function() a:reshape() end, "reshape: argument 'shape' expected a shape table such as {2, -1}, got no value")
  end)

  it("reject bad indices, dtypes and lists", function()
    assert.has_error(function() a:index(1, { 3 }) end, "index: index 3 out of range for dimension 1 of size 2")
    assert.has_error(function() a:index(1, { 0 }) end, "index: index 0 out of range for dimension 1 of size 2")
    assert.has_error(function() a:index(1, T { 1 }) end,
      "index: argument 'indices' expected an int32 tensor, got float32 tensor {1}")
    assert.has_error(function() ember.cat { a, a:int() } end, "cat: tensor 1 is float32 but tensor 2 is int32")
    assert.has_error(function() ember.cat({ a, T { 1, 2 } }, 1) end, "cat: shapes {2,3} (tensor 1) and {2} (tensor 2) do not match")
    assert.has_error(function() ember.cat {} end, "cat: argument 'tensors' is an empty list")
    assert.has_error(function() ember.cat { a, 3 } end, "cat: entry 2 of argument 'tensors' expected a tensor, got number")
    assert.has_error(function() ember.stack({ a, a:t() }) end, "stack: shapes {2,3} (tensor 1) and {3,2} (tensor 2) do not match")
    assert.has_error(function() ember.stack({ a }, 4) end, "stack: argument 'dim' must be in [-3, 3], got 4")
  end)
end)
