-- Reliability regressions: inputs that fuzzing or the sanitizers found,
-- kept as specs (the fuzz inputs themselves also stay in the seed corpora
-- under specs/fuzz/corpus/, so every `make fuzz` replays them).
local ember = require "ember"
local P = ember.preprocessing

-- A fresh temp path with this suffix (os.tmpname creates the bare name: drop it).
local function temp_path(suffix)
  local base = os.tmpname()
  os.remove(base)
  return base .. suffix
end

describe("reliability regressions", function()
  -- fuzz_tokenizer: a collection holding only empty sequences had no values
  -- buffer, and em_seq_at computed NULL + 0 (undefined behaviour, flagged by
  -- clang's UBSan) in texts_to_matrix, reversed and pad_sequences.
  it("handles collections of empty sequences", function()
    local tok = P.Tokenizer { num_words = 5 }
    local s = tok:texts_to_sequences { "", "unknown words" }
    assert.equals(2, #s)
    assert.equals(0, s[1]:numel())
    local m = tok:texts_to_matrix({ "", "x" }, { mode = "count" })
    assert.same({ 2, 5 }, m.shape)
    assert.equals(0, m:sum())
    assert.equals(2, #s:reversed())
    local padded = P.pad_sequences(s, { maxlen = 3 })
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, padded:totable())
    assert.equals(0, #P.Sequences {})
  end)

  -- fuzz_npy: a shape with a zero dim ({6, 0, 2, 5000080, 1615, 200080, 1615})
  -- has no elements, so the element-count check passed, but the strides are
  -- products of the other dims and overflowed int64 (UBSan).  Such shapes are
  -- refused like any shape too large to address.
  it("refuses zero-element shapes whose strides would overflow", function()
    assert.error_matches(function() ember.load("specs/fuzz/corpus/fuzz_npy/regress-zero-dim-stride-overflow") end,
      "has more than %d+ elements")
    assert.error_matches(function() ember.zeros { 0, 2 ^ 31, 2 ^ 31, 2 ^ 31 } end, "zeros")
    assert.same({ 0, 3 }, ember.zeros { 0, 3 }.shape)
  end)

  -- fuzz_zipfs: listing an empty folder, or an empty file named .zip, called
  -- qsort(NULL, 0, ...): undefined behaviour (UBSan aborts ./ember-debug).
  it("lists empty folders and empty archives", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir .. "/empty")
    assert.same({}, ember.fs.listdir(dir .. "/empty"))
    local f = assert(io.open(dir .. "/e.zip", "wb"))
    f:write("PK\5\6" .. ("\0"):rep(18))  -- an empty zip archive
    f:close()
    assert.same({}, ember.fs.listdir(dir .. "/e.zip"))
    assert(io.open(dir .. "/z.zip", "wb")):close()  -- an empty file
    assert.same({}, ember.fs.listdir(dir .. "/z.zip"))  -- an empty file reads as an empty archive
    os.execute("rm -rf " .. dir)
  end)

  -- fuzz_zipfs: a member whose directory entry claims 4 GB from 3 compressed
  -- bytes made fs.read allocate 4 GB before finding the data short.  It is
  -- now refused up front as corrupt.
  it("refuses zip members whose size cannot come from their compressed bytes", function()
    local src = assert(io.open("specs/fuzz/corpus/fuzz_zipfs/regress-huge-declared-size", "rb"))
    local path = temp_path(".zip")
    local f = assert(io.open(path, "wb"))
    f:write(src:read("a"))
    f:close()
    src:close()
    assert.error_matches(function() ember.fs.read(path .. "/aclImdb/train/neg/1_2.txt") end,
      "fs.read: corrupt member 'aclImdb/train/neg/1_2.txt' in '.*': 4211081219 bytes cannot come from 3 compressed bytes")
    -- (its neighbour was mutated by the fuzzer too: the CRC check catches it)
    assert.error_matches(function() ember.fs.read(path .. "/aclImdb/train/pos/0_9.txt") end, "CRC error")
    os.remove(path)
    -- the same with an unsupported compression method: opened (and refused)
    -- before any buffer of the claimed size is allocated
    src = assert(io.open("specs/fuzz/corpus/fuzz_zipfs/regress-huge-size-unsupported-method", "rb"))
    f = assert(io.open(path, "wb"))
    f:write(src:read("a"))
    f:close()
    src:close()
    assert.error_matches(function() ember.fs.read(path .. "/aclImdb/train/neg/1_2.txt") end,
      "fs.read: cannot open 'aclImdb/train/neg/1_2.txt' in '.*': Compression method not supported")
    os.remove(path)
  end)

  -- ---- numerical safety ----
  local L = ember.layers
  local function diverging_model()
    local m = ember.Sequential { L.Dense(1, { input_shape = { 2 } }) }
    m:compile { optimizer = ember.optimizers.SGD { lr = 1e30 }, loss = "mse" }
    return m
  end
  local function big_targets()
    ember.seed(1)
    return ember.rand { 64, 2 }, ember.rand({ 64, 1 }):mul(1e20)
  end

  -- The weights after every batch, as strings (NaN-safe comparison).
  local function weights_str(m)
    local parts = {}
    for _, w in ipairs(m:get_weights()) do
      for _, v in ipairs(w:reshape { w:numel() }:totable()) do parts[#parts + 1] = tostring(v) end
    end
    return table.concat(parts, " ")
  end
  local function batch_probe(m, state)
    return ember.callbacks.LambdaCallback { on_batch_end = function(batch, logs)
      state.after, state.loss, state.batches = weights_str(m), logs.loss, (state.batches or 0) + 1
    end }
  end

  it("fit stops on a non-finite loss with an error naming the epoch and batch", function()
    local m = diverging_model()
    local x, y = big_targets()
    local state = {}
    local ok, err = pcall(m.fit, m, x, y, { epochs = 3, batch_size = 16, verbose = 0, callbacks = { batch_probe(m, state) } })
    assert.is_false(ok)
    assert.matches(("fit: the loss is %%-?[infa]+ at epoch 1, batch %d;"):format(state.batches + 1), err)
    assert.equals(state.after, weights_str(m))  -- the bad batch was not applied
  end)

  it("TerminateOnNaN ends fit gracefully instead, without applying the bad batch", function()
    local m = diverging_model()
    local x, y = big_targets()
    local state = {}
    local h = m:fit(x, y, { epochs = 3, batch_size = 16, verbose = 0,
      callbacks = { ember.callbacks.TerminateOnNaN(), batch_probe(m, state) } })
    assert.equals(1, #h.epoch)
    assert.is_true(state.loss ~= state.loss or state.loss == math.huge, tostring(state.loss))
    assert.equals(state.after, weights_str(m))
    assert.error_matches(function() ember.callbacks.TerminateOnNaN(5) end, "TerminateOnNaN")
  end)

  it("losses clip predictions to [1e-7, 1 - 1e-7] as Keras does", function()
    local p = ember.tensor { { 0 }, { 1 } }
    local t = ember.tensor { { 1 }, { 0 } }
    local loss = ember.losses.binary_crossentropy(t, p)
    assert.is_true(math.abs(loss - (-math.log(1e-7))) < 1e-4, tostring(loss))
    local cp = ember.tensor { { 0, 1 } }
    local ct = ember.tensor { { 1, 0 } }
    local closs = ember.losses.categorical_crossentropy(ct, cp)
    assert.is_true(math.abs(closs - (-math.log(1e-7))) < 1e-4, tostring(closs))
  end)

  it("reductions accumulate in double: sums beyond float32's range stay finite", function()
    local big = ember.full({ 1000 }, 3e37)
    assert.is_true(big:sum() > 3e39 * 0.99 and big:sum() < math.huge)
    assert.is_true(math.abs(big:mean() - 3e37) / 3e37 < 1e-6)
    local ones = ember.ones { 1e7 }
    assert.equals(1e7, ones:sum())  -- a float32 accumulator stops at 2^24
  end)

  -- ---- nothing lost: checkpoints ----
  -- A LambdaCallback placed first feeds a scripted value "score" to the
  -- callbacks after it and snapshots the weights at every epoch end.
  local function scripted(values)
    return ember.callbacks.LambdaCallback { on_epoch_end = function(epoch, logs) logs.score = values[epoch + 1] end }
  end
  local function snapshotter(model, snapshots)
    return ember.callbacks.LambdaCallback { on_epoch_end = function(epoch)
      local w = {}
      for i, t in ipairs(model:get_weights()) do w[i] = t:clone() end
      snapshots[epoch + 1] = w
    end }
  end
  local function same_weights(a, b)
    for i = 1, #a do
      if (a[i] - b[i]):abs():max() ~= 0 then return false end
    end
    return true
  end
  local function small_model()
    ember.seed(3)
    local m = ember.Sequential { L.Dense(4, { input_shape = { 3 }, activation = "relu" }), L.Dense(1) }
    m:compile { optimizer = "sgd", loss = "mse" }
    return m, ember.rand { 32, 3 }, ember.rand { 32, 1 }
  end

  it("ModelCheckpoint(save_best_only) keeps the weights of the best epoch", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
    local m, x, y = small_model()
    local snaps = {}
    local path = dir .. "/best.npz"
    m:fit(x, y, { epochs = 5, batch_size = 8, verbose = 0, callbacks = {
      snapshotter(m, snaps), scripted { 5, 4, 6, 3, 7 },
      ember.callbacks.ModelCheckpoint(path, { monitor = "score", save_best_only = true, mode = "min" }) } })
    local m2 = small_model()
    m2:load_weights(path)
    assert.is_true(same_weights(m2:get_weights(), snaps[4]))
    assert.is_false(same_weights(m2:get_weights(), snaps[5]))
    -- one file per improving epoch with a templated name
    local m3, x3, y3 = small_model()
    m3:fit(x3, y3, { epochs = 5, batch_size = 8, verbose = 0, callbacks = { scripted { 5, 4, 6, 3, 7 },
      ember.callbacks.ModelCheckpoint(dir .. "/w{epoch:02d}.npz", { monitor = "score", save_best_only = true }) } })
    local files = {}
    for name in io.popen("ls " .. dir):lines() do if name:match("^w%d%d%.npz$") then files[#files + 1] = name end end
    assert.same({ "w01.npz", "w02.npz", "w04.npz" }, files)
    os.execute("rm -rf " .. dir)
  end)

  it("EarlyStopping(patience, restore_best_weights) stops and restores the best epoch", function()
    local m, x, y = small_model()
    local snaps = {}
    local h = m:fit(x, y, { epochs = 10, batch_size = 8, verbose = 0, callbacks = {
      snapshotter(m, snaps), scripted { 5, 4, 3, 6, 7, 8, 9, 1, 1, 1 },
      ember.callbacks.EarlyStopping { monitor = "score", patience = 2, restore_best_weights = true } } })
    assert.equals(5, #h.epoch)  -- best at epoch 3, two worse epochs, stop
    assert.is_true(same_weights(m:get_weights(), snaps[3]))
    assert.is_false(same_weights(snaps[3], snaps[5]))
  end)

  -- ---- resources ----
  it("refuses a 10^12-element tensor with a clear error, before allocating", function()
    local mem = "more than this machine's [%d.]+ [KMGT]?B of physical memory"
    assert.error_matches(function() ember.zeros { 1e12 } end, "zeros: argument 'shape' {1000000000000} needs 3.6 TB, " .. mem)
    assert.error_matches(function() ember.rand { 1e6, 1e6 } end, "rand: argument 'shape' {1000000,1000000} needs")
    assert.error_matches(function() ember.full({ 1e4, 1e4, 1e4 }, 1) end, "full: argument 'shape' .* needs")
    assert.error_matches(function() ember.zeros { 2 ^ 40, 2 } end, "zeros: argument 'shape' .* has more than 1099511627776 elements")
    assert.error_matches(function() ember.zeros({ 1e12 }, { dtype = "int32" }) end, "physical memory")
  end)

  it("refuses to read a file larger than memory (a sparse 8 TB file)", function()
    local path = os.tmpname()
    assert.is_true(os.execute("truncate -s 8T " .. path))
    local mem = "needs 8.0 TB, more than this machine's [%d.]+ [KMGT]?B of physical memory"
    assert.error_matches(function() ember.load(path) end, "load: reading '.*' %(8796093022208 bytes%) " .. mem)
    assert.error_matches(function() ember.fs.read(path) end, "fs.read: reading '.*' %(8796093022208 bytes%) " .. mem)
    assert.error_matches(function() ember.io.read_csv(path) end, mem)
    assert.error_matches(function() ember.datasets.jena_climate.load { path = path } end, mem)
    os.remove(path)
  end)

  -- ---- nothing lost: figures ----
  it("a failed plot save keeps the previous figure", function()
    local path = temp_path(".png")
    ember.plot.line { y = { 1, 2, 3 }, file = path }
    local before = assert(io.open(path, "rb")):read("a")
    assert.is_true(#before > 100)
    assert.has_error(function() ember.plot.line { y = { 1, "x" }, file = path } end)
    assert.equals(before, assert(io.open(path, "rb")):read("a"))
    local dir = path:match("^(.*)/")
    for name in io.popen("ls " .. dir):lines() do
      assert.is_nil(name:find(path:match("[^/]+$") .. ".tmp", 1, true), "temp file left: " .. name)
    end
    os.remove(path)
  end)
end)
