-- Whole models: Keras 2.2.4 JSON (get_config, to_json, model_from_json,
-- model_from_config) against hand-written Keras fixtures of the chapter-6
-- models (specs/fixtures/keras_json/), ember.json's strict codec, and
-- model:save / ember.load_model resuming training bit for bit.
local L = ember.layers
local json = ember.json
local FIX = "specs/fixtures/keras_json/"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Deep equality of decoded JSON, order-insensitive for objects; integers
-- and floats kept apart (Keras writes 32 and 0.0).  Returns nil or the path
-- of the first difference.
local function diff(a, b, path)
  path = path or "$"
  if type(a) ~= type(b) then return path .. (": %s vs %s"):format(type(a), type(b)) end
  if type(a) == "number" then
    if math.type(a) ~= math.type(b) or a ~= b then return path .. (": %s vs %s"):format(tostring(a), tostring(b)) end
    return nil
  end
  if type(a) ~= "table" then
    if a ~= b then return path .. (": %s vs %s"):format(tostring(a), tostring(b)) end
    return nil
  end
  if json.is_array(a) ~= json.is_array(b) then return path .. ": array vs object" end
  for k, v in pairs(a) do
    if b[k] == nil then return path .. "." .. tostring(k) .. ": missing on the right" end
    local d = diff(v, b[k], path .. "." .. tostring(k))
    if d then return d end
  end
  for k in pairs(b) do
    if a[k] == nil then return path .. "." .. tostring(k) .. ": missing on the left" end
  end
end

local function summary_lines(model)
  local lines = {}
  model:summary { print_fn = function(l) lines[#lines + 1] = l end }
  return table.concat(lines, "\n")
end

describe("ember.json", function()
  it("decodes strictly, with exact numbers and unicode escapes", function()
    local v = json.decode('{"a": [1, 2.0, -0.5, 1e-7, 0.1, 123456789012345678], "s": "\\u00e9\\ud83d\\ude00\\n", "n": null, "t": true, "e": {}, "l": []}')
    assert.equals(1, v.a[1]); assert.equals("integer", math.type(v.a[1]))
    assert.equals("float", math.type(v.a[2]))
    assert.equals(1e-7, v.a[4]); assert.equals(0.1, v.a[5])
    assert.equals(123456789012345678, v.a[6])
    assert.equals("é😀\n", v.s)
    assert.equals(ember.None, v.n)
    assert.is_true(json.is_object(v.e)); assert.is_true(json.is_array(v.l))
  end)

  it("round-trips every double exactly and keeps [] and {} apart", function()
    ember.seed(1)
    local xs = ember.randn({200}):totable()
    for i, x in ipairs(xs) do xs[i] = x * 10 ^ (i % 40 - 20) end
    xs[#xs + 1] = 0.1; xs[#xs + 1] = 1 / 3; xs[#xs + 1] = 5e-324; xs[#xs + 1] = 1.7976931348623157e308
    local back = json.decode(json.encode(json.array(xs)))
    for i, x in ipairs(xs) do assert.equals(x, back[i]) end
    assert.equals('{"a": [], "b": {}}', json.encode({ a = json.array(), b = json.object() }))
    assert.equals("[1.0, 2]", json.encode({ 1.0, 2 }))
  end)

  it("refuses bad JSON with the line, column and byte", function()
    local cases = {
      { "[1,]", "line 1, column 4 %(byte 4%): expected a value" },
      { '{"a": 1,\n "a": 2}', "line 2, column 2 %(byte 11%): duplicate key" },
      { "01", "leading zero" }, { "[1e999]", "out of range" }, { '"\\ud800"', "surrogate" },
      { "[NaN]", "expected a value" }, { "[1] x", "unexpected text after" }, { '"a\tb"', "control character" },
      { '"\255"', "invalid UTF%-8" }, { ("["):rep(500), "nested too deeply" }, { "", "end of the text" },
      { "{'a': 1}", "expected a string key" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(json.decode, c[1])
      assert.is_false(ok, c[1])
      assert.matches("^json.decode: invalid JSON at line %d+, column %d+ %(byte %d+%): ", err)
      assert.matches(c[2], err)
    end
    assert.error_matches(function() json.decode(12) end, "json.decode: argument 'text' expected a string, got number")
  end)

  it("refuses values JSON cannot hold", function()
    assert.error_matches(function() json.encode(0 / 0) end, "json.encode: the value is")
    assert.error_matches(function() json.encode({ a = math.huge }) end, "the value.a is inf")
    assert.error_matches(function() json.encode({ [true] = 1 }) end, "JSON object keys are strings")
    assert.error_matches(function() json.encode({ f = print }) end, "the value.f is a function")
    assert.error_matches(function() json.encode("\255") end, "not valid UTF%-8")
    local t = {}; t.t = t
    assert.error_matches(function() json.encode(t) end, "nested too deeply")
    assert.error_matches(function() json.encode(nil) end, "ember.None for null")
  end)
end)

describe("Keras 2.2.4 JSON of the chapter-6 models", function()
  local chapter = {
    { "6-7_embedding_flatten_dense.json", "80,161", { "embedding_1 (Embedding)      (None, 20, 8)             80000",
      "flatten_1 (Flatten)          (None, 160)               0", "dense_1 (Dense)              (None, 1)                 161" },
      function() return ember.Sequential { L.Embedding(10000, 8, { input_length = 20 }), L.Flatten(), L.Dense(1, { activation = "sigmoid" }) } end },
    { "6-27_lstm.json", "328,353", { "lstm_1 (LSTM)                (None, 32)                8320" },
      function() return ember.Sequential { L.Embedding(10000, 32), L.LSTM(32, { recurrent_activation = "hard_sigmoid" }), L.Dense(1, { activation = "sigmoid" }) } end },
    { "6-39_gru.json", "4,545", { "gru_1 (GRU)                  (None, 32)                4512" },
      function() return ember.Sequential { L.GRU(32, { input_shape = { ember.None, 14 }, recurrent_activation = "hard_sigmoid" }), L.Dense(1) } end },
    { "6-44_bidirectional_gru.json", "9,089", { "bidirectional_1 (Bidirection (None, 64)                9024" },
      function() return ember.Sequential { L.Bidirectional(L.GRU(32, { recurrent_activation = "hard_sigmoid" }), { input_shape = { ember.None, 14 } }), L.Dense(1) } end },
    { "6-46_conv1d.json", "1,315,937", { "conv1d_1 (Conv1D)            (None, 494, 32)           28704",
      "max_pooling1d_1 (MaxPooling1 (None, 98, 32)            0", "global_max_pooling1d_1 (Glob (None, 32)                0" },
      function() return ember.Sequential { L.Embedding(10000, 128, { input_length = 500 }), L.Conv1D(32, 7, { activation = "relu" }),
        L.MaxPooling1D(5), L.Conv1D(32, 7, { activation = "relu" }), L.GlobalMaxPooling1D(), L.Dense(1) } end },
  }
  for _, c in ipairs(chapter) do
    local file, total, rows, build = c[1], c[2], c[3], c[4]
    describe(file, function()
      local text = read(FIX .. file)
      local fixture = json.decode(text)

      it("loads into Ember with the chapter's architecture", function()
        local m = ember.model_from_json(text)
        local s = summary_lines(m)
        assert.matches("Total params: " .. total, s, 1, true)
        for _, r in ipairs(rows) do assert.truthy(s:find(r, 1, true), r .. "\n" .. s) end
      end)

      it("Ember's to_json of the same model equals the fixture, field by field", function()
        require("ember.layers.base").reset_names()
        local m = build()
        m.name = "sequential_1"
        assert.is_nil(diff(fixture, json.decode(m:to_json())))
        require("ember.layers.base").reset_names()
        assert.is_nil(diff(fixture, json.decode(ember.model_from_json(text):to_json())))
      end)

      it("round-trips model -> json -> model -> json identically", function()
        local j1 = ember.model_from_json(text):to_json()
        local j2 = ember.model_from_json(j1):to_json()
        assert.equals(j1, j2)
        assert.is_nil(diff(json.decode(j1), ember.models.model_from_config(json.decode(j1)):get_config() and json.decode(j2)))
      end)
    end)
  end

  it("get_config is Keras's {name, layers}; model_from_config takes the decoded table", function()
    local m = ember.model_from_json(read(FIX .. "6-39_gru.json"))
    local c = m:get_config()
    assert.equals("sequential_1", c.name)
    assert.equals("GRU", c.layers[1].class_name)
    assert.equals(14, c.layers[1].config.batch_input_shape[3])
    local m2 = ember.models.model_from_config({ class_name = "Sequential", config = c })
    assert.equals(m:count_params(), m2:count_params())
  end)

  it("keeps initializers and regularizers through the round trip", function()
    local m = ember.Sequential { L.Dense(4, { input_shape = { 3 }, kernel_initializer = "he_normal",
      bias_initializer = ember.initializers.constant(0.5), kernel_regularizer = ember.regularizers.l1_l2 { l1 = 0.01, l2 = 0.02 } }),
      L.LSTM and L.Dense(2, { kernel_initializer = ember.initializers.random_normal { stddev = 0.1 } }) }
    local c = json.decode(m:to_json()).config.layers
    assert.equals("VarianceScaling", c[1].config.kernel_initializer.class_name)
    assert.equals("fan_in", c[1].config.kernel_initializer.config.mode)
    assert.equals(0.5, c[1].config.bias_initializer.config.value)
    assert.equals(0.009999999776482582, c[1].config.kernel_regularizer.config.l1)
    assert.equals(0.1, c[2].config.kernel_initializer.config.stddev)
    local again = ember.model_from_json(m:to_json()):to_json()
    assert.is_nil(diff(json.decode(m:to_json()), json.decode(again)))
  end)
end)

describe("model_from_json errors", function()
  local base = json.decode(read(FIX .. "6-39_gru.json"))
  local function with(edit)
    local t = json.decode(json.encode(base))
    edit(t, t.config.layers[1].config, t.config.layers[2].config)
    return json.encode(t)
  end
  local cases = {
    { function(t) t.config.layers[1].class_name = "Conv2D" end, "model_from_json: layer 'gru_1': unknown layer class 'Conv2D'" },
    { function(_, g) g.kernel_constraint = json.decode('{"class_name": "MaxNorm", "config": {"max_value": 2}}') end,
      "layer 'gru_1': field 'kernel_constraint' must be null" },
    { function(_, _, d) d.activation = "swish" end, "layer 'dense_1': field 'activation': activation 'swish' is not one Ember has" },
    { function(_, g) g.wibble = 1 end, "layer 'gru_1': unknown field 'wibble'" },
    { function(_, g) g.kernel_initializer.config.seed = 42 end, "field 'kernel_initializer' %(VarianceScaling%): field 'seed' is 42" },
    { function(_, g) g.units = "32" end, "layer 'gru_1': field 'units' expected an integer" },
    { function(_, g) g.dtype = "float64" end, "field 'dtype' is 'float64'" },
    { function(_, _, d) d.kernel_regularizer = json.decode('{"class_name": "L3", "config": {}}') end, "field 'kernel_regularizer'" },
    { function(t) t.class_name = "Model" end, "model_from_json: unknown model class 'Model'" },
    { function(t) t.config.layers = 3 end, "field 'layers' expected a list" },
    { function(_, g) g.units = 0 end, "layer 'gru_1': GRU: option 'units'" },
  }
  for i, c in ipairs(cases) do
    it("case " .. i .. ": " .. c[2], function()
      local ok, err = pcall(ember.model_from_json, with(c[1]))
      assert.is_false(ok)
      assert.matches(c[2], err)
      assert.matches("^model_from_json: ", err)
    end)
  end
  it("refuses a non-string, bad JSON and non-object JSON", function()
    assert.error_matches(function() ember.model_from_json(nil) end, "model_from_json: argument 'text' expected a string, got nil")
    assert.error_matches(function() ember.model_from_json("{") end, "model_from_json: invalid JSON at line 1")
    assert.error_matches(function() ember.model_from_json("[]") end, "model_from_json: expected a JSON object")
    assert.error_matches(function() ember.models.model_from_config(5) end, "model_from_config: argument 'config' expected a table")
  end)
end)

describe("model:save / ember.load_model", function()
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  local path = dir .. "/m.npz"

  local function same(a, b)
    for i = 1, #a do
      if (a[i] - b[i]):abs():max() ~= 0 then return false end
    end
    return #a == #b
  end

  -- 2 epochs, save, load, 1 more == 3 epochs, bit for bit.
  local function run(opt, split, reset)
    ember.seed(7)
    local x, y = ember.rand({ 48, 6, 3 }), ember.rand({ 48, 1 })
    local m = ember.Sequential { L.GRU(5, { input_shape = { 6, 3 } }), L.Dense(1) }
    m:compile { optimizer = opt(), loss = "mse", metrics = { "mae" } }
    local fit = { batch_size = 16, shuffle = false, verbose = 0 }
    if split then
      fit.epochs = 2
      m:fit(x, y, fit)
      m:save(path)
      m = ember.load_model(path)
      if reset then m:compile { optimizer = m.optimizer, loss = "mse", metrics = { "mae" } } end
      fit.epochs = 1
      m:fit(x, y, fit)
    else
      fit.epochs = 3
      m:fit(x, y, fit)
    end
    return m:get_weights(), m
  end

  for name, opt in pairs { Adam = function() return ember.optimizers.Adam { lr = 0.01 } end,
    RMSprop = function() return ember.optimizers.RMSprop { lr = 0.01 } end } do
    it("resumes training exactly with " .. name, function()
      local a = run(opt, false)
      local b, m = run(opt, true)
      assert.is_true(same(a, b))
      assert.equals(name, m.optimizer.class)
      assert.equals(9, m.optimizer:iterations())
      -- the check can fail: without the optimizer's state the weights differ
      local c = run(opt, true, true)
      assert.is_false(same(a, c))
    end)
  end

  it("keeps the architecture, weights and compile settings", function()
    ember.seed(2)
    local m = ember.Sequential { L.Embedding(50, 4, { input_length = 5 }), L.Flatten(), L.Dense(1, { activation = "sigmoid" }) }
    m:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
    m:save(path)
    local m2 = ember.load_model(path)
    assert.equals(m:to_json(), m2:to_json())
    assert.is_true(same(m:get_weights(), m2:get_weights()))
    assert.equals("binary_crossentropy", m2.loss)
    assert.equals("acc", m2.metrics[1].given)
    local x = ember.tensor({ { 1, 2, 3, 4, 5 } }, { dtype = "int32" })
    assert.equals(m:predict(x):item(), m2:predict(x):item())
    -- an uncompiled model saves and loads without training settings
    local u = ember.Sequential { L.Dense(2, { input_shape = { 3 } }) }
    u:save(path)
    local u2 = ember.load_model(path)
    assert.is_false(u2.compiled)
    assert.is_true(same(u:get_weights(), u2:get_weights()))
  end)

  it("refuses bad arguments and bad files with clear errors", function()
    local m = ember.Sequential { L.Dense(2, { input_shape = { 3 } }) }
    assert.error_matches(function() m:save(3) end, "save: argument 'path' expected a string, got number")
    assert.error_matches(function() m:save(dir .. "/m.h5") end, "save: whole%-model .h5 files are not written yet")
    assert.error_matches(function() ember.Sequential { L.Dense(2) }:save(path) end, "save: the model is not built yet")
    local lua_loss = ember.Sequential { L.Dense(1, { input_shape = { 3 } }) }
    lua_loss:compile { optimizer = "sgd", loss = { fn = function() return 0 end, grad = function(t, p) return p * 0 end } }
    assert.error_matches(function() lua_loss:save(path) end, "save: the model's loss is a Lua function")

    assert.error_matches(function() ember.load_model(nil) end, "load_model: argument 'path' expected a string, got nil")
    assert.error_matches(function() ember.load_model(dir .. "/none.npz") end, "load_model: .*none.npz")
    local f = assert(io.open(dir .. "/bad.npz", "wb")); f:write("PK\3\4 this is not a zip"); f:close()
    assert.error_matches(function() ember.load_model(dir .. "/bad.npz") end, "^load_model: ")
    m:save_weights(dir .. "/w.npz")
    assert.error_matches(function() ember.load_model(dir .. "/w.npz") end, "load_model: .*w.npz is not a saved model")
    -- a saved model whose config names a layer class Ember lacks
    m:save(path)
    local data = ember.load(path)
    local text = m:to_json():gsub('"Dense"', '"Conv2D"')
    local codes = { text:byte(1, -1) }
    data.model_config = ember.tensor(codes, { dtype = "int32" })
    ember.save(dir .. "/unknown.npz", data)
    assert.error_matches(function() ember.load_model(dir .. "/unknown.npz") end, "load_model: .*unknown layer class 'Conv2D'")
    -- a weight of the wrong shape
    data = ember.load(path)
    data["model_weights/" .. m.layers[1].name .. "/kernel"] = ember.zeros({ 4, 2 })
    ember.save(dir .. "/shape.npz", data)
    assert.error_matches(function() ember.load_model(dir .. "/shape.npz") end, "has shape {4,2}; the layer expects {3,2}")
  end)
  it("keeps stateful and return_state through JSON (Keras's fields), with the fixed batch size", function()
    local L = ember.layers
    local m = ember.Sequential { L.LSTM(4, { stateful = true, batch_input_shape = { 2, 5, 3 } }), L.Dense(1) }
    local back = ember.model_from_json(m:to_json())
    assert.is_true(back.layers[1].config.stateful)
    assert.same({ 2, 5, 3 }, back.layers[1].config.batch_input_shape)
    assert.equal(m:to_json(), back:to_json())
    local cfg = ember.json.decode(m:to_json())
    assert.is_true(cfg.config.layers[1].config.stateful)
    assert.is_false(cfg.config.layers[1].config.return_state)
  end)
end)
