-- The functional API (bindings/lua/ember/functional.lua over the engine's
-- graph model, engine/train/model.h): Input, layers called on symbolic
-- tensors, Model with several inputs and outputs, shared layers, per-output
-- losses and weights, Keras 2.2.4's History keys and summary, weights
-- files, MPI, and the errors of each part.
local ember = require "ember"
local gradcheck = require "specs.support.gradcheck"
local L = ember.layers

local function flat(list)
  local out = {}
  for _, t in ipairs(list) do for _, v in ipairs(t:reshape { t:numel() }:totable()) do out[#out + 1] = v end end
  return out
end

local function ids(n, len, hi, seed)
  local t, s = {}, seed or 1
  for i = 1, n do
    t[i] = {}
    for j = 1, len do
      s = (s * 1103515245 + 12345) % 2147483648
      t[i][j] = s % (hi - 1) + 1
    end
  end
  return ember.tensor(t):int()
end

local function capture(model)
  local lines = {}
  model:summary { print_fn = function(l) lines[#lines + 1] = l end }
  return lines
end

-- gradcheck's protocol over a model: forward in training mode, backward of
-- the outputs, its trainable parameters (the input gradient is not kept).
local function model_adapter(model)
  local obj = {}
  function obj:forward(x, training) return model:forward(x, training) end
  function obj:backward(dy) model:backward(dy) end
  function obj:params() return model:trainable_params() end
  return obj
end

describe("ember.Input", function()
  it("makes a symbolic tensor with the batch dimension first", function()
    local x = ember.Input { shape = { ember.None, 14 }, name = "seq" }
    assert.is_true(ember.is_symbolic(x))
    assert.same({ ember.None, ember.None, 14 }, x.shape)
    assert.equal("float32", x.dtype)
    local y = ember.Input { batch_shape = { 32, 10 }, dtype = "int32" }
    assert.same({ 32, 10 }, y.shape)
    assert.equal("int32", y.dtype)
    assert.matches("^input_%d+$", y.node.layer.name)
  end)

  it("refuses bad options, naming them", function()
    assert.has_error(function() ember.Input {} end,
      "Input: give option 'shape' (one sample, e.g. {ember.None, 14}) or 'batch_shape'")
    assert.has_error(function() ember.Input { shape = { 3 }, batch_shape = { 2, 3 } } end,
      "Input: give option 'shape' or option 'batch_shape', not both")
    assert.has_error(function() ember.Input { shape = { 3 }, dtype = "float64" } end,
      "Input: option 'dtype' expected \"float32\" or \"int32\", got float64")
    assert.has_error(function() ember.Input { shape = { 0 } } end,
      "Input: option 'shape' entry 1 must be a positive integer or ember.None, got 0")
    assert.has_error(function() ember.Input { shape = { nil, 3 } } end)
    assert.has_error(function() ember.Input { shape = 3 } end,
      "Input: option 'shape' expected a table such as {ember.None, 14}, got number")
    local ok, err = pcall(ember.Input, { shape = { 3 }, dimension = 2 })
    assert.is_false(ok)
    assert.matches("Input: unknown option 'dimension'", err)
  end)
end)

describe("calling a layer on symbolic tensors", function()
  it("returns a symbolic tensor of the output shape", function()
    local x = ember.Input { shape = { ember.None, 14 } }
    local h = L.LSTM(32)(x)
    assert.is_true(ember.is_symbolic(h))
    assert.same({ ember.None, 32 }, h.shape)
    local s = L.LSTM(8, { return_sequences = true })(x)
    assert.same({ ember.None, ember.None, 8 }, s.shape)
  end)

  it("refuses what is not a symbolic tensor, naming the layer and the argument", function()
    local d = L.Dense(3, { name = "dd" })
    assert.has_error(function() d(ember.zeros { 2, 3 }) end,
      "dd (Dense): argument 'inputs' expected a symbolic tensor (from ember.Input or a layer's output), got a "
      .. "tensor (layers are called on symbolic tensors from ember.Input; give data to fit / predict)")
    assert.has_error(function() d(42) end,
      "dd (Dense): argument 'inputs' expected a symbolic tensor (from ember.Input or a layer's output), got number")
    local x = ember.Input { shape = { 3 } }
    assert.has_error(function() d({ x, "y" }) end,
      "dd (Dense): argument 'inputs' entry 2 expected a symbolic tensor (from ember.Input or a layer's output), got string")
    assert.has_error(function() d({ x, x }) end,
      "dd (Dense): takes one input, got a list of 2 (merge them first, e.g. ember.layers.concatenate)")
  end)

  it("refuses an input of the wrong shape for a built layer (a shared layer), naming it", function()
    local d = L.Dense(3, { name = "shared_d" })
    d(ember.Input { shape = { 4 } })
    local ok, err = pcall(d, ember.Input { shape = { 5 } })
    assert.is_false(ok)
    assert.matches("shared_d %(Dense%): expected input of shape {None,4}, got {None,5}", err)
  end)
end)

describe("ember.Model", function()
  it("runs a chain exactly as Sequential does (the same losses and weights, bit for bit)", function()
    local function layers_list()
      return { L.Embedding(30, 6), L.LSTM(5, { return_sequences = true }), L.GRU(4), L.Dropout(0.25),
        L.Dense(3, { activation = "relu", kernel_regularizer = ember.regularizers.l2(0.01) }),
        L.Dense(1, { activation = "sigmoid" }) }
    end
    local x = ids(40, 7, 30, 3)
    local yv = {}
    for i = 1, 40 do yv[i] = { i % 2 } end
    local y = ember.tensor(yv)
    ember.seed(9)
    local seq = ember.Sequential(layers_list())
    seq:build { ember.None, 7 }
    ember.seed(9)
    local list = layers_list()
    local inp = ember.Input { shape = { 7 }, dtype = "int32" }
    local t = inp
    for _, l in ipairs(list) do t = l(t) end
    local model = ember.Model { inputs = inp, outputs = t }
    model:set_weights(seq:get_weights())
    ember.seed(4)
    seq:compile { optimizer = "adam", loss = "binary_crossentropy", metrics = { "acc" } }
    local h1 = seq:fit(x, y, { epochs = 2, batch_size = 8, verbose = 0 })
    ember.seed(4)
    model:compile { optimizer = "adam", loss = "binary_crossentropy", metrics = { "acc" } }
    local h2 = model:fit(x, y, { epochs = 2, batch_size = 8, verbose = 0 })
    assert.same(h1.history.loss, h2.history.loss)
    assert.same(h1.history.acc, h2.history.acc)
    assert.same(flat(seq:get_weights()), flat(model:get_weights()))
    assert.same(flat { seq:predict(x) }, flat { model:predict(x) })
  end)

  it("back-propagates through shared layers and tensors used twice (gradient check)", function()
    ember.seed(3)
    local a = ember.Input { shape = { 4 } }
    local shared = L.Dense(3, { activation = "tanh" })
    local h1 = shared(a)
    local h2 = shared(L.Dense(4, { activation = "sigmoid" })(a))  -- the same layer on another tensor
    local out = L.Dense(2)(L.concatenate { L.add { h1, h2 }, L.multiply { h1, h2 }, h1 })
    local model = ember.Model { inputs = a, outputs = out }
    assert.is_true(gradcheck.check(model_adapter(model), ember.randn { 5, 4 }, { check_input = false }))
  end)

  it("back-propagates through a shared LSTM (its cache recomputed per call) and a shared Dropout", function()
    ember.seed(4)
    local p, q = ember.Input { shape = { 5, 3 } }, ember.Input { shape = { 5, 3 } }
    local lstm, drop = L.LSTM(4), L.Dropout(0.3)
    local merged = L.concatenate { drop(lstm(p)), drop(lstm(q)) }
    local model = ember.Model { inputs = { p, q }, outputs = L.Dense(1)(merged) }
    local x = ember.randn { 2, 3, 5, 3 }
    local obj = model_adapter(model)
    function obj:forward(xx, training) return model:forward({ xx:select(1, 1), xx:select(1, 2) }, training) end
    assert.is_true(gradcheck.check(obj, x, { check_input = false }))
  end)

  it("trains several outputs: weighted total loss, Keras 2.2.4's History keys, predict returns a list", function()
    ember.seed(5)
    local posts = ember.Input { shape = { 12 }, dtype = "int32", name = "posts" }
    local h = L.GlobalAveragePooling1D()(L.Embedding(50, 8)(posts))
    local age = L.Dense(1, { name = "age" })(h)
    local income = L.Dense(4, { activation = "softmax", name = "income" })(h)
    local gender = L.Dense(1, { activation = "sigmoid", name = "gender" })(h)
    local model = ember.Model { inputs = posts, outputs = { age, income, gender } }
    model:compile { optimizer = "rmsprop",
      loss = { age = "mse", income = "categorical_crossentropy", gender = "binary_crossentropy" },
      loss_weights = { age = 0.25, income = 1, gender = 10 }, metrics = { income = { "acc" }, gender = { "acc" } } }
    local n = 48
    local x = ids(n, 12, 50, 7)
    local ya, yi, yg = {}, {}, {}
    for i = 1, n do
      ya[i] = { (i % 7) / 2 }
      yi[i] = { 0, 0, 0, 0 }
      yi[i][i % 4 + 1] = 1
      yg[i] = { i % 2 }
    end
    local y = { age = ember.tensor(ya), income = ember.tensor(yi), gender = ember.tensor(yg) }
    local hist = model:fit(x, y, { epochs = 4, batch_size = 16, verbose = 0, validation_split = 0.25 })
    local keys = {}
    for k in pairs(hist.history) do keys[#keys + 1] = k end
    table.sort(keys)
    assert.same({ "age_loss", "gender_acc", "gender_loss", "income_acc", "income_loss", "loss", "val_age_loss",
      "val_gender_acc", "val_gender_loss", "val_income_acc", "val_income_loss", "val_loss" }, keys)
    assert.is_true(hist.history.loss[4] < hist.history.loss[1])
    local loss, logs = model:evaluate(x, { y.age, y.income, y.gender }, { verbose = 0 })
    assert.near(0.25 * logs.age_loss + logs.income_loss + 10 * logs.gender_loss, loss, 1e-4 * loss)
    local p = model:predict(x)
    assert.equal(3, #p)
    assert.same({ n, 1 }, p[1].shape)
    assert.same({ n, 4 }, p[2].shape)
    assert.same({ n, 1 }, p[3].shape)
    local tl = model:train_on_batch(x, { y.age, y.income, y.gender })
    assert.is_true(tl > 0)
  end)

  it("takes x as a list or a table by input name, and converts to the Input's dtype", function()
    ember.seed(6)
    local text = ember.Input { shape = { ember.None }, dtype = "int32", name = "text" }
    local question = ember.Input { shape = { ember.None }, dtype = "int32", name = "question" }
    local a = L.LSTM(6)(L.Embedding(40, 5)(text))
    local b = L.LSTM(3)(L.Embedding(40, 5)(question))
    local model = ember.Model { inputs = { text, question }, outputs = L.Dense(4, { activation = "softmax" })(L.concatenate { a, b }) }
    local xt, xq = ids(6, 9, 40, 1), ids(6, 4, 40, 2)
    local p1 = model:predict({ xt, xq })
    local p2 = model:predict({ question = xq, text = xt })
    local p3 = model:predict({ xt:float(), xq:float() })
    assert.same(flat { p1 }, flat { p2 })
    assert.same(flat { p1 }, flat { p3 })
  end)

  it("trains from a generator of lists or tables by name (fit_generator, evaluate_generator)", function()
    ember.seed(7)
    local a, b = ember.Input { shape = { 3 }, name = "a" }, ember.Input { shape = { 2 }, name = "b" }
    local model = ember.Model { inputs = { a, b }, outputs = L.Dense(1)(L.concatenate { a, b }) }
    model:compile { optimizer = "sgd", loss = "mse" }
    local xa, xb = ember.randn { 16, 3 }, ember.randn { 16, 2 }
    local y = xa:sum(2) + xb:sum(2)  -- (16): the loss takes it for (16, 1), as Sequential
    local step = 0
    local function gen()
      step = step + 1
      if step % 2 == 0 then return { xa, xb }, y end
      return { a = xa, b = xb }, y
    end
    local h = model:fit_generator(gen, { steps_per_epoch = 4, epochs = 3, verbose = 0 })
    assert.is_true(h.history.loss[3] < h.history.loss[1])
    local loss = model:evaluate_generator(gen, { steps = 2 })
    assert.is_true(loss < h.history.loss[1])
    local bad = function() return { xa }, y end
    assert.has_error(function() model:fit_generator(bad, { steps_per_epoch = 1, verbose = 0 }) end,
      "fit_generator: argument 'x' expected 2 tensors (one per model input: a, b), got 1 at step 1")
  end)

  it("takes Sequential's one-output options: a Lua loss and metric, sample_weight", function()
    ember.seed(2)
    local a = ember.Input { shape = { 3 } }
    local m = ember.Model { inputs = a, outputs = L.Dense(1)(L.Dense(4, { activation = "relu" })(a)) }
    m:compile { optimizer = "sgd", metrics = { "mae", { name = "top", fn = function(_, p) return p:max() end } },
      loss = { fn = function(t, p) return ((p - t) ^ 2):mean() end, grad = function(t, p) return (p - t) * (2 / p:numel()) end } }
    local x, y = ember.randn { 20, 3 }, ember.randn { 20, 1 }
    local h = m:fit(x, y, { epochs = 3, verbose = 0 })
    assert.is_true(h.history.loss[3] < h.history.loss[1])
    assert.equal(3, #h.history.top)
    m:compile { optimizer = "sgd", loss = "mse" }
    local w = ember.ones { 20 }
    local before = m:get_weights()
    local l1 = m:train_on_batch(x, y, { sample_weight = w })
    m:set_weights(before)
    assert.equal(l1, (m:train_on_batch(x, y)))
  end)

  it("prints Keras 2.2.4's functional summary with the Connected to column (shared layers: [1][0])", function()
    local a = ember.Input { shape = { 4 }, name = "left" }
    local b = ember.Input { shape = { 4 }, name = "right" }
    local shared = L.Dense(3, { name = "shared_dense" })
    local out = L.Dense(1, { name = "out" })(L.concatenate({ shared(a), shared(b) }, { name = "joined" }))
    local lines = capture(ember.Model { inputs = { a, b }, outputs = out })
    local expected = {
      ("_"):rep(98),
      "Layer (type)                    Output Shape         Param #     Connected to                     ",
      ("="):rep(98),
      "left (InputLayer)               (None, 4)            0                                            ",
      ("_"):rep(98),
      "right (InputLayer)              (None, 4)            0                                            ",
      ("_"):rep(98),
      "shared_dense (Dense)            (None, 3)            15          left[0][0]                       ",
      "                                                                 right[0][0]                      ",
      ("_"):rep(98),
      "joined (Concatenate)            (None, 6)            0           shared_dense[0][0]               ",
      "                                                                 shared_dense[1][0]               ",
      ("_"):rep(98),
      "out (Dense)                     (None, 1)            7           joined[0][0]                     ",
      ("="):rep(98),
      "Total params: 22",
      "Trainable params: 22",
      "Non-trainable params: 0",
      ("_"):rep(98),
    }
    assert.same(expected, lines)
  end)

  it("prints Sequential's table for a chain, as Keras does", function()
    local a = ember.Input { shape = { 4 }, name = "chain_in" }
    local lines = capture(ember.Model { inputs = a, outputs = L.Dense(2, { name = "chain_out" })(a) })
    assert.equal(65, #lines[1])
    assert.equal("chain_in (InputLayer)        (None, 4)                 0         ", lines[4])
    assert.equal("chain_out (Dense)            (None, 2)                 10        ", lines[6])
  end)

  it("saves and loads its weights (npz and h5)", function()
    ember.seed(8)
    local a = ember.Input { shape = { 3 } }
    local b = ember.Input { shape = { 2 } }
    local model = ember.Model { inputs = { a, b }, outputs = L.Dense(2)(L.concatenate { L.Dense(4)(a), b }) }
    local x = { ember.randn { 5, 3 }, ember.randn { 5, 2 } }
    local before = flat { model:predict(x) }
    for _, ext in ipairs { ".npz", ".h5" } do
      local path = os.tmpname() .. ext
      model:save_weights(path)
      local saved = model:get_weights()
      local zeros = {}
      for i, w in ipairs(saved) do zeros[i] = w * 0 end
      model:set_weights(zeros)
      assert.are_not.same(before, flat { model:predict(x) })
      model:load_weights(path)
      assert.same(before, flat { model:predict(x) })
      os.remove(path)
    end
  end)

  describe("refuses", function()
    it("a graph whose output needs an input it was not given (disconnected)", function()
      local a = ember.Input { shape = { 3 }, name = "given" }
      local b = ember.Input { shape = { 3 }, name = "missing" }
      local out = L.Dense(1)(L.add { a, b })
      assert.has_error(function() ember.Model { inputs = a, outputs = out } end,
        "Model: graph disconnected: output 1 (" .. out.name .. ") depends on input 'missing', which is not in "
        .. "argument 'inputs'")
    end)

    it("an input that no output depends on (disconnected input)", function()
      local a = ember.Input { shape = { 3 }, name = "used" }
      local b = ember.Input { shape = { 3 }, name = "unused" }
      assert.has_error(function() ember.Model { inputs = { a, b }, outputs = L.Dense(1)(a) } end,
        "Model: argument 'inputs' entry 2 ('unused') is not connected to any output (disconnected input)")
    end)

    it("inputs that are not ember.Input tensors, and missing or unknown options", function()
      local a = ember.Input { shape = { 3 } }
      local h = L.Dense(2, { name = "mid" })(a)
      assert.has_error(function() ember.Model { inputs = h, outputs = L.Dense(1)(h) } end,
        "Model: argument 'inputs' entry 1 expected a tensor from ember.Input, got the output of mid (Dense)")
      assert.has_error(function() ember.Model { inputs = ember.zeros { 2 }, outputs = h } end)
      assert.has_error(function() ember.Model { outputs = h } end,
        "Model: argument 'inputs' is required (ember.Input tensors)")
      assert.has_error(function() ember.Model { inputs = a } end,
        "Model: argument 'outputs' is required (layers' outputs)")
      assert.has_error(function() ember.Model { inputs = a, outputs = a } end,
        "Model: argument 'outputs' holds only inputs; a model needs at least one layer between them")
      local ok, err = pcall(ember.Model, { inputs = a, outputs = h, output = h })
      assert.is_false(ok)
      assert.matches("Model: unknown option 'output'", err)
    end)

    it("the wrong number of x or y entries in fit, and unknown names", function()
      local a = ember.Input { shape = { 3 }, name = "a" }
      local b = ember.Input { shape = { 3 }, name = "b" }
      local h = L.add { a, b }
      local o1, o2 = L.Dense(1, { name = "o1" })(h), L.Dense(1, { name = "o2" })(h)
      local model = ember.Model { inputs = { a, b }, outputs = { o1, o2 } }
      model:compile { optimizer = "sgd", loss = "mse" }
      local x, y = ember.zeros { 4, 3 }, ember.zeros { 4, 1 }
      assert.has_error(function() model:fit({ x }, { y, y }, { verbose = 0 }) end,
        "fit: argument 'x' expected 2 tensors (one per model input: a, b), got 1")
      assert.has_error(function() model:fit({ x, x }, { y }, { verbose = 0 }) end,
        "fit: argument 'y' expected 2 tensors (one per model output: o1, o2), got 1")
      assert.has_error(function() model:fit(x, { y, y }, { verbose = 0 }) end,
        "fit: argument 'x' expected 2 tensors (a list, or a table by name: a, b), got one tensor")
      assert.has_error(function() model:fit({ a = x, c = x }, { y, y }, { verbose = 0 }) end,
        "fit: argument 'x' names 'c', which is not a model input (a, b)")
      assert.has_error(function() model:evaluate({ x, x }, { o1 = y }, { verbose = 0 }) end,
        "evaluate: argument 'y' has no entry for 'o2'")
      assert.has_error(function() model:fit({ x, ember.zeros { 5, 3 } }, { y, y }, { verbose = 0 }) end,
        "fit: argument 'x' entry 'b' has 5 samples but entry 'a' has 4")
      assert.has_error(function() model:predict({ x, ember.zeros { 4, 2 } }) end,
        "predict: argument 'x' entry 'b' has shape {4, 2}, but the model expects (None, 3)")
      assert.has_error(function() model:fit({ x, x }, { y, y }, { verbose = 0, sample_weight = ember.ones { 4 } }) end,
        "fit: options 'sample_weight' and 'class_weight' are not supported for a model of several outputs yet")
    end)

    it("an unknown output name in a loss, loss_weights or metrics table", function()
      local a = ember.Input { shape = { 3 } }
      local o1, o2 = L.Dense(1, { name = "first" })(a), L.Dense(1, { name = "second" })(a)
      local model = ember.Model { inputs = a, outputs = { o1, o2 } }
      assert.has_error(function() model:compile { optimizer = "sgd", loss = { first = "mse", third = "mse" } } end,
        "Model.compile: option 'loss' names output 'third', which the model does not have (outputs: first, second)")
      assert.has_error(function() model:compile { optimizer = "sgd", loss = { first = "mse" } } end,
        "Model.compile: option 'loss' has no entry for output 'second'")
      assert.has_error(function() model:compile { optimizer = "sgd", loss = { "mse" } } end,
        "Model.compile: option 'loss' expected 2 entries (one per output: first, second), got 1")
      assert.has_error(function()
        model:compile { optimizer = "sgd", loss = "mse", loss_weights = { first = 1, secnd = 2 } }
      end, "Model.compile: option 'loss_weights' names output 'secnd', which the model does not have (outputs: first, second)")
      assert.has_error(function() model:compile { optimizer = "sgd", loss = "mse", metrics = { sec = { "mae" } } } end,
        "Model.compile: option 'metrics' names output 'sec', which the model does not have (outputs: first, second)")
      assert.has_error(function() model:compile { optimizer = "sgd", loss = "msqe" } end)
      local ok, err = pcall(model.compile, model, { optimizer = "sgd", loss = "mse", loss_weights = { 1, 1 / 0 } })
      assert.is_false(ok)
      assert.matches("Model.compile: option 'loss_weights' gives output 'second' inf; expected a finite number", err)
      assert.has_error(function() model.fit({}, {}) end)
    end)
  end)
end)

describe("ember.Model over mpirun", function()
  local have_mpirun = os.execute("command -v mpirun >/dev/null 2>&1") == true
  it("gives one process's History, weights, evaluate and predict for two inputs, two outputs and a shared layer", function()
    if not have_mpirun then pending("mpirun is not installed (openmpi-bin)") return end
    local interpreter = arg and arg[-1] or "./ember"
    local env = "EMBER_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_MCA_mca_base_component_disable_dlclose=1 "
      .. "ASAN_OPTIONS=\"${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0\" "
    local function run(cmd)
      local p = io.popen(env .. cmd .. " 2>&1; echo \"exit=$?\"")
      local out = p:read("a")
      p:close()
      local r = {}
      for line in out:gmatch("[^\n]+") do
        local key, rest = line:match("^(%a[%w_]*) (.*)$")
        if key then
          r[key] = {}
          for v in rest:gmatch("%S+") do r[key][#r[key] + 1] = tonumber(v) end
        end
      end
      return r, tonumber(out:match("exit=(%d+)%s*$")), out
    end
    local one, code1, out1 = run(interpreter .. " specs/support/dist_graph_fit.lua")
    assert.equal(0, code1, out1)
    local two, code2, out2 = run("timeout 90 mpirun --oversubscribe --allow-run-as-root -np 2 " .. interpreter
      .. " specs/support/dist_graph_fit.lua")
    assert.equal(0, code2, out2)
    assert.same({ 1 }, two.ranks_agree)
    for _, what in ipairs { "history", "weights", "evaluate", "predict" } do
      assert.equal(#one[what], #two[what])
      assert.is_true(#one[what] > 0)
      for i = 1, #one[what] do
        local a, b = one[what][i], two[what][i]
        assert.is_true(math.abs(a - b) <= 1e-5 * math.max(math.abs(a), math.abs(b)) + 1e-6,
          ("%s[%d]: one process %.9g, 2 ranks %.9g"):format(what, i, a, b))
      end
    end
  end)
end)
