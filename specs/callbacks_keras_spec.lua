-- Keras 2.2.4's ReduceLROnPlateau, CSVLogger and LearningRateScheduler, and
-- Sequential:predict_generator.
local C = ember.callbacks

local function tmpfile()
  local p = os.tmpname()
  os.remove(p)
  return p
end

local function read_all(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- A small regression model and data (seeded).
local function small_model(lr)
  ember.seed(7)
  local m = ember.Sequential { ember.layers.Dense(4, { input_shape = { 3 }, activation = "relu" }), ember.layers.Dense(1) }
  m:compile { optimizer = ember.optimizers.SGD { lr = lr or 0.01 }, loss = "mse", metrics = { "mae" } }
  local x = ember.rand { 32, 3 }
  local y = x:sum(2, { keepdims = true })
  return m, x, y
end

-- A stub model: callbacks only read model.optimizer.lr and model.metrics.
local function stub(lr) return { optimizer = { lr = lr }, metrics = {} } end

describe("ReduceLROnPlateau", function()
  it("lowers lr after patience epochs, waits cooldown, stops at min_lr (Keras 2.2.4's sequence)", function()
    local cb = C.ReduceLROnPlateau { monitor = "val_loss", factor = 0.5, patience = 2, cooldown = 1, min_lr = 0.01,
      min_delta = 0 }
    local model = stub(0.1)
    cb:set_model(model)
    cb:on_train_begin({})
    local got = {}
    for epoch, v in ipairs { 1, 1, 1, 1, 1, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6 } do
      local logs = { val_loss = v }
      cb:on_epoch_end(epoch - 1, logs)
      got[epoch] = model.optimizer.lr
    end
    -- computed with Keras 2.2.4's on_epoch_end logic (cooldown, wait, min_lr)
    local want = { 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.01, 0.01, 0.01 }
    for i = 1, #want do assert.near(want[i], got[i], 1e-12, "epoch " .. i) end
  end)

  it("mode max (auto for acc) with min_delta; epsilon is min_delta's old name", function()
    for _, opts in ipairs { { monitor = "val_acc", factor = 0.1, patience = 1, min_delta = 0.05 },
      { monitor = "val_acc", factor = 0.1, patience = 1, epsilon = 0.05, mode = "max" } } do
      local cb = C.ReduceLROnPlateau(opts)
      local model = stub(1.0)
      cb:set_model(model)
      cb:on_train_begin({})
      local got = {}
      for i, v in ipairs { 0.5, 0.54, 0.56, 0.6, 0.66 } do
        cb:on_epoch_end(i - 1, { val_acc = v })
        got[i] = model.optimizer.lr
      end
      local want = { 1.0, 0.1, 0.1, 0.01, 0.01 }
      for i = 1, #want do assert.near(want[i], got[i], 1e-12) end
    end
  end)

  it("in fit: logs lr into History, prints Keras's line, the optimizer trains with the new rate", function()
    local m, x, y = small_model(0.01)
    local cb = C.ReduceLROnPlateau { monitor = "loss", factor = 0.5, patience = 0, min_delta = 1e9, verbose = 1 }
    local lines = {}
    local real_print = print
    _G.print = function(...) lines[#lines + 1] = table.concat({ ... }, "\t") end
    local ok, h = pcall(m.fit, m, x, y, { epochs = 3, verbose = 0, callbacks = { cb } })
    _G.print = real_print
    assert.is_true(ok, tostring(h))
    -- epoch 1 beats the initial +inf; after that a min_delta nothing can beat and patience 0
    -- halve lr every epoch; the logs carry the lr the epoch trained with
    assert.same({ 0.01, 0.01, 0.005 }, h.history.lr)
    assert.near(0.0025, m.optimizer.lr, 1e-15)
    assert.truthy(table.concat(lines, "\n"):find("Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.005.", 1, true))
  end)

  it("warns and leaves lr alone when the monitored value is missing", function()
    local cb = C.ReduceLROnPlateau { patience = 0 }
    local model = stub(0.5)
    cb:set_model(model)
    cb:on_train_begin({})
    local real = io.stderr
    local captured = {}
    io.stderr = { write = function(_, s) captured[#captured + 1] = s end }
    cb:on_epoch_end(0, { loss = 1 })
    io.stderr = real
    assert.equal(0.5, model.optimizer.lr)
    assert.truthy(table.concat(captured):find("'val_loss' which is not available", 1, true))
  end)

  describe("bad arguments", function()
    local cases = {
      { function() C.ReduceLROnPlateau { factor = 1.0 } end, "ReduceLROnPlateau: option 'factor' must be in %[0, 1%)" },
      { function() C.ReduceLROnPlateau { factor = "x" } end, "ReduceLROnPlateau: option 'factor' expected a number" },
      { function() C.ReduceLROnPlateau { patience = -1 } end, "ReduceLROnPlateau: option 'patience' expected an integer >= 0" },
      { function() C.ReduceLROnPlateau { cooldown = 1.5 } end, "ReduceLROnPlateau: option 'cooldown' expected an integer >= 0" },
      { function() C.ReduceLROnPlateau { min_lr = -1 } end, "ReduceLROnPlateau: option 'min_lr' expected a finite number >= 0" },
      { function() C.ReduceLROnPlateau { mode = "up" } end, "ReduceLROnPlateau: option 'mode' must be one of" },
      { function() C.ReduceLROnPlateau { min_delta = 0.1, epsilon = 0.1 } end, "ReduceLROnPlateau: options 'min_delta' and 'epsilon'" },
      { function() C.ReduceLROnPlateau { patiense = 3 } end, "ReduceLROnPlateau: unknown option 'patiense'.*did you mean 'patience'" },
      { function() C.ReduceLROnPlateau(3) end, "ReduceLROnPlateau: expected an options table, got number" },
    }
    for i, c in ipairs(cases) do
      it("case " .. i .. ": " .. c[2], function() assert.error_matches(c[1], c[2]) end)
    end
    it("a model without an optimizer is named", function()
      local cb = C.ReduceLROnPlateau()
      cb:set_model({})
      assert.error_matches(function() cb:on_epoch_end(0, { val_loss = 1 }) end,
        "ReduceLROnPlateau: the model has no optimizer")
    end)
  end)
end)

describe("CSVLogger", function()
  it("writes epoch first then the sorted keys, Keras's names only, rows ending in CRLF", function()
    local path = tmpfile()
    local m, x, y = small_model()
    local h = m:fit(x, y, { epochs = 3, verbose = 0, validation_split = 0.25, callbacks = { C.CSVLogger(path) } })
    local text = read_all(path)
    local lines = {}
    for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    assert.equal(4, #lines)
    for _, l in ipairs(lines) do assert.equal("\r", l:sub(-1)) end
    assert.equal("epoch,loss,mean_absolute_error,val_loss,val_mean_absolute_error\r", lines[1])
    for e = 0, 2 do
      local fields = {}
      for f in lines[e + 2]:gsub("\r$", ""):gmatch("[^,]+") do fields[#fields + 1] = f end
      assert.equal(tostring(e), fields[1])
      -- each value reads back exactly (Python's repr: shortest round-trip digits)
      assert.equal(h.history.loss[e + 1], tonumber(fields[2]))
      assert.equal(h.history.mean_absolute_error[e + 1], tonumber(fields[3]))
      assert.equal(h.history.val_loss[e + 1], tonumber(fields[4]))
    end
    os.remove(path)
  end)

  it("append = true adds rows without a second header; separator is honoured", function()
    local path = tmpfile()
    local m, x, y = small_model()
    m:fit(x, y, { epochs = 1, verbose = 0, callbacks = { C.CSVLogger(path, { separator = ";", append = true }) } })
    m:fit(x, y, { epochs = 2, verbose = 0, callbacks = { C.CSVLogger { filename = path, separator = ";", append = true } } })
    local text = read_all(path)
    local _, headers = text:gsub("epoch;loss;mean_absolute_error\r\n", "")
    assert.equal(1, headers)
    local _, rows = text:gsub("\r\n", "")
    assert.equal(4, rows)
    assert.truthy(text:find("\r\n0;[^\r]+\r\n1;[^\r]+\r\n$"))
    -- append = false (the default) starts the file again
    m:fit(x, y, { epochs = 1, verbose = 0, callbacks = { C.CSVLogger(path) } })
    local _, rows2 = read_all(path):gsub("\r\n", "")
    assert.equal(2, rows2)
    os.remove(path)
  end)

  it("each row is on disk when the epoch ends (flushed), and keys missing after a stop read NA", function()
    local path = tmpfile()
    local cb = C.CSVLogger(path)
    cb:set_model({ metrics = {} })
    cb:on_train_begin({})
    cb:on_epoch_end(0, { loss = 0.5, val_loss = 0.25 })
    assert.equal("epoch,loss,val_loss\r\n0,0.5,0.25\r\n", read_all(path))
    cb:on_epoch_end(1, { loss = 1e-05 })
    cb:on_train_end({})
    assert.equal("epoch,loss,val_loss\r\n0,0.5,0.25\r\n1,1e-05,NA\r\n", read_all(path))
    os.remove(path)
  end)

  it("formats numbers as Python's repr does", function()
    local r = C._py_repr
    assert.equal("1.0", r(1.0))
    assert.equal("0.30000000000000004", r(0.1 + 0.2))
    assert.equal("0.0001", r(0.0001))
    assert.equal("1e-05", r(0.00001))
    assert.equal("1e+16", r(1e16))
    assert.equal("123456789012345.0", r(123456789012345.0))
    assert.equal("-2.5e-07", r(-2.5e-7))
    assert.equal("nan", r(0 / 0))
    assert.equal("-inf", r(-math.huge))
  end)

  describe("bad arguments", function()
    it("names the argument or option", function()
      assert.error_matches(function() C.CSVLogger() end, "CSVLogger: argument 'filename' expected a file name %(string%), got nil")
      assert.error_matches(function() C.CSVLogger("") end, "CSVLogger: argument 'filename' expected a file name")
      assert.error_matches(function() C.CSVLogger("a.csv", { separator = ";;" }) end, "CSVLogger: option 'separator' must be one character")
      assert.error_matches(function() C.CSVLogger("a.csv", { append = "yes" }) end, "CSVLogger: option 'append' expected a boolean")
      assert.error_matches(function() C.CSVLogger("a.csv", { sep = ";" }) end, "CSVLogger: unknown option 'sep'")
    end)
    it("a file that cannot be opened is an error naming it", function()
      local cb = C.CSVLogger("/nonexistent-dir/x/log.csv")
      assert.error_matches(function() cb:on_train_begin({}) end, "CSVLogger: cannot open '/nonexistent%-dir/x/log.csv'")
    end)
  end)
end)

describe("LearningRateScheduler", function()
  it("sets lr = schedule(epoch, lr) before each epoch; schedule(epoch) works too", function()
    local m, x, y = small_model(0.1)
    local seen = {}
    local cb = C.LearningRateScheduler(function(epoch, lr)
      seen[#seen + 1] = { epoch, lr }
      return lr * 0.5
    end)
    local per_epoch = {}
    local probe = C.LambdaCallback { on_epoch_end = function(epoch) per_epoch[epoch + 1] = m.optimizer.lr end }
    m:fit(x, y, { epochs = 3, verbose = 0, callbacks = { cb, probe } })
    assert.same({ { 0, 0.1 }, { 1, 0.05 }, { 2, 0.025 } }, seen)
    assert.same({ 0.05, 0.025, 0.0125 }, per_epoch)
    local m2 = small_model(0.1)
    local cb2 = C.LearningRateScheduler(function(epoch) return 0.001 * (epoch + 1) end, { verbose = 1 })
    local lines = {}
    local real_print = print
    _G.print = function(...) lines[#lines + 1] = table.concat({ ... }, "\t") end
    local ok, err = pcall(m2.fit, m2, x, y, { epochs = 2, verbose = 0, callbacks = { cb2 } })
    _G.print = real_print
    assert.is_true(ok, tostring(err))
    assert.equal(0.002, m2.optimizer.lr)
    assert.truthy(table.concat(lines, "\n"):find("Epoch 00002: LearningRateScheduler setting learning rate to 0.002.", 1, true))
  end)

  it("the new rate is the one the optimizer trains with (lr = 0 leaves the weights unchanged)", function()
    local m, x, y = small_model(0.1)
    local before = m:get_weights()
    m:fit(x, y, { epochs = 1, verbose = 0, callbacks = { C.LearningRateScheduler(function() return 0 end) } })
    local after = m:get_weights()
    for i = 1, #before do assert.same(before[i]:totable(), after[i]:totable()) end
  end)

  describe("bad arguments", function()
    it("names the argument, the option, or the schedule's bad value", function()
      assert.error_matches(function() C.LearningRateScheduler() end,
        "LearningRateScheduler: argument 'schedule' expected a function %(epoch, lr%) %-> lr, got nil")
      assert.error_matches(function() C.LearningRateScheduler(0.1) end, "LearningRateScheduler: argument 'schedule' expected a function")
      assert.error_matches(function() C.LearningRateScheduler(function() end, { verbose = -1 }) end,
        "LearningRateScheduler: option 'verbose' expected an integer >= 0")
      assert.error_matches(function() C.LearningRateScheduler(function() end, { verbos = 1 }) end,
        "LearningRateScheduler: unknown option 'verbos'")
      for _, bad in ipairs { "0.1", -1, 0 / 0, math.huge } do
        local m, x, y = small_model(0.1)
        local cb = C.LearningRateScheduler(function() return bad end)
        assert.error_matches(function() m:fit(x, y, { epochs = 1, verbose = 0, callbacks = { cb } }) end,
          "LearningRateScheduler: the schedule must return a finite number >= 0, got .* at epoch 0")
        assert.equal(0.1, m.optimizer.lr)
      end
    end)
  end)
end)

describe("Sequential:predict_generator", function()
  local function batches(x, size, with_y)
    local i = 0
    return function()
      local first = i * size + 1
      i = i + 1
      local count = math.min(size, x:size(1) - first + 1)
      local xb = x[{ { first, first + count - 1 } }]
      if with_y then return xb, ember.zeros { count, 1 } end
      return xb
    end
  end

  it("concatenates the outputs of `steps` batches, as predict on the whole array", function()
    local m, x = small_model()
    local want = m:predict(x):totable()
    for _, with_y in ipairs { false, true } do
      local out = m:predict_generator(batches(x, 10, with_y), { steps = 4 })
      assert.same({ 32, 1 }, out.shape)
      local got = out:totable()
      for r = 1, 32 do assert.near(want[r][1], got[r][1], 1e-6) end
    end
    -- fewer steps: only those rows
    assert.same({ 20, 1 }, m:predict_generator(batches(x, 10), { steps = 2 }).shape)
  end)

  it("works on an uncompiled model (built from the first batch)", function()
    ember.seed(1)
    local m = ember.Sequential { ember.layers.Dense(2, { input_shape = { 3 } }) }
    local x = ember.rand { 5, 3 }
    local out = m:predict_generator(function() return x end, { steps = 2 })
    assert.same({ 10, 2 }, out.shape)
    assert.same(out[{ { 1, 5 } }]:totable(), out[{ { 6, 10 } }]:totable())
  end)

  describe("bad arguments", function()
    local m, x = small_model()
    it("names the argument, the option and the step", function()
      assert.error_matches(function() m:predict_generator(nil, { steps = 1 }) end,
        "predict_generator: argument 'generator' expected a callable returning samples, got nil")
      assert.error_matches(function() m:predict_generator(function() return x end) end,
        "predict_generator: option 'steps' is required")
      assert.error_matches(function() m:predict_generator(function() return x end, { steps = 0 }) end,
        "predict_generator: option 'steps' expected an integer >= 1, got 0")
      assert.error_matches(function() m:predict_generator(function() return x end, { steps = 1, batch_size = 2 }) end,
        "predict_generator: unknown option 'batch_size'")
      local n = 0
      assert.error_matches(function()
        m:predict_generator(function() n = n + 1; if n < 3 then return x end end, { steps = 3 })
      end, "predict_generator: the generator must return samples %(a tensor%), got nil at step 3")
      assert.error_matches(function() m:predict_generator(function() return ember.rand { 4, 5 } end, { steps = 1 }) end,
        "predict_generator: at step 1: .*")
      assert.error_matches(function() m.predict_generator(function() return x end, { steps = 1 }) end,
        "call it with a colon, model:predict_generator")
    end)
  end)
end)
