-- save_weights / load_weights with Keras 2's HDF5 layout (.h5 / .hdf5):
-- round trips for every layer type, Keras files written by Keras 2.2's own
-- save_weights_to_hdf5_group (specs/fixtures/keras_h5_weights.py, run live
-- when python3 has h5py, else its committed output in specs/fixtures/h5/),
-- h5py reading Ember's files, by_name, and every bad input as a named error
-- with the model's weights untouched, files that crash libhdf5 included.
local L = ember.layers
local FIX = "specs/fixtures/h5/"

local PY = require("support.python").with("h5py", "numpy")

local function flat(m)
  local out = {}
  for _, w in ipairs(m:get_weights()) do
    for _, x in ipairs(w:reshape(-1):totable()) do out[#out + 1] = x end
  end
  return out
end

local function same(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

local function max_diff(a, b)
  local ta, tb = a:reshape(-1):totable(), b:reshape(-1):totable()
  assert.are.equal(#ta, #tb)
  local d = 0
  for i = 1, #ta do d = math.max(d, math.abs(ta[i] - tb[i])) end
  return d
end

local tmpdir
local function tmp(name) return tmpdir .. "/" .. name end

-- The model of specs/fixtures/keras_h5_weights.py.
local function fixture_model(names)
  local function n(s) return names and { name = s } or {} end
  local function with(opts, extra)
    for k, v in pairs(extra) do opts[k] = v end
    return opts
  end
  local m = ember.Sequential {
    L.Embedding(20, 4, with(n "embedding_1", { input_length = 6 })),
    L.Conv1D(5, 3, n "conv1d_1"),
    L.Bidirectional(L.LSTM(3, { return_sequences = true }), n "bidirectional_1"),
    L.Dropout(0.5, n "dropout_1"),
    L.GRU(4, with(n "gru_1", { return_sequences = true })),
    L.SimpleRNN(3, n "simple_rnn_1"),
    L.Dense(2, n "dense_1"),
  }
  m:build { ember.None, 6 }
  return m
end
local X = { { 1, 5, 2, 19, 0, 7 }, { 3, 3, 11, 4, 18, 9 } }

local function dense_model()
  local m = ember.Sequential { L.Dense(3, { input_shape = { 4 } }) }
  m:build { ember.None, 4 }
  return m
end

-- load must raise an error matching `pattern` and leave every weight as it was.
local function refuses(m, path, pattern, opts)
  local before = flat(m)
  local ok, err = pcall(m.load_weights, m, path, opts)
  assert.is_false(ok)
  assert.matches(pattern, err)
  assert.is_true(same(before, flat(m)), "the weights changed after a refused load")
  return err
end

setup(function()
  tmpdir = os.tmpname()
  os.remove(tmpdir)
  assert(os.execute("mkdir -p " .. tmpdir))
end)
teardown(function() os.execute("rm -rf " .. tmpdir) end)

describe("save_weights / load_weights .h5 round trip", function()
  local cases = {
    { "Dense", function() return { L.Dense(3, { input_shape = { 4 } }), L.Dense(2) } end, { ember.None, 4 } },
    { "Embedding", function() return { L.Embedding(10, 3, { input_length = 4 }), L.Flatten(), L.Dense(1) } end,
      { ember.None, 4 }, true },
    { "Conv1D", function() return { L.Conv1D(4, 3, { input_shape = { 7, 2 } }), L.GlobalMaxPooling1D() } end,
      { ember.None, 7, 2 } },
    { "LSTM", function() return { L.LSTM(3, { input_shape = { 5, 2 } }) } end, { ember.None, 5, 2 } },
    { "GRU", function() return { L.GRU(3, { input_shape = { 5, 2 } }) } end, { ember.None, 5, 2 } },
    { "GRU reset_after", function() return { L.GRU(3, { input_shape = { 5, 2 }, reset_after = true }) } end,
      { ember.None, 5, 2 } },
    { "SimpleRNN", function() return { L.SimpleRNN(3, { input_shape = { 5, 2 } }) } end, { ember.None, 5, 2 } },
    { "Bidirectional", function() return { L.Bidirectional(L.LSTM(3), { input_shape = { 5, 2 } }) } end,
      { ember.None, 5, 2 } },
  }
  for _, c in ipairs(cases) do
    it(c[1] .. " weights and predictions come back exactly", function()
      ember.seed(3)
      local a = ember.Sequential(c[2]())
      a:build(c[3])
      local path = tmp(c[1]:gsub(" ", "_") .. ".h5")
      a:save_weights(path)
      local b = ember.Sequential(c[2]())
      b:build(c[3])
      assert.is_false(same(flat(a), flat(b)))
      b:load_weights(path)
      assert.is_true(same(flat(a), flat(b)))
      local shape = {}
      for i, d in ipairs(c[3]) do shape[i] = d == ember.None and 2 or d end
      local x = c[4] and ember.randint(0, 10, shape) or ember.randn(shape)
      assert.are.equal(0, max_diff(a:predict(x), b:predict(x)))
    end)
  end

  it("accepts .hdf5 and upper-case extensions, and leaves no temp file", function()
    local a = dense_model()
    a:save_weights(tmp("w.HDF5"))
    local b = dense_model()
    b:load_weights(tmp("w.HDF5"))
    assert.is_true(same(flat(a), flat(b)))
    local p = io.popen("ls " .. tmpdir)
    local listing = p:read("a")
    p:close()
    assert.is_nil(listing:find("tmp-", 1, true))
  end)

  it("replaces an existing file atomically and keeps it when a save fails", function()
    local a = dense_model()
    local path = tmp("keep.h5")
    a:save_weights(path)
    local f = assert(io.open(path, "rb"))
    local before = f:read("a")
    f:close()
    local bad = ember.Sequential { L.Dense(2, { input_shape = { 3 }, name = "a/b" }) }
    bad:build { ember.None, 3 }
    local ok, err = pcall(bad.save_weights, bad, path)
    assert.is_false(ok)
    assert.matches("save_weights: .*'a/b' contains '/'", err)
    f = assert(io.open(path, "rb"))
    assert.are.equal(before, f:read("a"))
    f:close()
    local p = io.popen("ls " .. tmpdir)
    local listing = p:read("a")
    p:close()
    assert.is_nil(listing:find("tmp-", 1, true))
  end)

  it("refuses a bad path, naming the argument, and an unwritable folder, naming the file", function()
    local m = dense_model()
    local ok, err = pcall(m.save_weights, m, 7)
    assert.is_false(ok)
    assert.matches("save_weights: argument 'path' expected a string, got number", err)
    ok, err = pcall(m.save_weights, m, "/nonexistent_dir_ember/w.h5")
    assert.is_false(ok)
    assert.matches("save_weights: cannot create a temporary file next to '/nonexistent_dir_ember/w.h5'", err)
  end)
end)

describe("Keras 2.2 files", function()
  local function check_fixture(h5path, npy)
    local m = fixture_model()
    m:load_weights(h5path)
    local got = m:predict(ember.tensor(X))
    local want = ember.load(npy)
    assert.is_true(max_diff(got, want) < 1e-5, "predictions differ from the numpy reference")
  end

  it("loads keras_h5_weights.py's file (h5py 3 strings) and predicts as the numpy reference", function()
    check_fixture(FIX .. "keras.h5", FIX .. "keras_expected.npy")
  end)

  it("loads the same weights with numpy 'S' strings split into layer_names0, layer_names1, ...", function()
    check_fixture(FIX .. "keras_fixed_chunked.h5", FIX .. "keras_expected.npy")
  end)

  it("writes the file live from Keras 2.2's code and predicts the same", function()
    if not PY then
      pending("python3 with h5py is not installed")
      return
    end
    for _, extra in ipairs { "", " --fixed --header-limit 60" } do
      assert.is_true(os.execute(("%s specs/fixtures/keras_h5_weights.py %s %s%s"):format(
        PY, tmp("live.h5"), tmp("live.npy"), extra)))
      check_fixture(tmp("live.h5"), tmp("live.npy"))
    end
  end)

  it("reads a whole-model file (model.save) from its model_weights group", function()
    local m = dense_model()
    m:load_weights(FIX .. "model_file.h5")
    assert.are.same({ 0.5, -0.5, 0.25 }, m:get_weights()[2]:totable())
  end)

  it("flips a Conv1D kernel saved by the Theano backend, as Keras 2.2 does", function()
    local m = ember.Sequential { L.Conv1D(1, 3, { input_shape = { 5, 2 } }) }
    m:build { ember.None, 5, 2 }
    m:load_weights(FIX .. "theano_conv.h5")
    -- the file's kernel is arange(6) as {3,2,1}; flipped along the kernel axis
    assert.are.same({ 4, 5, 2, 3, 0, 1 }, m:get_weights()[1]:reshape(-1):totable())
  end)

  it("h5py reads Ember's file with Keras's names, attributes and values", function()
    if not PY then
      pending("python3 with h5py is not installed")
      return
    end
    ember.seed(11)
    local m = fixture_model(true)
    local path = tmp("ember.h5")
    m:save_weights(path)
    local ref = {}
    for _, layer in ipairs(m.layers) do
      local params, _, names = layer:params()
      for j, p in ipairs(params) do ref[("%s/%s/%d"):format(layer.name, names[j], j)] = p end
    end
    ember.save(tmp("ref.npz"), ref)
    local script = [==[
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r'); ref = np.load(sys.argv[2])
assert f.attrs['backend'] == b'tensorflow', f.attrs['backend']
assert f.attrs['keras_version'] == b'2.2.4', f.attrs['keras_version']
names = [n.decode('utf8') for n in f.attrs['layer_names']]
assert names == ['embedding_1', 'conv1d_1', 'bidirectional_1', 'dropout_1', 'gru_1', 'simple_rnn_1', 'dense_1'], names
want = {
  'embedding_1': ['embedding_1/embeddings:0'],
  'conv1d_1': ['conv1d_1/kernel:0', 'conv1d_1/bias:0'],
  'bidirectional_1': ['bidirectional_1/forward_lstm_%s/%s:0' % (sys.argv[3], w) for w in ('kernel', 'recurrent_kernel', 'bias')]
                   + ['bidirectional_1/backward_lstm_%s/%s:0' % (sys.argv[3], w) for w in ('kernel', 'recurrent_kernel', 'bias')],
  'dropout_1': [],
  'gru_1': ['gru_1/kernel:0', 'gru_1/recurrent_kernel:0', 'gru_1/bias:0'],
  'simple_rnn_1': ['simple_rnn_1/kernel:0', 'simple_rnn_1/recurrent_kernel:0', 'simple_rnn_1/bias:0'],
  'dense_1': ['dense_1/kernel:0', 'dense_1/bias:0'],
}
shapes = {'embedding_1/embeddings:0': (20, 4), 'conv1d_1/kernel:0': (3, 4, 5), 'gru_1/kernel:0': (6, 12),
          'gru_1/bias:0': (12,), 'dense_1/kernel:0': (3, 2), 'simple_rnn_1/recurrent_kernel:0': (3, 3)}
for layer in names:
    wn = [n.decode('utf8') for n in f[layer].attrs['weight_names']]
    assert wn == want[layer], (layer, wn)
    for j, n in enumerate(wn):
        v = f[layer][n]
        assert v.dtype == np.float32, (n, v.dtype)
        if n in shapes: assert v.shape == shapes[n], (n, v.shape)
        key = '%s/%s/%d' % (layer, n.split('/')[-1][:-2], j + 1)
        assert np.array_equal(v[()], ref[key]), n
print('ok')
]==]
    local sf = assert(io.open(tmp("check.py"), "w"))
    sf:write(script)
    sf:close()
    local inner = m.layers[3].forward_layer.name:match("_(%d+)$")
    local p = io.popen(("%s %s %s %s %s 2>&1"):format(PY, tmp("check.py"), path, tmp("ref.npz"), inner))
    local out = p:read("a")
    p:close()
    assert.are.equal("ok\n", out)
  end)
end)

describe("load_weights .h5 by_name", function()
  it("loads the layers the file names and leaves the others", function()
    local a = ember.Sequential { L.Dense(3, { input_shape = { 4 }, name = "shared" }), L.Dense(2, { name = "only_a" }) }
    a:build { ember.None, 4 }
    a:save_weights(tmp("byname.h5"))
    local b = ember.Sequential { L.Dense(3, { input_shape = { 4 }, name = "shared" }), L.Dense(5, { name = "only_b" }) }
    b:build { ember.None, 4 }
    local b_last = b.layers[2]:get_weights()[1]:clone()
    -- in order, the second layers' shapes differ
    refuses(b, tmp("byname.h5"), "load_weights: weight 'only_a/kernel:0' of group 'only_a' .* has shape {3,2} but only_b/kernel %(Dense%) expects {3,5}")
    b:load_weights(tmp("byname.h5"), { by_name = true })
    assert.are.equal(0, max_diff(a.layers[1]:get_weights()[1], b.layers[1]:get_weights()[1]))
    assert.are.equal(0, max_diff(b_last, b.layers[2]:get_weights()[1]))
  end)

  it("refuses a shape mismatch, or skips it with skip_mismatch", function()
    local a = ember.Sequential { L.Dense(3, { input_shape = { 4 }, name = "d" }), L.Dense(2, { name = "e" }) }
    a:build { ember.None, 4 }
    a:save_weights(tmp("mismatch.h5"))
    local b = ember.Sequential { L.Dense(3, { input_shape = { 4 }, name = "d" }), L.Dense(4, { name = "e" }) }
    b:build { ember.None, 4 }
    refuses(b, tmp("mismatch.h5"), "has shape {3,2} but e/kernel %(Dense%) expects {3,4}", { by_name = true })
    local warned = {}
    local real = io.stderr
    io.stderr = { write = function(_, ...) warned[#warned + 1] = table.concat({ ... }) end }
    local ok, err = pcall(b.load_weights, b, tmp("mismatch.h5"), { by_name = true, skip_mismatch = true })
    io.stderr = real
    assert.is_true(ok, err)
    assert.are.equal(2, #warned)
    assert.matches("^Warning: load_weights: weight 'e/kernel:0' .* expects {3,4}; skipped", warned[1])
    assert.are.equal(0, max_diff(a.layers[1]:get_weights()[1], b.layers[1]:get_weights()[1]))
  end)
end)

describe("load_weights .h5 refuses bad input, weights untouched", function()
  it("a file from another model", function()
    local m = dense_model()
    refuses(m, FIX .. "keras.h5", "load_weights: .*keras.h5 holds weights for 6 layer%(s%) but the model has 1")
    local other = ember.Sequential { L.Dense(5, { input_shape = { 4 } }) }
    other:build { ember.None, 4 }
    other:save_weights(tmp("other.h5"))
    refuses(m, tmp("other.h5"), "load_weights: weight 'dense_%d+/kernel:0' of group 'dense_%d+' in .*other.h5 has shape {4,5} but dense_%d+/kernel %(Dense%) expects {4,3}")
    local gru = ember.Sequential { L.GRU(3, { input_shape = { 5, 2 }, reset_after = true }) }
    gru:build { ember.None, 5, 2 }
    gru:save_weights(tmp("gru_after.h5"))
    local plain = ember.Sequential { L.GRU(3, { input_shape = { 5, 2 } }) }
    plain:build { ember.None, 5, 2 }
    refuses(plain, tmp("gru_after.h5"), "has shape {2,9} but .*expects {9} %(a GRU's bias is {3%*units} with reset_after = false")
  end)

  it("a missing group, a missing dataset, a wrong dtype, a Keras 1 file, a non-Keras HDF5 file", function()
    local m = dense_model()
    refuses(m, FIX .. "missing_group.h5", "load_weights: .*missing_group.h5: layer_names lists 'dense_1' but the file has no such group")
    refuses(m, FIX .. "missing_dataset.h5", "load_weights: .*missing_dataset.h5: group 'dense_1': weight_names lists 'dense_1/bias:0' but the group has no such dataset")
    refuses(m, FIX .. "wrong_dtype.h5", "load_weights: .*wrong_dtype.h5: group 'dense_1': weight 'dense_1/kernel:0' is not a float16/32/64 array")
    refuses(m, FIX .. "keras1.h5", "load_weights: .*keras1.h5 has no attribute 'keras_version': a Keras 1 file")
    refuses(m, FIX .. "not_keras.h5", "load_weights: .*not_keras.h5: not a Keras weights file")
  end)

  it("storage beyond what Keras writes: compressed datasets, external links", function()
    local m = dense_model()
    refuses(m, FIX .. "gzip.h5", "load_weights: .*gzip.h5: group 'dense_1': weight 'dense_1/kernel:0' is stored chunked, filtered")
    refuses(m, FIX .. "external_link.h5", "load_weights: .*external_link.h5: group 'dense_1': weight 'dense_1/kernel:0' is an external link to another file")
  end)

  it("a truncated file, a file that is not HDF5, a missing file", function()
    local m = dense_model()
    local src = dense_model()
    src:save_weights(tmp("full.h5"))
    local f = assert(io.open(tmp("full.h5"), "rb"))
    local bytes = f:read("a")
    f:close()
    for _, cut in ipairs { 100, #bytes // 2, #bytes - 200 } do
      local out = assert(io.open(tmp("cut.h5"), "wb"))
      out:write(bytes:sub(1, cut))
      out:close()
      refuses(m, tmp("cut.h5"), "^load_weights: .*cut.h5")
    end
    local out = assert(io.open(tmp("text.h5"), "wb"))
    out:write("these are not weights\n")
    out:close()
    refuses(m, tmp("text.h5"), "load_weights: .*text.h5: not an HDF5 file")
    refuses(m, tmp("nothing_here.h5"), "load_weights: cannot open '.*nothing_here.h5'")
  end)

  it("bad arguments and options", function()
    local m = dense_model()
    refuses(m, 42, "load_weights: argument 'path' expected a string, got number")
    refuses(m, FIX .. "dense.h5", "load_weights: expected an options table, got string", "yes")
    refuses(m, FIX .. "dense.h5", "load_weights: unknown option 'byname' %(valid: by_name, skip_mismatch%)", { byname = true })
    refuses(m, FIX .. "dense.h5", "load_weights: option 'by_name' expected a boolean, got number", { by_name = 1 })
    refuses(m, FIX .. "dense.h5", "load_weights: option 'skip_mismatch' can only be true when by_name is true", { skip_mismatch = true })
    refuses(m, tmp("w.npz"), "load_weights: argument 'opts' applies to .h5/.hdf5 files", { by_name = true })
  end)

  -- libhdf5 parses in a child process (engine/io/h5_isolated.c): files
  -- found by specs/fuzz/libhdf5_fuzz_h5.c on which Debian's libhdf5 1.10.8
  -- segfaults, overflows a heap buffer or memcpys overlapping buffers.
  it("files that crash libhdf5 itself: an error, and Ember goes on", function()
    local m = dense_model()
    for _, name in ipairs { "hostile_segv_vlen.h5", "hostile_overflow_attr.h5", "hostile_overlap_vlen.h5" } do
      refuses(m, FIX .. name, "^load_weights: .*" .. name:gsub("%.", "%%.") .. ": ")
    end
    m:load_weights(FIX .. "dense.h5")
    assert.are.same({ 0.5, -0.5, 0.25 }, m:get_weights()[2]:totable())
  end)

  -- HDF5 keeps no checksum of the raw data in the files h5py and Keras
  -- write, so a flipped byte inside a weight loads as a wrong value; every
  -- load is still all or nothing.
  it("never half-loads 150 mutants of a weights file (bytes flipped, the file cut short)", function()
    ember.seed(5)
    local function model()
      local m = ember.Sequential { L.Embedding(20, 4, { input_length = 5 }), L.LSTM(3), L.Dense(1) }
      m:build { ember.None, 5 }
      return m
    end
    local src = model()
    src:save_weights(tmp("mut_src.h5"))
    local f = assert(io.open(tmp("mut_src.h5"), "rb"))
    local bytes = f:read("a")
    f:close()
    local m = model()
    local before = flat(m)
    local state = 7
    local function rand(n)
      state = (state * 1103515245 + 12345) % 2147483648
      return state % n + 1
    end
    local loaded, refused = 0, 0
    for _ = 1, 150 do
      local b = bytes
      if rand(2) == 1 then
        for _ = 1, rand(4) do
          local at = rand(#b)
          b = b:sub(1, at - 1) .. string.char(rand(256) - 1) .. b:sub(at + 1)
        end
      else
        b = b:sub(1, rand(#b))
      end
      local out = assert(io.open(tmp("mut.h5"), "wb"))
      out:write(b)
      out:close()
      local ok, err = pcall(m.load_weights, m, tmp("mut.h5"))
      local now = flat(m)
      if ok then
        loaded = loaded + 1
        before = now
      else
        refused = refused + 1
        assert.matches("^load_weights: ", err)
        assert.is_true(same(before, now), "a refused load changed the weights")
      end
    end
    assert.is_true(loaded > 0 and refused > 0, ("loaded %d, refused %d"):format(loaded, refused))
  end)

  it("refuses the file cut at every 97th byte, never half-loading", function()
    ember.seed(5)
    local function model()
      local m = ember.Sequential { L.Embedding(20, 4, { input_length = 5 }), L.LSTM(3), L.Dense(1) }
      m:build { ember.None, 5 }
      return m
    end
    model():save_weights(tmp("cut_src.h5"))
    local f = assert(io.open(tmp("cut_src.h5"), "rb"))
    local bytes = f:read("a")
    f:close()
    local m = model()
    local before = flat(m)
    local refused = 0
    for cut = 0, #bytes - 1, 97 do
      local out = assert(io.open(tmp("cut.h5"), "wb"))
      out:write(bytes:sub(1, cut))
      out:close()
      local ok, err = pcall(m.load_weights, m, tmp("cut.h5"))
      assert.is_false(ok, "a file cut at byte " .. cut .. " loaded")
      assert.matches("^load_weights: ", err)
      refused = refused + 1
    end
    assert.is_true(same(before, flat(m)))
    assert.is_true(refused > 100)
  end)
end)
