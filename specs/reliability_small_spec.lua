-- Reliability, round two (issue 14), class 11: smaller silent mistakes, each
-- now an error naming the call and the option (before: fit_generator's
-- errors said "fit:", shuffle = "no" shuffled, an empty validation_data
-- reported val_loss 0).
local L = ember.layers

local function model()
  ember.seed(1)
  local m = ember.Sequential { L.Dense(1, { input_dim = 3 }) }
  m:compile { optimizer = "sgd", loss = "mse" }
  return m
end

describe("smaller mistakes", function()
  it("fit_generator's batch errors name fit_generator", function()
    local m = model()
    local function gen() return ember.randn { 4, 5 }, ember.randn { 4 } end
    local ok, err = pcall(m.fit_generator, m, gen, { steps_per_epoch = 1, verbose = 0 })
    assert.is_false(ok)
    assert.matches("^fit_generator: argument 'x': dense_%d+ %(Dense%): expected input of shape", err)
  end)

  it("refuses a shuffle option that is not a boolean", function()
    local m = model()
    for _, bad in ipairs { "no", 0, {} } do
      local ok, err = pcall(m.fit, m, ember.randn { 8, 3 }, ember.randn { 8 }, { shuffle = bad, verbose = 0 })
      assert.is_false(ok)
      assert.matches("fit: option 'shuffle' expected true or false", err)
    end
    assert.is_truthy(m:fit(ember.randn { 8, 3 }, ember.randn { 8 }, { shuffle = false, verbose = 0 }).history)
  end)

  it("refuses an empty validation_data instead of reporting val_loss 0", function()
    local m = model()
    local ok, err = pcall(m.fit, m, ember.randn { 8, 3 }, ember.randn { 8 },
      { validation_data = { ember.zeros { 0, 3 }, ember.zeros { 0 } }, verbose = 0 })
    assert.is_false(ok)
    assert.matches("fit: option 'validation_data' holds no samples", err)
  end)
end)

-- A NUL byte inside a path: C would cut the path there and silently use
-- another file (before: ember.save("a\0b.npy") wrote "a").
describe("paths with a NUL byte", function()
  it("are refused by every call that takes a path, naming it", function()
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
    finally(function() os.execute("rm -rf " .. dir) end)
    local p = dir .. "/a\0b"
    local m = ember.Sequential { L.Dense(1, { input_dim = 2 }) }
    for name, f in pairs {
      save = function() ember.save(p .. ".npy", ember.zeros { 2 }) end,
      load = function() ember.load(p) end,
      ["fs.read"] = function() ember.fs.read(p) end,
      ["fs.exists"] = function() ember.fs.exists(p) end,
      read_csv = function() ember.io.read_csv(p) end,
      save_weights = function() m:save_weights(p .. ".npz") end,
      load_weights = function() m:load_weights(p .. ".npz") end,
    } do
      local ok, err = pcall(f)
      assert.is_false(ok, name)
      assert.matches("argument 'path' contains a NUL byte", err, 1, false, name)
    end
    assert.is_nil(io.open(dir .. "/a", "r"))  -- nothing written under the cut name
  end)
end)

-- CSV files as other programs write them (before: CR-only line endings read
-- as one line of garbage without an error, a UTF-8 BOM stayed in the first
-- column's name).
describe("CSV line endings and byte-order marks", function()
  local function write(bytes)
    local p = os.tmpname() .. ".csv"
    local f = assert(io.open(p, "wb"))
    f:write(bytes)
    f:close()
    return p
  end

  it("reads old Mac (CR-only) line endings as lines", function()
    local p = write("a,b\r1,2\r3,4\r")
    finally(function() os.remove(p) end)
    local header, data = ember.io.read_csv(p)
    assert.same({ "a", "b" }, header)
    assert.same({ { 1, 2 }, { 3, 4 } }, data:totable())
  end)

  it("drops a UTF-8 byte-order mark from the first column's name", function()
    local p = write("\239\187\191a,b\n1,2\n")
    finally(function() os.remove(p) end)
    local header, data = ember.io.read_csv(p)
    assert.same({ "a", "b" }, header)
    assert.same({ { 1, 2 } }, data:totable())
  end)
end)

-- Compiling again with the same optimizer object after freezing a layer
-- (before: "got 2 parameters but this optimizer's state was made for 3 (use
-- a fresh optimizer for another model)"): as Keras, the accumulators belong
-- to the compile, the iteration count to the optimizer.
describe("recompiling with the same optimizer", function()
  it("gives the optimizer fresh accumulators and keeps its iteration count", function()
    ember.seed(4)
    local opt = ember.optimizers.Adam { lr = 0.01 }
    local m = ember.Sequential { L.Dense(4, { input_dim = 3 }), L.Dense(1) }
    m:compile { optimizer = opt, loss = "mse" }
    local x, y = ember.randn { 16, 3 }, ember.randn { 16 }
    m:fit(x, y, { epochs = 1, batch_size = 8, verbose = 0 })
    assert.equal(2, opt:iterations())
    m.layers[1].trainable = false
    m:compile { optimizer = opt, loss = "mse" }
    local frozen = m.layers[1]:get_weights()[1]:clone()
    m:fit(x, y, { epochs = 1, batch_size = 8, verbose = 0 })
    assert.equal(4, opt:iterations())
    assert.equal(0, (m.layers[1]:get_weights()[1] - frozen):abs():max())
  end)
end)

-- Tokenizer fields set after fit_on_texts (before: silently ignored).
describe("Tokenizer fields set after fitting", function()
  it("honours num_words, as Keras, and refuses to replace the vocabulary tables", function()
    local t = ember.preprocessing.Tokenizer()
    t:fit_on_texts { "a b c a", "b a" }
    assert.is_nil(t.num_words)
    assert.equal(3, #t:texts_to_sequences({ "a b c" }):totable()[1])
    t.num_words = 3  -- keeps indices 1 and 2 (a, b)
    assert.equal(3, t.num_words)
    assert.same({ { 1, 2 } }, t:texts_to_sequences({ "a b c" }):totable())
    for _, field in ipairs { "word_index", "word_counts", "index_word" } do
      local ok, err = pcall(function() t[field] = {} end)
      assert.is_false(ok)
      assert.matches("Tokenizer: '" .. field .. "' is built by fit_on_texts and cannot be replaced", err)
    end
    assert.is_false(pcall(function() t.num_words = 0 end))
    t.num_words = nil
    assert.equal(3, #t:texts_to_sequences({ "a b c" }):totable()[1])
  end)
end)
