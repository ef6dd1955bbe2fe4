-- ember.save / ember.load: .npy and .npz round trips, files written by
-- numpy (live when python3 has numpy, else the committed fixtures made by
-- specs/fixtures/npy/make_fixtures.py), numpy reading ours, atomic writes,
-- and every malformed input as a named error.
local T = ember.tensor
local function I(t) return ember.tensor(t, { dtype = "int32" }) end

local PY = require("support.python").with("numpy")

local function write(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end
local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local function exists(path) local f = io.open(path, "rb"); if f then f:close() end return f ~= nil end
local function listdir(dir)
  local names, p = {}, io.popen('ls -A "' .. dir .. '"')
  for n in p:lines() do names[#names + 1] = n end
  p:close()
  table.sort(names)
  return names
end

-- A .npy image from a header dict text and raw data bytes (version 1.0).
local function npy(header, data)
  local h = header .. "\n"
  return "\x93NUMPY\1\0" .. string.pack("<I2", #h) .. h .. (data or "")
end

local dir
setup(function()
  dir = os.tmpname()
  os.remove(dir)
  assert(os.execute('mkdir -p "' .. dir .. '"'))
end)
teardown(function() os.execute('rm -rf "' .. dir .. '"') end)

describe(".npy round trips", function()
  it("keeps values, shape and dtype of float32 and int32 tensors", function()
    local cases = {
      T { { 1.5, -2, 3 }, { 4, 5, 1e-7 } },
      I { { 1, -2147483648 }, { 2147483647, 0 } },
      T(3.25),
      ember.zeros { 0, 4 },
      ember.randn { 2, 3, 4, 5 },
    }
    for i, t in ipairs(cases) do
      local path = dir .. "/rt" .. i .. ".npy"
      ember.save(path, t)
      local back = ember.load(path)
      assert.equal(t.dtype, back.dtype)
      assert.same(t.shape, back.shape)
      assert.same(t:totable(), back:totable())
    end
  end)

  it("writes strided views in logical order", function()
    local a = ember.arange(1, 6):reshape { 2, 3 }
    ember.save(dir .. "/t.npy", a:t())
    assert.same({ { 1, 4 }, { 2, 5 }, { 3, 6 } }, ember.load(dir .. "/t.npy"):totable())
    ember.save(dir .. "/n.npy", a:narrow(2, 2, 2))
    assert.same({ { 2, 3 }, { 5, 6 } }, ember.load(dir .. "/n.npy"):totable())
  end)

  it("writes numpy's exact header", function()
    ember.save(dir .. "/h.npy", ember.zeros { 2, 3 })
    local s = read(dir .. "/h.npy")
    assert.equal(128 + 24, #s)
    assert.equal("\x93NUMPY\1\0", s:sub(1, 8))
    assert.equal("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", s:sub(11, 69))
    assert.equal("\n", s:sub(128, 128))
    ember.save(dir .. "/h1.npy", I { 1, 2 })
    assert.truthy(read(dir .. "/h1.npy"):find("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 1, true))
  end)

  it("saves atomically: no temp file left, a failed save leaves the old file", function()
    local path = dir .. "/atomic/x.npy"
    os.execute('mkdir -p "' .. dir .. '/atomic"')
    ember.save(path, T { 1, 2 })
    ember.save(path, T { 3, 4, 5 })
    assert.same({ "x.npy" }, listdir(dir .. "/atomic"))
    assert.has_error(function() ember.save(dir .. "/atomic", T { 1 }) end)
    assert.has_error(function() ember.save(path, { w = "not a tensor" }) end,
      "save: entry 'w' expected a tensor, got string")
    assert.same({ 3, 4, 5 }, ember.load(path):totable())
    assert.same({ "x.npy" }, listdir(dir .. "/atomic"))
    assert.error_matches(function() ember.save(dir .. "/no/such/dir/x.npy", T { 1 }) end,
      "save: cannot create a temporary file next to '.*/no/such/dir/x.npy': No such file or directory")
  end)
end)

describe(".npz round trips", function()
  it("saves a table of named tensors and loads it back", function()
    local path = dir .. "/w.npz"
    local k, b = ember.randn { 3, 2 }, I { 7, 8 }
    ember.save(path, { kernel = k, bias = b })
    local w = ember.load(path)
    assert.same({ "bias", "kernel" }, (function() local n = {} for key in pairs(w) do n[#n + 1] = key end table.sort(n) return n end)())
    assert.same(k:totable(), w.kernel:totable())
    assert.equal("int32", w.bias.dtype)
    assert.same({ 7, 8 }, w.bias:totable())
  end)

  it("names list entries arr_0, arr_1 as numpy.savez does, and handles an empty table", function()
    ember.save(dir .. "/p.npz", { T { 1 }, T { 2, 3 } })
    local w = ember.load(dir .. "/p.npz")
    assert.same({ 1 }, w.arr_0:totable())
    assert.same({ 2, 3 }, w.arr_1:totable())
    ember.save(dir .. "/e.npz", {})
    assert.same({}, ember.load(dir .. "/e.npz"))
  end)

  it("is byte-for-byte reproducible", function()
    local t = { b = T { 1 }, a = T { 2 } }
    ember.save(dir .. "/r1.npz", t)
    ember.save(dir .. "/r2.npz", t)
    assert.equal(read(dir .. "/r1.npz"), read(dir .. "/r2.npz"))
  end)

  it("rejects bad tables", function()
    assert.has_error(function() ember.save(dir .. "/bad.npz", { [true] = T { 1 } }) end,
      "save: table keys must be names (strings) or list positions, got boolean")
    assert.has_error(function() ember.save(dir .. "/bad.npz", { T { 1 }, arr_0 = T { 2 } }) end,
      "save: two tensors are named 'arr_0'")
    assert.has_error(function() ember.save(dir .. "/bad.npz", { [""] = T { 1 } }) end,
      "save: tensor names must be non-empty strings without NUL bytes")
    assert.is_false(exists(dir .. "/bad.npz"))
  end)
end)

describe("files written by numpy", function()
  local src
  setup(function()
    if PY then
      src = dir .. "/numpy"
      os.execute('mkdir -p "' .. src .. '"')
      assert(os.execute(PY .. ' specs/fixtures/npy/make_fixtures.py "' .. src .. '"'))
    else
      src = "specs/fixtures/npy"
    end
  end)

  it("load with the right dtype, shape and values", function()
    local f4 = ember.load(src .. "/f4.npy")
    assert.equal("float32", f4.dtype)
    assert.same({ { 0, 0.25, 0.5 }, { 0.75, 1, 1.25 } }, f4:totable())
    local f8 = ember.load(src .. "/f8.npy")
    assert.equal("float32", f8.dtype)
    assert.same({ 3, 4 }, f8.shape)
    assert.equal(11.5, f8:get(3, 4))
    assert.same({ -3, 0, 7 }, ember.load(src .. "/i4.npy"):totable())
    local i8 = ember.load(src .. "/i8.npy")
    assert.equal("int32", i8.dtype)
    assert.same({ -2, -1, 0, 1, 2 }, i8:totable())
    assert.same({ 1, 0, 1 }, ember.load(src .. "/b1.npy"):totable())
    assert.same({ 0, 255, 7 }, ember.load(src .. "/u1.npy"):totable())
    assert.same({ 0, 1, 2, 3 }, ember.load(src .. "/bigendian.npy"):totable())
    assert.equal(2.5, ember.load(src .. "/scalar.npy"):item())
    assert.same({ 0, 3 }, ember.load(src .. "/empty.npy").shape)
    assert.same({ { 0, 1, 2 }, { 3, 4, 5 } }, ember.load(src .. "/v2.npy"):totable())
  end)

  it("transpose Fortran-ordered data into the right layout", function()
    local f = ember.load(src .. "/fortran.npy")
    assert.same({ 2, 3, 4 }, f.shape)
    assert.same(ember.arange(0, 23):float():reshape { 2, 3, 4 }:totable(), f:totable())
  end)

  it("load stored and deflated .npz archives", function()
    local s = ember.load(src .. "/stored.npz")
    assert.same({ { 1, 1 }, { 1, 1 } }, s.kernel:totable())
    assert.same({ 0, 1, 2 }, s.bias:totable())
    local d = ember.load(src .. "/deflated.npz")
    assert.same({ { 3, 3 }, { 3, 3 } }, d.kernel:totable())
    assert.equal("int32", d.ids.dtype)
    local p = ember.load(src .. "/positional.npz")
    assert.same({ 1, 2 }, p.arr_0:totable())
    assert.same({ 3 }, p.arr_1:totable())
  end)

  it("refuse what does not fit, naming the file", function()
    assert.error_matches(function() ember.load(src .. "/too_big.npy") end,
      "load: .*too_big.npy: value 1099511627776 at position 1 does not fit in int32")
    assert.error_matches(function() ember.load(src .. "/structured.npy") end,
      "load: .*structured.npy: unsupported dtype %(structured arrays are not supported%)")
    assert.error_matches(function() ember.load(src .. "/complex.npy") end,
      "load: .*complex.npy: unsupported dtype '<c8'")
  end)
end)

describe("numpy reading files written by ember", function()
  it("gets the same values", function()
    if not PY then
      pending("python3 with numpy is not installed")
      return
    end
    ember.save(dir .. "/e_f.npy", T { { 1.5, 2 }, { 3, 4 } })
    ember.save(dir .. "/e_i.npy", I { 1, 2, 3 })
    ember.save(dir .. "/e_z.npz", { kernel = T { { 1, 2 } }, ids = I { 5 } })
    local script = table.concat({
      "import numpy as np, sys",
      "d = sys.argv[1]",
      "f = np.load(d + '/e_f.npy'); assert f.dtype == np.float32 and f.tolist() == [[1.5, 2], [3, 4]], f",
      "i = np.load(d + '/e_i.npy'); assert i.dtype == np.int32 and i.tolist() == [1, 2, 3], i",
      "z = np.load(d + '/e_z.npz'); assert sorted(z.files) == ['ids', 'kernel'], z.files",
      "assert z['kernel'].tolist() == [[1, 2]] and z['ids'].tolist() == [5]",
    }, "\n")
    write(dir .. "/check.py", script)
    assert.is_true(os.execute(PY .. ' "' .. dir .. '/check.py" "' .. dir .. '"') == true)
  end)
end)

describe("malformed files", function()
  local function bad(name, bytes, pattern)
    local path = dir .. "/" .. name
    write(path, bytes)
    assert.error_matches(function() ember.load(path) end, "load: .*" .. name .. ": .*" .. pattern)
  end
  local good_header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"

  it("reports a missing file and bad argument types", function()
    assert.error_matches(function() ember.load(dir .. "/missing.npy") end,
      "load: cannot open '.*/missing.npy': No such file or directory")
    assert.error_matches(function() ember.load(dir) end, "load: cannot read '")
    assert.has_error(function() ember.load("/dev/null") end, "load: '/dev/null' is not a regular file")
    assert.has_error(function() ember.load(42) end, "load: argument 'path' expected a string, got 42")
    assert.has_error(function() ember.save(nil, T { 1 }) end, "save: argument 'path' expected a string, got nil")
    assert.has_error(function() ember.save(dir .. "/x.npy", 5) end,
      "save: argument 'data' expected a tensor or a table of named tensors, got 5")
  end)

  it("reports bad magic, versions and truncation", function()
    bad("text.npy", "hello world, not numpy", "not a .npy file %(bad magic%)")
    bad("short.npy", "\x93NUM", "not a .npy file %(bad magic, or truncated%)")
    bad("empty.npy", "", "not a .npy file")
    bad("v9.npy", "\x93NUMPY\9\0\10\0{}        \n", "unsupported .npy format version 9.0")
    bad("hdr_trunc.npy", npy(good_header, string.pack("<ff", 1, 2)):sub(1, 40), "truncated .npy header")
    bad("data_trunc.npy", npy(good_header, string.pack("<f", 1)),
      "4 bytes of data, but shape {2} of 4%-byte elements needs 8")
    bad("data_long.npy", npy(good_header, string.pack("<fff", 1, 2, 3)), "12 bytes of data")
  end)

  it("reports a bad header dict", function()
    local d = string.pack("<ff", 1, 2)
    bad("h1.npy", npy("not a dict", d), "malformed .npy header %(expected a dict%)")
    bad("h2.npy", npy("{'descr': '<f4', 'shape': (2,), }", d), "malformed .npy header %('descr', 'fortran_order' and 'shape' are required%)")
    bad("h3.npy", npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", d), "fortran_order must be True or False")
    bad("h4.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", d), "a 1%-tuple needs a trailing comma")
    bad("h5.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", d), "shape entries must be non%-negative integers")
    bad("h6.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", d), "unknown or repeated key")
    bad("h7.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) } trailing", d), "text after the dict")
    bad("h8.npy", npy("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", d), "unsupported dtype '<f4, '")
    bad("h8b.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2", d), "malformed .npy header %(expected ',' or '%)' in shape%)")
    bad("h9.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", d), "shape entry too large")
    bad("h10.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,), }", d), "more than 8 dimensions")
    bad("h11.npy", npy("{'descr': 'float', 'fortran_order': False, 'shape': (2,), }", d), "unsupported dtype 'float'")
    bad("h12.npy", npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", d), "unsupported dtype '<f2'")
  end)

  it("reports archives that are not zips or hold bad members", function()
    bad("notzip.npz", "PK\3\4 and then garbage that is no zip at all", "not a readable .npz archive")
    if PY then
      local script = "import zipfile, sys\nz = zipfile.ZipFile(sys.argv[1], 'w')\nz.writestr('readme.txt', 'hi')\nz.writestr('x.npy', b'junk')\nz.close()\n"
      write(dir .. "/mk.py", script)
      assert(os.execute(PY .. ' "' .. dir .. '/mk.py" "' .. dir .. '/members.npz"'))
      assert.error_matches(function() ember.load(dir .. "/members.npz") end,
        "load: .*members.npz member 'readme.txt': not a .npy member")
    end
    -- a real archive whose member is cut short
    ember.save(dir .. "/cut.npz", { a = ember.zeros { 100 } })
    local s = read(dir .. "/cut.npz")
    write(dir .. "/cut.npz", s:sub(1, 300))
    assert.error_matches(function() ember.load(dir .. "/cut.npz") end, "load: .*cut.npz")
  end)
end)
