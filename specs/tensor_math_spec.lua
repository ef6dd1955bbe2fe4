-- Arithmetic with broadcasting, dtype rules, in-place ops, unary math,
-- reductions, matmul and dot.
local T = ember.tensor
local function I(t) return ember.tensor(t, { dtype = "int32" }) end

local function assert_close(expected, actual, tol)
  tol = tol or 1e-5
  local function walk(e, a, path)
    if type(e) == "table" then
      assert.equal(#e, #a, "length at " .. path)
      for i = 1, #e do walk(e[i], a[i], path .. "[" .. i .. "]") end
    else
      assert(math.abs(e - a) <= tol * (1 + math.abs(e)), ("at %s: expected %s, got %s"):format(path, e, a))
    end
  end
  walk(expected, type(actual) == "number" and actual or actual:totable(), "")
end

describe("broadcasting arithmetic", function()
  local a
  before_each(function() a = T { { 1, 2, 3 }, { 4, 5, 6 } } end)

  it("applies + - * / and unary minus elementwise", function()
    local b = T { { 6, 5, 4 }, { 3, 2, 1 } }
    assert.same({ { 7, 7, 7 }, { 7, 7, 7 } }, (a + b):totable())
    assert.same({ { -5, -3, -1 }, { 1, 3, 5 } }, (a - b):totable())
    assert.same({ { 6, 10, 12 }, { 12, 10, 6 } }, (a * b):totable())
    assert_close({ { 1 / 6, 0.4, 0.75 }, { 4 / 3, 2.5, 6 } }, a / b)
    assert.same({ { -1, -2, -3 }, { -4, -5, -6 } }, (-a):totable())
    assert.same({ { 1, 4, 9 }, { 16, 25, 36 } }, (a ^ 2):totable())
  end)

  it("accepts numbers on either side", function()
    assert.same({ { 2, 3, 4 }, { 5, 6, 7 } }, (a + 1):totable())
    assert.same({ { 9, 8, 7 }, { 6, 5, 4 } }, (10 - a):totable())
    assert.same({ { 2, 4, 6 }, { 8, 10, 12 } }, (2 * a):totable())
    assert_close({ { 12, 6, 4 }, { 3, 2.4, 2 } }, 12 / a)
  end)

  it("broadcasts like numpy: trailing dims aligned, size 1 stretches", function()
    assert.same({ { 11, 22, 33 }, { 14, 25, 36 } }, (a + T { 10, 20, 30 }):totable())
    assert.same({ { 11, 12, 13 }, { 24, 25, 26 } }, (a + T { { 10 }, { 20 } }):totable())
    local outer = T { { 1 }, { 2 } } * T { { 1, 10, 100 } }
    assert.same({ { 1, 10, 100 }, { 2, 20, 200 } }, outer:totable())
    local c = ember.ones { 4, 1, 3 } + a
    assert.same({ 4, 2, 3 }, c.shape)
    assert.same(a:totable(), (c[4] - 1):totable())
    assert.same({ 2, 3 }, (a + T(5)).shape)
    assert.same({ 0, 3 }, (ember.zeros { 0, 3 } + T { 1, 2, 3 }).shape)
  end)

  it("gives the same results on strided views as on contiguous copies", function()
    ember.seed(3)
    local x = ember.randn { 3, 4, 5 }
    local xt = x:transpose(1, 3)
    local b = ember.randn { 5, 1, 1 }
    assert.same((xt:contiguous() * b):totable(), (xt * b):totable())
    assert.same((xt:contiguous() + xt:contiguous()):totable(), (xt + xt):totable())
    assert.same((x:narrow(3, 2, 3) - 1):totable(), (x:narrow(3, 2, 3):clone() - 1):totable())
  end)

  it("follows the int32/float32 rules", function()
    local i = I { 1, 2, 3 }
    assert.equal("int32", (i + i).dtype)
    assert.equal("int32", (i * 2).dtype)
    assert.equal("int32", (i - 1).dtype)
    assert.equal("float32", (i + 0.5).dtype)
    assert.equal("float32", (i + 1.0).dtype)
    assert.equal("float32", (i / i).dtype)
    assert.same({ 0.5, 1, 1.5 }, (i / 2):totable())
    assert.equal("float32", (i + T { 1, 1, 1 }).dtype)
    assert.equal("float32", (T { 1, 1, 1 } * i).dtype)
    assert.equal("int32", (-i).dtype)
    assert.same({ 2, 4, 6 }, (i + i):totable())
    -- int32 wraps around like numpy's int32
    assert.same({ -2147483648 }, (I { 2147483647 } + 1):totable())
  end)

  it("compares into float32 0/1 tensors", function()
    assert.same({ { 0, 0, 1 }, { 1, 1, 1 } }, a:gt(2):totable())
    assert.same({ { 1, 1, 0 }, { 0, 0, 0 } }, a:le(2):totable())
    assert.same({ { 0, 1, 0 }, { 0, 0, 0 } }, a:eq(2):totable())
    assert.same({ { 1, 0, 1 }, { 1, 1, 1 } }, a:ne(2):totable())
    assert.same({ { 1, 0, 0 }, { 0, 0, 0 } }, a:lt(T { 2, 2, 2 }):totable())
    assert.same({ { 0, 1, 1 }, { 1, 1, 1 } }, a:ge(T { 2, 2, 2 }):totable())
    local i = I { 16777217, 3 }
    assert.equal("float32", i:eq(I { 16777216, 3 }).dtype)
    assert.same({ 0, 1 }, i:eq(I { 16777216, 3 }):totable()) -- compared as integers, not floats
    assert.same({ 2, 2, 3 }, T { 1, 2, 3 }:maximum(2):totable())
    assert.same({ 1, 2, 2 }, T { 1, 2, 3 }:minimum(2):totable())
  end)
end)

describe("in-place arithmetic", function()
  it("writes into self, broadcasting the right side, and returns self", function()
    local a = T { { 1, 2 }, { 3, 4 } }
    local r = a:add_(T { 10, 20 })
    assert.equal(a, r)
    assert.same({ { 11, 22 }, { 13, 24 } }, a:totable())
    a:sub_(1):mul_(2):div_(T { { 2 }, { 4 } })
    assert.same({ { 10, 21 }, { 6, 11.5 } }, a:totable())
  end)

  it("writes through views into the shared storage", function()
    local a = ember.zeros { 2, 3 }
    a:narrow(2, 2, 2):add_(1)
    a:t()[1]:add_(5)
    assert.same({ { 5, 1, 1 }, { 5, 1, 1 } }, a:totable())
  end)

  it("handles an operand that overlaps self", function()
    local a = T { { 1, 2 }, { 3, 4 } }
    a:add_(a:t())
    assert.same({ { 2, 5 }, { 5, 8 } }, a:totable())
    local v = T { 1, 2, 3, 4 }
    v:narrow(1, 2, 3):add_(v:narrow(1, 1, 3))
    assert.same({ 1, 3, 5, 7 }, v:totable())
  end)

  it("refuses results that change self's shape or dtype", function()
    local a = ember.zeros { 3 }
    assert.has_error(function() a:add_(ember.ones { 2, 3 }) end,
      "add_: the result of shape {2,3} does not fit into a tensor of shape {3}")
    assert.has_error(function() a:mul_(ember.ones { 4 }) end, "mul_: shapes {3} and {4} cannot broadcast")
    local i = I { 1, 2, 3 }
    assert.has_error(function() i:add_(0.5) end,
      "add_: the result is float32 and cannot be written into a tensor of dtype int32")
    assert.has_error(function() i:div_(2) end,
      "div_: the result is float32 and cannot be written into a tensor of dtype int32")
    i:add_(I { 1, 1, 1 }):mul_(2)
    assert.same({ 4, 6, 8 }, i:totable())
    assert.has_error(function() a:add_("x") end, "add_: argument 'other' expected a tensor or a number, got string")
  end)
end)

describe("unary math", function()
  it("computes the elementwise functions", function()
    local x = T { -2, -0.5, 0, 1, 4 }
    local function map(f) local r = {} for i, v in ipairs(x:totable()) do r[i] = f(v) end return r end
    assert_close(map(function(v) return (math.exp(v) - math.exp(-v)) / (math.exp(v) + math.exp(-v)) end), x:tanh())
    assert_close(map(function(v) return 1 / (1 + math.exp(-v)) end), x:sigmoid())
    assert_close(map(function(v) return v > 0 and v or 0 end), x:relu())
    assert_close(map(math.exp), x:exp())
    assert_close(map(math.abs), x:abs())
    assert_close(map(function(v) return v * v * v end), x:pow(3))
    assert_close(map(function(v) return math.max(-1, math.min(1, v)) end), x:clamp(-1, 1))
    assert_close({ 0, 1, 2 }, T { 0, 1, 4 }:sqrt())
    assert_close({ 0, 1, math.log(4) }, T { 1, math.exp(1), 4 }:log())
    assert.same({ 4, 0.25 }, T { 2, 0.5 }:square():totable())
  end)

  it("computes exp, sigmoid and tanh to float precision over their whole range", function()
    local xs = ember.arange(-4000, 4000):float() / 100 -- -40 .. 40 in steps of 0.01
    local e, s, t = xs:exp():totable(), xs:sigmoid():totable(), xs:tanh():totable()
    local worst = 0
    local function check(expected, got)
      local err = math.abs(expected - got) / math.max(math.abs(expected), 1e-38)
      if err > worst then worst = err end
    end
    for i, x in ipairs(xs:totable()) do
      check(math.exp(x), e[i])
      check(1 / (1 + math.exp(-x)), s[i])
      local m = math.exp(-2 * math.abs(x))
      check((x < 0 and -1 or 1) * (1 - m) / (1 + m), t[i])
    end
    assert.is_true(worst < 2.4e-7, "worst relative error " .. worst) -- 2 float32 ulps
    local special = T { 0 / 0, 1 / 0, -1 / 0, 100, -120 }
    local ex, th, sg = special:exp():totable(), special:tanh():totable(), special:sigmoid():totable()
    assert.is_true(ex[1] ~= ex[1] and th[1] ~= th[1] and sg[1] ~= sg[1])
    assert.same({ 1 / 0, 0, 1 / 0, 0 }, { ex[2], ex[3], ex[4], ex[5] })
    assert.same({ 1, -1, 1, -1 }, { th[2], th[3], th[4], th[5] })
    assert.same({ 1, 0, 1, 0 }, { sg[2], sg[3], sg[4], sg[5] })
    assert.equal(0, T { -0.0 }:tanh():get(1))
  end)

  it("keeps int32 for neg/abs/relu/clamp and gives float32 otherwise", function()
    local i = I { -3, 2 }
    assert.equal("int32", i:abs().dtype)
    assert.same({ 3, 2 }, i:abs():totable())
    assert.same({ 0, 2 }, i:relu():totable())
    assert.same({ -1, 1 }, i:clamp(-1, 1):totable())
    assert.equal("float32", i:exp().dtype)
    assert.equal("float32", i:sqrt().dtype)
  end)

  it("works on strided views and leaves them untouched", function()
    local a = T { { 1, -2 }, { -3, 4 } }
    assert.same({ { 1, 3 }, { 2, 4 } }, a:t():abs():totable())
    assert.same({ { 1, -2 }, { -3, 4 } }, a:totable())
  end)

  it("rejects bad arguments", function()
    local a = T { 1, 2 }
    assert.has_error(function() a:pow("x") end, "pow: argument 'exponent' expected a number, got string")
    assert.has_error(function() a:clamp(2, 1) end, "clamp: min 2 is greater than max 1")
    assert.has_error(function() a.tanh(3) end, "tanh: argument 'self' expected a tensor, got 3")
    assert.error_matches(function() return 2 ^ a end, "pow: argument 'base' expected a tensor")
  end)
end)

describe("reductions", function()
  local a
  before_each(function() a = T { { 1, 5, 3 }, { 4, 2, 6 } } end)

  it("reduce over everything to a Lua number", function()
    assert.equal(21, a:sum())
    assert.equal(3.5, a:mean())
    assert.near(math.sqrt(17.5 / 6), a:std(), 1e-6)
    assert.equal(6, a:max())
    assert.equal(1, a:min())
    assert.equal(6, a:argmax())
    assert.equal(1, a:argmin())
    assert.equal(21, a:int():sum())
    assert.is_true(math.type(a:int():sum()) == "integer")
  end)

  it("reduce along a dim, removing it", function()
    assert.same({ 5, 7, 9 }, a:sum(1):totable())
    assert.same({ 9, 12 }, a:sum(2):totable())
    assert.same({ 3, 4 }, a:mean(2):totable())
    assert.same({ 1.5, 1.5, 1.5 }, a:std(1):totable())
    assert.same({ 5, 6 }, a:max(2):totable())
    assert.same({ 1, 2, 3 }, a:min(1):totable())
    assert.same({ 2, 3 }, a:argmax(2):totable())
    assert.equal("int32", a:argmax(2).dtype)
    assert.same({ 1, 2, 1 }, a:argmin(1):totable())
    assert.same({ 9, 12 }, a:sum(-1):totable())
    assert.same({ 2 }, ember.ones { 2, 3, 4 }:sum(2):sum(2).shape)
    assert.same({ 12, 12 }, ember.ones { 2, 3, 4 }:sum(2):sum(2):totable())
  end)

  it("keep dtypes as documented and work on strided views", function()
    local i = a:int()
    assert.equal("int32", i:sum(1).dtype)
    assert.equal("int32", i:max(1).dtype)
    assert.equal("float32", i:mean(1).dtype)
    assert.same(a:t():contiguous():sum(2):totable(), a:t():sum(2):totable())
    assert.same({ 5, 6 }, a:t():max(1):totable())
  end)

  it("accumulate in double precision", function()
    local big = ember.full({ 1000000 }, 0.1)
    assert.near(100000, big:sum(), 1e-2)
    local offset = ember.full({ 1000 }, 10000) + T(ember.arange(1, 1000):float():totable()):gt(500)
    assert.near(0.5, offset:std(), 1e-6)
  end)

  it("handle empty tensors and NaN", function()
    assert.equal(0, ember.zeros { 0 }:sum())
    assert.is_true(ember.zeros { 0 }:mean() ~= ember.zeros { 0 }:mean())
    assert.has_error(function() ember.zeros { 0 }:max() end, "max: reduction over an empty dimension")
    local n = T { 1, 0 / 0, 3 }
    assert.is_true(n:max() ~= n:max())
    assert.equal(2, n:argmax())
  end)

  it("reject bad dims and int32 overflow", function()
    assert.has_error(function() a:sum(3) end, "sum: argument 'dim' must be in [-2, 2], got 3")
    assert.has_error(function() a:sum(0) end, "sum: argument 'dim' must be in [1, 2] or [-2, -1], got 0")
    assert.has_error(function() a:sum("x") end, "sum: argument 'dim' expected an integer, got string")
    assert.has_error(function() I { 2147483647, 1 }:sum(1) end,
      "sum: the result 2147483648 does not fit in int32 (convert with :float() first)")
    assert.equal(2147483648, I { 2147483647, 1 }:sum())
  end)
end)

describe("matmul and dot", function()
  local function naive(a, b)
    local at, bt, r = a:totable(), b:totable(), {}
    for i = 1, #at do
      r[i] = {}
      for j = 1, #bt[1] do
        local s = 0
        for k = 1, #bt do s = s + at[i][k] * bt[k][j] end
        r[i][j] = s
      end
    end
    return r
  end

  it("multiplies 2-D matrices like the textbook loop", function()
    ember.seed(1)
    local a, b = ember.randn { 7, 5 }, ember.randn { 5, 3 }
    assert_close(naive(a, b), ember.matmul(a, b), 1e-5)
    assert_close(naive(a, b), a:matmul(b), 1e-5)
    assert.same({ { 19, 22 }, { 43, 50 } }, ember.matmul(T { { 1, 2 }, { 3, 4 } }, T { { 5, 6 }, { 7, 8 } }):totable())
  end)

  it("reads transposed and sliced views without changing the result", function()
    ember.seed(2)
    local a, b = ember.randn { 6, 4 }, ember.randn { 6, 3 }
    assert_close(naive(a:t():contiguous(), b), ember.matmul(a:t(), b), 1e-5)
    assert_close(naive(b:t():contiguous(), a), ember.matmul(b:t(), a), 1e-5)
    local w = ember.randn { 8, 8 }
    local s1, s2 = w:narrow(2, 2, 4), w:narrow(1, 3, 4):narrow(2, 1, 5)
    assert_close(naive(s1:contiguous(), s2:contiguous()), ember.matmul(s1, s2), 1e-5)
    local ev = w:index(2, { 1, 3, 5, 7 }):t() -- every other column, transposed
    assert_close(naive(ev:contiguous(), s1), ember.matmul(ev, s1), 1e-5)
  end)

  it("handles batches: 3-D x 3-D, 3-D x 2-D, and a broadcast batch of 1", function()
    ember.seed(4)
    local A, B = ember.randn { 3, 4, 5 }, ember.randn { 3, 5, 2 }
    local C = ember.matmul(A, B)
    assert.same({ 3, 4, 2 }, C.shape)
    for i = 1, 3 do assert_close(naive(A[i], B[i]), C[i], 1e-5) end
    local D = ember.matmul(A, B[2])
    for i = 1, 3 do assert_close(naive(A[i], B[2]), D[i], 1e-5) end
    local E = ember.matmul(A:narrow(1, 1, 1), B)
    for i = 1, 3 do assert_close(naive(A[1], B[i]), E[i], 1e-5) end
    local F = ember.matmul(A:transpose(2, 3):contiguous():transpose(2, 3), B)
    assert_close(C:totable(), F, 1e-6)
  end)

  it("gives zeros for an empty inner dimension", function()
    assert.same({ { 0, 0 }, { 0, 0 } }, ember.matmul(ember.zeros { 2, 0 }, ember.zeros { 0, 2 }):totable())
    assert.same({ 0, 3 }, ember.matmul(ember.zeros { 0, 2 }, ember.zeros { 2, 3 }).shape)
  end)

  it("dot follows numpy.dot for 1-D and 2-D", function()
    local v, w = T { 1, 2, 3 }, T { 4, 5, 6 }
    assert.equal(32, v:dot(w))
    local m = T { { 1, 0, 1 }, { 0, 1, 0 } }
    assert.same({ 4, 2 }, m:dot(v):totable())
    assert.same({ 1, 2, 1 }, T { 1, 2 }:dot(m):totable())
    assert.same({ { 2, 0 }, { 0, 1 } }, m:dot(m:t()):totable())
    assert.equal(14, v:dot(v))
    local sq = T { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }
    local col = sq:t()[2] -- {2, 5, 8}, a strided view
    assert.equal(93, col:dot(col))
    assert.same({ 36, 81, 126 }, sq:dot(col):totable())
    assert.same({ 78, 93, 108 }, col:dot(sq):totable())
    assert.same({ 78, 93, 108 }, sq:t():dot(col):totable())
  end)

  it("reports shapes that do not align, wrong dtypes and ranks", function()
    assert.has_error(function() ember.matmul(ember.ones { 128, 32 }, ember.ones { 64, 1 }) end,
      "matmul: shapes {128,32} and {64,1} do not align")
    assert.has_error(function() ember.matmul(ember.ones { 2, 3, 4 }, ember.ones { 3, 4, 2 }) end,
      "matmul: shapes {2,3,4} and {3,4,2} do not align")
    assert.has_error(function() ember.matmul(ember.ones { 2, 2 }:int(), ember.ones { 2, 2 }) end,
      "matmul: expected float32 tensors, got int32 and float32 (convert with :float())")
    assert.error_matches(function() ember.matmul(ember.ones { 2 }, ember.ones { 2, 2 }) end,
      "matmul: expected 2%-D or 3%-D tensors")
    assert.has_error(function() ember.matmul(ember.ones { 2, 2 }, "x") end,
      "matmul: argument 'b' expected a tensor, got string")
    assert.has_error(function() T { 1, 2 }:dot(T { 1, 2, 3 }) end, "dot: shapes {2} and {3} do not align")
    assert.error_matches(function() ember.ones { 2, 2, 2 }:dot(T { 1, 2 }) end, "dot: expected 1%-D or 2%-D tensors")
  end)

  it("lets the thread count be read and set", function()
    local n = ember.num_threads()
    assert.is_true(n >= 1)
    ember.set_num_threads(1)
    assert.equal(1, ember.num_threads())
    ember.set_num_threads(n)
    assert.has_error(function() ember.set_num_threads(0) end, "set_num_threads: argument 'n' must be in [1, 1024], got 0")
  end)

  it("takes the start-up thread count from EMBER_NUM_THREADS", function()
    local p = io.popen("EMBER_NUM_THREADS=1 " .. arg[-1] .. " -e 'io.write(ember.num_threads())'")
    local out = p:read("a")
    p:close()
    assert.equal("1", out)
  end)
end)

describe("arithmetic errors", function()
  it("name the op and the shapes that cannot broadcast", function()
    assert.error_matches(function() return ember.ones { 2, 3 } + ember.ones { 4 } end,
      "add: shapes {2,3} and {4} cannot broadcast")
    assert.error_matches(function() return ember.ones { 2, 3 } * ember.ones { 3, 2 } end,
      "mul: shapes {2,3} and {3,2} cannot broadcast")
    assert.error_matches(function() return ember.ones { 2 } - {} end,
      "sub: argument 'b' expected a tensor or a number, got table")
    assert.error_matches(function() return "x" / ember.ones { 2 } end,
      "div: argument 'a' expected a tensor or a number, got string")
    assert.has_error(function() ember.ones { 2 }:gt(nil) end, "gt: argument 'b' expected a tensor or a number, got nil")
  end)
end)
