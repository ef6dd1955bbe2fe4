-- The uint8 dtype (issue 17: one-hot data in a quarter of float32's
-- memory; "bool" is an alias making uint8 tensors of 0 and 1).  Every
-- supported op is checked on values, every other tensor method must refuse
-- uint8 with the one clear message (the list is read from the method table
-- itself, so a new method cannot slip through unclassified), the memory
-- claim is measured in subprocesses, numpy reads and writes the files, and
-- fit on a uint8 one-hot gives the weights fit on its float32 copy gives.
local U = function(t) return ember.tensor(t, { dtype = "uint8" }) end
local REFUSED = "uint8 tensors are not supported.*convert with :float%(%)"
local EMBER = arg and arg[-1] or "./ember"

local PY = require("support.python").with("numpy")

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p "' .. d .. '"'))
  return d
end

describe("uint8 creation", function()
  it("zeros, ones, full, tensor take dtype uint8 and bool (bool makes uint8 of 0 and 1)", function()
    local z = ember.zeros({ 2, 3 }, { dtype = "uint8" })
    assert.equal("uint8", z.dtype)
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, z:totable())
    assert.same({ 1, 1 }, ember.ones({ 2 }, { dtype = "uint8" }):totable())
    assert.same({ 255, 255 }, ember.full({ 2 }, 255, { dtype = "uint8" }):totable())
    local b = ember.tensor({ true, false, 1, 0 }, { dtype = "bool" })
    assert.equal("uint8", b.dtype)
    assert.same({ 1, 0, 1, 0 }, b:totable())
    assert.equal("uint8", ember.zeros({ 1 }, { dtype = "bool" }).dtype)
    assert.equal(7, ember.tensor(7, { dtype = "uint8" }):item())
    assert.equal("integer", math.type(U({ 3 }):get(1)))
  end)

  it("refuse values outside 0 .. 255 (and outside 0/1 for bool) by one rule", function()
    for _, v in ipairs { 256, -1, 0.5, 0 / 0, 1 / 0, 2 ^ 40 } do
      assert.error_matches(function() U({ v }) end, "tensor: value .* uint8")
      assert.error_matches(function() ember.full({ 2 }, v, { dtype = "uint8" }) end, "full: value .* uint8")
      local t = U({ 1, 2 })
      assert.error_matches(function() t:set(1, v) end, "set: value .* uint8")
      assert.error_matches(function() t[1] = v end, "index: value .* uint8")
      assert.error_matches(function() t:fill_(v) end, "fill_: value .* uint8")
      assert.same({ 1, 2 }, t:totable())  -- nothing half-applied
    end
    assert.error_matches(function() ember.tensor({ 2 }, { dtype = "bool" }) end, "tensor: value 2.0 is not 0 or 1")
    assert.error_matches(function() ember.full({ 1 }, 3, { dtype = "bool" }) end, "full: value 3.0 is not 0 or 1")
    assert.error_matches(function() ember.zeros({ 1 }, { dtype = "uint16" }) end,
      "zeros: option 'dtype' must be one of \"float32\", \"int32\", \"uint8\", \"bool\"")
  end)
end)

describe("uint8 conversion", function()
  it(":float(), :int(), :byte(), :uint8() and ember.tensor(t, {dtype}) convert exactly", function()
    local u = U({ { 0, 1, 255 } })
    assert.equal("float32", u:float().dtype)
    assert.same({ { 0, 1, 255 } }, u:float():totable())
    assert.equal("int32", u:int().dtype)
    assert.same({ { 0, 1, 255 } }, u:int():totable())
    local f = ember.tensor({ 0, 7, 255 })
    assert.equal("uint8", f:byte().dtype)
    assert.same({ 0, 7, 255 }, f:byte():totable())
    assert.same({ 0, 7, 255 }, f:uint8():totable())
    assert.same({ 0, 7, 255 }, ember.tensor(f:int(), { dtype = "uint8" }):totable())
    assert.same({ 1, 0 }, ember.tensor(ember.tensor({ 1, 0 }), { dtype = "bool" }):totable())
  end)

  it("refuse a value that would wrap or be cut, naming it", function()
    assert.error_matches(function() ember.tensor({ 1, 256 }):byte() end, "byte: value 256.0 at flat position 2")
    assert.error_matches(function() ember.tensor({ -1 }):byte() end, "byte: value %-1.0 at flat position 1")
    assert.error_matches(function() ember.tensor({ 0.5 }):uint8() end, "uint8: value 0.5")
    assert.error_matches(function() ember.tensor({ 0 / 0 }):byte() end, "byte: value .*nan")
    assert.error_matches(function() ember.tensor({ 300 }, { dtype = "int32" }):byte() end, "byte: value 300.0")
    assert.error_matches(function() ember.tensor(ember.tensor({ 2 }), { dtype = "bool" }) end, "is not 0 or 1")
    assert.error_matches(function() ember.tensor(U({ 2 }), { dtype = "bool" }) end, "is not 0 or 1")
  end)
end)

describe("uint8 views, copies and indexing", function()
  local function base() return U({ { 1, 2, 3 }, { 4, 5, 6 } }) end

  it("narrow, select, sub, transpose, t, reshape, view, squeeze, unsqueeze, flip, index", function()
    local u = base()
    assert.same({ { 2, 3 }, { 5, 6 } }, u:narrow(2, 2, 2):totable())
    assert.same({ 4, 5, 6 }, u:select(1, 2):totable())
    assert.same({ { 4, 5, 6 } }, u:sub(2, 2):totable())
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, u:t():totable())
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, u:transpose(1, 2):totable())
    assert.same({ 1, 2, 3, 4, 5, 6 }, u:reshape({ 6 }):totable())
    assert.same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, u:view({ 3, 2 }):totable())
    assert.same({ 1, 2, 3 }, u:narrow(1, 1, 1):squeeze():totable())
    assert.same({ 1, 2, 3 }, u:unsqueeze(1).shape)
    assert.same({ { 6, 5, 4 }, { 3, 2, 1 } }, u:flip():totable())
    assert.same({ { 3, 1 }, { 6, 4 } }, u:index(2, { 3, 1 }):totable())
    for _, v in ipairs { u:narrow(2, 2, 2), u:t(), u:flip(), u:index(2, { 1 }) } do assert.equal("uint8", v.dtype) end
    -- a strided view copies right (the 1-byte element path, not the 4-byte one)
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, u:t():clone():totable())
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, u:t():contiguous():totable())
  end)

  it("get/set, t[i], t[{i, j}], t[{range}] = tensor, copy_, clone, cat and stack", function()
    local u = base()
    assert.equal(6, u:get(2, 3))
    assert.equal(6, u[{ 2, -1 }])
    u:set(1, 1, 200)
    u[{ 2, 2 }] = 9
    assert.same({ { 200, 2, 3 }, { 4, 9, 6 } }, u:totable())
    u[1] = 0
    assert.same({ 0, 0, 0 }, u[1]:totable())
    u[{ { 1, 2 }, 1 }] = U({ 7, 8 })
    assert.same({ { 7, 0, 0 }, { 8, 9, 6 } }, u:totable())
    local c = u:clone()
    c[{ 1, 1 }] = 1
    assert.equal(7, u:get(1, 1))
    local d = ember.zeros({ 2, 3 }, { dtype = "uint8" }):copy_(u)
    assert.same(u:totable(), d:totable())
    -- an overlapping strided self-copy (the snapshot path) of bytes
    local sq = U({ { 1, 2 }, { 3, 4 } })
    sq:copy_(sq:t())
    assert.same({ { 1, 3 }, { 2, 4 } }, sq:totable())
    assert.same({ { 7, 0, 0 }, { 8, 9, 6 }, { 7, 0, 0 }, { 8, 9, 6 } }, ember.cat({ u, u }):totable())
    assert.same({ 2, 2, 3 }, ember.stack({ u, u }).shape)
    assert.equal("uint8", ember.cat({ u, u }, 2).dtype)
    assert.error_matches(function() ember.cat({ u, u:float() }) end, "cat: tensor 1 is uint8 but tensor 2 is float32")
    assert.error_matches(function() u:copy_(u:float()) end, "copy_: cannot copy float32 data into a uint8 tensor")
    assert.error_matches(function() u[1] = ember.zeros { 3 } end, "cannot assign a float32 tensor into a uint8 tensor")
  end)

  it("print like int32 (integers, numpy's look) and say uint8 in the REPL's view", function()
    assert.equal("[[1 0]\n [0 1]]", tostring(U({ { 1, 0 }, { 0, 1 } })))
    assert.equal("[  3 200]", tostring(U({ 3, 200 })))
    assert.equal("7", tostring(ember.tensor(7, { dtype = "uint8" })))
    local show = require("ember.show")
    local text = show.value and show.value(U({ 1, 0 })) or tostring(U({ 1, 0 }))
    assert.truthy(text:find("[1 0]", 1, true))
  end)
end)

describe("uint8 comparisons and reductions", function()
  it("comparisons give uint8 0/1 (numpy's bool) when a side is uint8", function()
    local u = U({ 0, 1, 5 })
    for _, r in ipairs { u:eq(1), u:ne(1), u:gt(0.5), u:lt(2), u:ge(u), u:le(1), ember.gt(u, 0), ember.zeros({ 3 }):lt(u) } do
      assert.equal("uint8", r.dtype)
    end
    assert.same({ 0, 1, 0 }, u:eq(1):totable())
    assert.same({ 0, 1, 1 }, u:gt(0.5):totable())
    assert.same({ 1, 1, 0 }, u:le(1):totable())
    assert.same({ 0, 1, 1 }, ember.zeros({ 3 }):lt(u):totable())
    assert.same({ 0, 1, 1 }, u:gt(ember.tensor({ 0 }, { dtype = "int32" })):totable())
    -- float and int32 comparisons keep their float32 results
    assert.equal("float32", ember.tensor({ 1 }):gt(0).dtype)
    assert.equal("float32", ember.tensor({ 1 }, { dtype = "int32" }):gt(0).dtype)
  end)

  it("sum, max, min upcast to int32 (numpy's sum does); mean/std float; argmax/argmin 1-based", function()
    local u = ember.full({ 300 }, 255, { dtype = "uint8" })
    assert.equal(76500, u:sum())  -- well past 255: no byte wrap
    assert.equal("integer", math.type(u:sum()))
    local m = U({ { 1, 9, 3 }, { 4, 0, 6 } })
    assert.same({ 13, 10 }, m:sum(2):totable())
    assert.equal("int32", m:sum(2).dtype)
    assert.equal("int32", m:max(1).dtype)
    assert.same({ 4, 9, 6 }, m:max(1):totable())
    assert.same({ 1, 0, 3 }, m:min(1):totable())
    assert.equal(9, m:max())
    assert.equal(0, m:min())
    assert.same({ 2, 3 }, m:argmax(2):totable())
    assert.equal(2, m:argmax())
    assert.same({ 1, 2 }, m:argmin(2):totable())
    assert.near(23 / 6, m:mean(), 1e-6)
    assert.equal("float32", m:mean(1).dtype)
    assert.near(m:float():std(), m:std(), 1e-6)
  end)
end)

describe("uint8 refused where it has no meaning", function()
  -- Tensor methods that take uint8; every other method must refuse it.
  local SUPPORTED = {
    get = true, set = true, size = true, dim = true, numel = true, item = true, totable = true, float = true,
    int = true, byte = true, uint8 = true, clone = true, contiguous = true, fill_ = true, copy_ = true,
    narrow = true, select = true, sub = true, transpose = true, t = true, reshape = true, view = true,
    squeeze = true, unsqueeze = true, flip = true, index = true, sum = true, mean = true, std = true, max = true,
    min = true, argmax = true, argmin = true, eq = true, ne = true, gt = true, lt = true, ge = true, le = true,
  }

  it("every tensor method not supported raises the clear error (the list read from the method table)", function()
    local names = {}
    for k in pairs(debug.getregistry()["ember.Tensor.methods"]) do names[#names + 1] = k end
    table.sort(names)
    assert.is_true(#names > 40)
    local f, ft = ember.tensor({ { 1, 0, 2 }, { 0, 1, 3 } }), ember.tensor({ { 1, 0 }, { 0, 1 }, { 2, 3 } })
    local u, ut = f:byte(), ft:byte()
    -- argument sets tried on the float32 tensor; the first that works is replayed on uint8
    local tries = { {}, { 2 }, { "f" }, { "ft" }, { 1, 2 }, { 0, 1 } }
    local function args(set, a, at)
      local out = {}
      for i, v in ipairs(set) do out[i] = v == "f" and a or v == "ft" and at or v end
      return out
    end
    local refused, unclassified = 0, {}
    for _, name in ipairs(names) do
      if not SUPPORTED[name] then
        local found
        for _, set in ipairs(tries) do
          if pcall(function() return f:clone()[name](f:clone(), table.unpack(args(set, f, ft))) end) then
            found = set
            break
          end
        end
        if not found then
          unclassified[#unclassified + 1] = name
        else
          local before = u:totable()
          local ok, err = pcall(function() return u[name](u, table.unpack(args(found, u, ut))) end)
          assert.is_false(ok, name .. " accepted a uint8 tensor")
          assert.truthy(tostring(err):find(REFUSED), name .. ": " .. tostring(err))
          assert.same(before, u:totable())
          refused = refused + 1
        end
      end
    end
    assert.same({}, unclassified)
    assert.is_true(refused >= 20)
  end)

  it("operators and ember functions refuse it too", function()
    local u = U({ 1, 2 })
    for name, f in pairs {
      add = function() return u + 1 end, sub = function() return u - u end, mul = function() return 2 * u end,
      div = function() return u / 2 end, neg = function() return -u end, pow = function() return u ^ 2 end,
      matmul = function() return ember.matmul(U({ { 1 } }), U({ { 1 } })) end,
      maximum = function() return ember.zeros({ 2 }):maximum(u) end,
      add_into_float = function() return ember.zeros({ 2 }):add_(u) end,
      loss = function() return ember.losses.mse(ember.zeros { 2 }, u) end,  -- y_pred; a uint8 y_true is read as float32
    } do
      local ok, err = pcall(f)
      assert.is_false(ok, name)
      assert.truthy(tostring(err):find(REFUSED), name .. ": " .. tostring(err))
    end
    assert.error_matches(function() ember.sample(U({ 1, 1 })) end, "sample: argument 'probs' must be a float32 tensor, got uint8")
  end)
end)

describe("uint8 files", function()
  local dir = tmpdir()

  it("save as '|u1' and load back as uint8 (.npy and .npz)", function()
    local u = U({ { 0, 1, 255 }, { 7, 0, 1 } })
    ember.save(dir .. "/u.npy", u)
    local f = assert(io.open(dir .. "/u.npy", "rb"))
    local head = f:read(128)
    f:close()
    assert.truthy(head:find("'descr': '|u1'", 1, true))
    local back = ember.load(dir .. "/u.npy")
    assert.equal("uint8", back.dtype)
    assert.same(u:totable(), back:totable())
    ember.save(dir .. "/u.npz", { x = u:t(), y = ember.ones { 2 } })
    local z = ember.load(dir .. "/u.npz")
    assert.equal("uint8", z.x.dtype)
    assert.same(u:t():totable(), z.x:totable())
  end)

  it("numpy reads ours and ours reads numpy's uint8 and bool", function()
    if not PY then pending("python3 with numpy not available") return end
    ember.save(dir .. "/n.npy", U({ { 0, 1 }, { 255, 3 } }))
    ember.save(dir .. "/n.npz", { a = U({ 1, 0, 1 }) })
    local script = dir .. "/check.py"
    local f = assert(io.open(script, "w"))
    f:write(([=[
import numpy as np
a = np.load("%s/n.npy")
assert a.dtype == np.uint8 and a.tolist() == [[0, 1], [255, 3]], (a.dtype, a)
z = np.load("%s/n.npz")
assert z["a"].dtype == np.uint8 and z["a"].tolist() == [1, 0, 1]
np.save("%s/b.npy", np.array([[True, False], [False, True]]))
np.save("%s/u1.npy", np.arange(250, 256, dtype=np.uint8))
np.savez("%s/m.npz", mask=np.array([False, True]))
print("ok")
]=]):format(dir, dir, dir, dir, dir))
    f:close()
    local p = io.popen(PY .. ' "' .. script .. '" 2>&1')
    local out = p:read("a")
    p:close()
    assert.equal("ok\n", out)
    local b = ember.load(dir .. "/b.npy")
    assert.equal("uint8", b.dtype)
    assert.same({ { 1, 0 }, { 0, 1 } }, b:totable())
    assert.same({ 250, 251, 252, 253, 254, 255 }, ember.load(dir .. "/u1.npy"):totable())
    assert.same({ 0, 1 }, ember.load(dir .. "/m.npz").mask:totable())
  end)
end)

describe("uint8 one-hot data", function()
  it("to_categorical makes uint8 (and bool) one-hot rows, and takes uint8 labels", function()
    local y = ember.utils.to_categorical({ 0, 2, 1 }, 3, { dtype = "uint8" })
    assert.equal("uint8", y.dtype)
    assert.same({ { 1, 0, 0 }, { 0, 0, 1 }, { 0, 1, 0 } }, y:totable())
    assert.equal("uint8", ember.utils.to_categorical({ 1 }, 2, { dtype = "bool" }).dtype)
    local from_u8 = ember.utils.to_categorical(U({ 1, 0 }), 2)
    assert.same({ { 0, 1 }, { 1, 0 } }, from_u8:totable())
    assert.error_matches(function() ember.utils.to_categorical({ 0 }, 2, { dtype = "uint16" }) end,
      "to_categorical: option 'dtype' expected \"float32\", \"int32\", \"uint8\" or \"bool\"")
  end)

  it("Embedding takes uint8 ids; Dense, LSTM and Conv1D take uint8 input as float32", function()
    ember.seed(3)
    local e = ember.layers.Embedding(300, 2)
    local ids = U({ { 0, 255, 7 } })
    local a = e:forward(ids)
    local b = e:forward(ids:int())
    assert.same(b:totable(), a:totable())
    for _, layer in ipairs { ember.layers.Dense(2), ember.layers.LSTM(2), ember.layers.Conv1D(2, 1) } do
      ember.seed(5)
      local x = U({ { { 1, 0 }, { 0, 1 } } })
      local from_u8 = layer:forward(x):clone()
      local from_f = layer:forward(x:float()):clone()
      assert.same(from_f:totable(), from_u8:totable())
    end
  end)

  it("fit on a uint8 one-hot x and y gives bit for bit the weights fit on float32 copies gives", function()
    local function model()
      ember.seed(11)
      local m = ember.models.Sequential()
      m:add(ember.layers.LSTM(8, { input_shape = { 5, 6 } }))
      m:add(ember.layers.Dense(6, { activation = "softmax" }))
      m:compile { optimizer = "rmsprop", loss = "categorical_crossentropy", metrics = { "acc" } }
      return m
    end
    ember.seed(1)
    local ids = ember.randint(0, 5, { 40, 5 })
    local x = ember.utils.to_categorical(ids, 6, { dtype = "uint8" })
    local y = ember.utils.to_categorical(ember.randint(0, 5, { 40 }), 6, { dtype = "uint8" })
    assert.equal("uint8", x.dtype)
    local m1, m2 = model(), model()
    ember.seed(2)
    local h1 = m1:fit(x, y, { epochs = 2, batch_size = 16, verbose = 0, validation_split = 0.25 })
    ember.seed(2)
    local h2 = m2:fit(x:float(), y:float(), { epochs = 2, batch_size = 16, verbose = 0, validation_split = 0.25 })
    local w1, w2 = m1:get_weights(), m2:get_weights()
    assert.equal(#w2, #w1)
    for i = 1, #w1 do assert.same(w2[i]:totable(), w1[i]:totable()) end
    assert.same(h2.history, h1.history)
    assert.same({ m2:evaluate(x:float(), y:float(), { verbose = 0 }) }, { m1:evaluate(x, y, { verbose = 0 }) })
    assert.same(m2:predict(x:float()):totable(), m1:predict(x):totable())
    assert.equal("uint8", x.dtype)  -- the caller's data is left as it was
    local l1 = m1:train_on_batch(x, y)
    local l2 = m2:train_on_batch(x:float(), y:float())
    assert.equal(l2, l1)
  end)
end)

describe("uint8 memory", function()
  -- Peak RSS of a fresh process doing one thing (bytes).
  local function peak(body)
    local path = os.tmpname() .. ".lua"
    local f = assert(io.open(path, "w"))
    f:write("local ember = require 'ember'\n", body, "\nio.write(ember.peak_rss())\n")
    f:close()
    local p = io.popen(EMBER .. ' "' .. path .. '" 2>&1')
    local out = p:read("a")
    p:close()
    os.remove(path)
    return assert(tonumber(out), out)
  end
  local MB = 1024 * 1024

  it("a one-hot of (20000, 60, 60) takes a quarter of float32's memory as uint8 (72 MB vs 288 MB)", function()
    local labels = "ember.seed(1); local y = ember.randint(0, 59, {20000, 60})\n"
    local base = peak(labels)
    local u8 = peak(labels .. "local x = ember.utils.to_categorical(y, 60, {dtype = 'uint8'}); assert(x:sum() == 1200000)")
    local f32 = peak(labels .. "local x = ember.utils.to_categorical(y, 60); assert(x:sum() == 1200000)")
    local du8, df32 = (u8 - base) / MB, (f32 - base) / MB
    print(("one-hot (20000, 60, 60): uint8 +%.0f MB, float32 +%.0f MB over a %.0f MB baseline"):format(du8, df32, base / MB))
    assert.is_true(du8 > 60 and du8 < 100, du8)
    assert.is_true(df32 > 270, df32)
    assert.is_true(df32 / du8 > 3, df32 / du8)
  end)

  it("fit on a uint8 x converts per batch: no whole float32 copy", function()
    local data = "ember.seed(1); local x = ember.utils.to_categorical(ember.randint(0, 59, {20000, 60}), 60, {dtype = 'uint8'})\n"
      .. "local y = ember.zeros({20000, 1})\n"
    local fit = "local m = ember.models.Sequential(); m:add(ember.layers.Flatten({input_shape = {60, 60}}))\n"
      .. "m:add(ember.layers.Dense(1)); m:compile{optimizer = 'sgd', loss = 'mse'}\n"
      .. "m:fit(x, y, {epochs = 1, batch_size = 256, verbose = 0})\n"
    local base = peak(data)
    local fitted = peak(data .. fit)
    local extra = (fitted - base) / MB
    print(("fit on uint8 x (20000, 60, 60): +%.0f MB over the data's %.0f MB"):format(extra, base / MB))
    assert.is_true(extra < 100, extra)  -- a float32 copy of x alone would add 275 MB
  end)
end)
