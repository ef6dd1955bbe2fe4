-- ember.utils.to_categorical, ember.permutation and ember.utils.train_test_split.
local U = ember.utils

local function sorted(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  return t
end

local function range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

describe("ember.utils.to_categorical", function()
  it("one-hot rows from 0-based class ids (a list, an int32 tensor, integer floats)", function()
    assert.same({ { 1, 0, 0 }, { 0, 0, 1 }, { 0, 1, 0 } }, U.to_categorical({ 0, 2, 1 }):totable())
    local t = U.to_categorical(ember.tensor({ 3, 0 }, { dtype = "int32" }), 5)
    assert.equal("float32", t.dtype)
    assert.same({ { 0, 0, 0, 1, 0 }, { 1, 0, 0, 0, 0 } }, t:totable())
    assert.same({ { 0, 1 }, { 1, 0 } }, U.to_categorical(ember.tensor { 1, 0 }):totable())
  end)

  it("shapes as Keras: {n, 1} -> {n, k}; {a, b} -> {a, b, k}; dtype option", function()
    assert.same({ 4, 3 }, U.to_categorical(ember.tensor { { 0 }, { 1 }, { 2 }, { 1 } }).shape)
    local t = U.to_categorical(ember.tensor({ { 0, 1, 2 }, { 2, 2, 0 } }, { dtype = "int32" }), { dtype = "int32" })
    assert.same({ 2, 3, 3 }, t.shape)
    assert.equal("int32", t.dtype)
    assert.same({ 0, 0, 1 }, t:totable()[2][1])
    assert.same({ 0, 10 }, U.to_categorical({}, 10).shape)
  end)

  it("reads a non-contiguous view", function()
    local y = ember.tensor { { 0, 9 }, { 2, 9 }, { 1, 9 } }
    assert.same({ { 1, 0, 0 }, { 0, 0, 1 }, { 0, 1, 0 } }, U.to_categorical(y[{ {}, 1 }], 3):totable())
  end)

  it("argmax(...) - 1 gives the class ids back (the README's idiom)", function()
    local ids = { 2, 0, 1, 1, 3 }
    local back = (U.to_categorical(ids, 4):argmax(2) - 1):totable()
    assert.same(ids, back)
  end)

  it("option out: refills and returns the given buffer (its memory kept when large enough)", function()
    local buf = ember.zeros { 0 }
    local ids = ember.tensor({ { 0, 2 }, { 1, 1 } }, { dtype = "int32" })
    local r = U.to_categorical(ids, 3, { out = buf })
    assert.equal(buf, r)
    assert.same(U.to_categorical(ids, 3):totable(), buf:totable())
    buf:fill_(7)  -- stale values must not survive the next fill
    local r2 = U.to_categorical(ember.tensor({ { 2 } }, { dtype = "int32" }), 3, { out = buf })
    assert.equal(buf, r2)
    assert.same({ 1, 3 }, buf.shape)
    assert.same({ { 0, 0, 1 } }, buf:totable())
    U.to_categorical({ 1 }, 2, { out = buf, dtype = "int32" })
    assert.equal("int32", buf.dtype)
    assert.same({ { 0, 1 } }, buf:totable())
  end)

  it("option out: a bad label leaves the buffer as it was", function()
    local buf = U.to_categorical({ 1 }, 2)
    assert.error_matches(function() U.to_categorical({ 0, 5 }, 2, { out = buf }) end,
      "to_categorical: argument 'y' holds 5 at position 2")
    assert.same({ { 0, 1 } }, buf:totable())
  end)

  describe("bad arguments (nothing returned)", function()
    local shared = ember.tensor({ 0, 1 }, { dtype = "int32" })
    local cases = {
      { function() U.to_categorical({ 0 }, 2, { out = "buf" }) end, "to_categorical: option 'out' expected a tensor, got string" },
      { function() U.to_categorical(shared, 2, { out = shared }) end, "to_categorical: argument 'out' shares its storage with argument 'y'" },
      { function() U.to_categorical({ 0, 3 }, 3) end, "to_categorical: argument 'y' holds 3 at position 2, outside 0 %.%. 2 %(num_classes = 3" },
      { function() U.to_categorical(ember.tensor { 1, -1 }) end, "to_categorical: argument 'y' holds %-1 at position 2; class ids are 0%-based" },
      { function() U.to_categorical({ 0, -2 }) end, "to_categorical: argument 'y' holds %-2 at position 2, not a class id" },
      { function() U.to_categorical(ember.tensor { 0.5 }) end, "to_categorical: argument 'y' holds 0.5 at position 1, not a class id" },
      { function() U.to_categorical({ 1, "a" }) end, "to_categorical: argument 'y' holds string at position 2" },
      { function() U.to_categorical({ a = 1 }) end, "to_categorical: argument 'y' expected a tensor or a list of class ids" },
      { function() U.to_categorical("0,1") end, "to_categorical: argument 'y' expected a tensor or a list of class ids, got string" },
      { function() U.to_categorical({ 0 }, 0) end, "to_categorical: argument 'num_classes' expected an integer >= 1, got 0" },
      { function() U.to_categorical({ 0 }, 2.5) end, "to_categorical: argument 'num_classes' expected an integer >= 1, got 2.5" },
      { function() U.to_categorical({ 0 }, 2, { dtype = "float64" }) end, "to_categorical: option 'dtype' expected \"float32\", \"int32\", \"uint8\" or \"bool\", got string" },
      { function() U.to_categorical({ 0 }, 2, { dtyp = "int32" }) end, "to_categorical: unknown option 'dtyp'.*did you mean 'dtype'" },
      { function() U.to_categorical({}) end, "to_categorical: argument 'y' holds no labels, so num_classes must be given" },
    }
    for i, c in ipairs(cases) do
      it("case " .. i .. ": " .. c[2], function() assert.error_matches(c[1], c[2]) end)
    end
  end)
end)

describe("ember.permutation", function()
  it("is a permutation of 1..n as int32, drawn from the seeded generator (the one fit shuffles with)", function()
    ember.seed(11)
    local p = ember.permutation(50)
    assert.equal("int32", p.dtype)
    assert.same(range(50), sorted(p:totable()))
    ember.seed(11)
    assert.same(p:totable(), ember.core.train.permutation(50):totable())
    ember.seed(12)
    assert.are_not.same(p:totable(), ember.permutation(50):totable())
    assert.same({ 0 }, ember.permutation(0).shape)
    assert.same({ 1 }, ember.permutation(1):totable())
    assert.equal(ember.permutation, U.permutation)
  end)

  it("shuffles the rows of a tensor (a copy), as numpy's permutation(array)", function()
    local x = ember.tensor { { 1, 10 }, { 2, 20 }, { 3, 30 }, { 4, 40 } }
    ember.seed(3)
    local y = ember.permutation(x)
    ember.seed(3)
    local order = ember.permutation(4):totable()
    for i, r in ipairs(order) do assert.same({ r, 10 * r }, y:totable()[i]) end
    y[{ 1, 1 }] = 99
    assert.same({ 1, 10 }, x:totable()[1])
  end)

  it("errors name the argument", function()
    for _, bad in ipairs { -1, 1.5, "5", 0 / 0 } do
      assert.error_matches(function() ember.permutation(bad) end, "permutation: argument 'x' expected an integer n >= 0")
    end
    assert.error_matches(function() ember.permutation() end, "permutation: argument 'x' expected an integer n >= 0 .-, got nil")
    assert.error_matches(function() ember.permutation(ember.tensor(3)) end, "permutation: argument 'x' is a 0%-d tensor")
  end)
end)

describe("ember.utils.train_test_split", function()
  local function data(n)
    local x = ember.arange(1, n):float():reshape { n, 1 }
    local y = ember.arange(1, n):float() * 10
    return x, y
  end

  it("splits rows as sklearn: test = ceil(test_size * n) of a permutation, x and y paired", function()
    local x, y = data(10)
    ember.seed(4)
    local xtr, xte, ytr, yte = U.train_test_split(x, y)
    assert.same({ 7, 1 }, xtr.shape)
    assert.same({ 3, 1 }, xte.shape)
    assert.same({ 7 }, ytr.shape)
    local all = {}
    for i = 1, 7 do
      assert.equal(xtr:get(i, 1) * 10, ytr:get(i))
      all[#all + 1] = xtr:get(i, 1)
    end
    for i = 1, 3 do
      assert.equal(xte:get(i, 1) * 10, yte:get(i))
      all[#all + 1] = xte:get(i, 1)
    end
    assert.same(range(10), sorted(all))
    -- the test rows are the permutation's first ones (sklearn's ShuffleSplit)
    ember.seed(4)
    local perm = ember.permutation(10):totable()
    assert.same({ perm[1], perm[2], perm[3] }, { xte:get(1, 1), xte:get(2, 1), xte:get(3, 1) })
  end)

  it("test_size as a fraction or a count; x alone", function()
    local x, y = data(10)
    local a, b = U.train_test_split(x, { test_size = 0.2 })
    assert.same({ 8, 1 }, a.shape)
    assert.same({ 2, 1 }, b.shape)
    local c, d = U.train_test_split(x, y, { test_size = 4 })
    assert.same({ 6, 1 }, c.shape)
    assert.same({ 4, 1 }, d.shape)
  end)

  it("shuffle = false keeps the order (test = the last rows)", function()
    local x, y = data(5)
    local xtr, xte, ytr, yte = U.train_test_split(x, y, { test_size = 2, shuffle = false })
    assert.same({ { 1 }, { 2 }, { 3 } }, xtr:totable())
    assert.same({ { 4 }, { 5 } }, xte:totable())
    assert.same({ 10, 20, 30 }, ytr:totable())
    assert.same({ 40, 50 }, yte:totable())
  end)

  it("seed gives the same split every time and leaves ember.seed's generator alone", function()
    local x = data(20)
    ember.seed(9)
    local want = ember.rand { 3 }:totable()
    ember.seed(9)
    local _, t1 = U.train_test_split(x, { seed = 42 })
    local got = ember.rand { 3 }:totable()
    assert.same(want, got)
    local _, t2 = U.train_test_split(x, { seed = 42 })
    assert.same(t1:totable(), t2:totable())
    local _, t3 = U.train_test_split(x, { seed = 43 })
    assert.are_not.same(t1:totable(), t3:totable())
  end)

  describe("bad arguments", function()
    local x, y = data(4)
    local cases = {
      { function() U.train_test_split(nil, y) end, "train_test_split: argument 'x' expected a tensor, got nil" },
      { function() U.train_test_split(x, 5) end, "train_test_split: argument 'y' expected a tensor, got 5" },
      { function() U.train_test_split(x, ember.zeros { 3 }) end, "train_test_split: x has 4 samples but y has 3" },
      { function() U.train_test_split(x, y, { test_size = 0 }) end, "train_test_split: option 'test_size' expected a fraction in %(0, 1%) or a sample count >= 1, got 0" },
      { function() U.train_test_split(x, y, { test_size = 1.5 }) end, "option 'test_size' expected a fraction" },
      { function() U.train_test_split(x, y, { test_size = 4 }) end, "train_test_split: option 'test_size' = 4 leaves no training samples of 4" },
      { function() U.train_test_split(x, y, { test_size = 0.9 }) end, "leaves no training samples" },
      { function() U.train_test_split(x, y, { shuffle = "no" }) end, "train_test_split: option 'shuffle' expected true or false" },
      { function() U.train_test_split(x, y, { seed = 1.5 }) end, "train_test_split: option 'seed' expected an integer, got 1.5" },
      { function() U.train_test_split(x, y, { seed = 1, shuffle = false }) end, "train_test_split: option 'seed' has no effect with shuffle = false" },
      { function() U.train_test_split(x, y, { random_state = 1 }) end, "train_test_split: unknown option 'random_state'" },
      { function() U.train_test_split(ember.tensor(1)) end, "train_test_split: argument 'x' is a 0%-d tensor" },
    }
    for i, c in ipairs(cases) do
      it("case " .. i .. ": " .. c[2], function() assert.error_matches(c[1], c[2]) end)
    end
  end)
end)
