-- Conv1D: forward against a direct nested-loop convolution written here in
-- Lua (Keras/TensorFlow geometry), finite-difference gradients for every
-- padding, stride and dilation, output shapes, weights, and bad input.
local gradcheck = require "support.gradcheck"
local L = ember.layers
local None = ember.None

-- Keras conv_output_length and TensorFlow's padding, restated independently.
local function geometry(T, k, padding, stride, dilation)
  local span = (k - 1) * dilation + 1
  if padding == "valid" then return math.ceil((T - span + 1) / stride), 0 end
  if padding == "causal" then return math.ceil(T / stride), span - 1 end
  local out = math.ceil(T / stride)
  local total = math.max((out - 1) * stride + span - T, 0)
  return out, total // 2
end

-- y[b][t][f] = act(bias[f] + sum_j sum_c x[b][t*s - left + j*d][c] * w[j][c][f]), zero outside.
local function reference(x, w, bias, opts)
  local B, T, C = x.shape[1], x.shape[2], x.shape[3]
  local k, F = w.shape[1], w.shape[3]
  local xv, wv, bv = x:totable(), w:totable(), bias and bias:totable()
  local s, d = opts.strides or 1, opts.dilation_rate or 1
  local out, left = geometry(T, k, opts.padding or "valid", s, d)
  local y = {}
  for b = 1, B do
    y[b] = {}
    for t = 1, out do
      y[b][t] = {}
      for f = 1, F do
        local acc = bv and bv[f] or 0
        for j = 1, k do
          local src = (t - 1) * s - left + (j - 1) * d + 1
          if src >= 1 and src <= T then
            local xr, wj = xv[b][src], wv[j]
            for c = 1, C do acc = acc + xr[c] * wj[c][f] end
          end
        end
        if opts.activation == "relu" then acc = math.max(acc, 0) end
        y[b][t][f] = acc
      end
    end
  end
  return y
end

local function assert_close(expected, got, tol)
  assert.same({ #expected, #expected[1], #expected[1][1] }, got.shape)
  local gv = got:totable()
  for b = 1, #expected do
    for t = 1, #expected[b] do
      for f = 1, #expected[b][t] do
        local e, g = expected[b][t][f], gv[b][t][f]
        if math.abs(e - g) > tol then
          error(("y[%d][%d][%d]: expected %.6f, got %.6f"):format(b, t, f, e, g), 2)
        end
      end
    end
  end
end

local function conv(filters, k, opts, T, C)
  local layer = L.Conv1D(filters, k, opts)
  layer:build({ None, T or None, C })
  return layer
end

describe("Conv1D forward", function()
  local cases = {
    { padding = "valid" }, { padding = "same" }, { padding = "causal" },
    { padding = "valid", strides = 2 }, { padding = "same", strides = 2 }, { padding = "causal", strides = 2 },
    { padding = "valid", dilation_rate = 2 }, { padding = "same", dilation_rate = 2 },
    { padding = "causal", dilation_rate = 2 }, { padding = "same", strides = 3 },
    { padding = "valid", activation = "relu" }, { padding = "same", use_bias = false },
  }
  for _, k in ipairs { 3, 4 } do
    for _, opts in ipairs(cases) do
      local label = ("kernel %d, %s"):format(k, (function()
        local parts = {}
        for key, v in pairs(opts) do parts[#parts + 1] = key .. "=" .. tostring(v) end
        table.sort(parts)
        return table.concat(parts, " ")
      end)())
      it("matches a nested-loop convolution: " .. label, function()
        ember.seed(3)
        local layer = conv(2, k, opts, nil, 3)
        local x = ember.randn { 2, 9, 3 }
        local w = ember.randn { k, 3, 2 }
        local weights = { w }
        local bias
        if opts.use_bias ~= false then
          bias = ember.tensor { 0.5, -0.25 }
          weights[2] = bias
        end
        layer:set_weights(weights)
        assert_close(reference(x, w, bias, opts), layer:forward(x, false), 1e-4)
      end)
    end
  end

  it("handles a strided (non-contiguous) input like its contiguous copy", function()
    ember.seed(5)
    local layer = conv(3, 3, { padding = "same" }, nil, 2)
    local wide = ember.randn { 2, 6, 4 }
    local x = wide:narrow(3, 2, 2)
    local expected = layer:forward(x:contiguous(), false):clone()
    local got = layer:forward(x, false)
    assert.same(expected:totable(), got:totable())
  end)
end)

-- Stride 1, dilation 1 with filters / channels in multiples of 16 run the
-- AVX-512 overlapping-row kernels (engine/layers/conv_gemm.c) where built
-- with AVX-512; other channel counts are padded to 16 for dX.  These shapes
-- cover full and partial 12-row blocks, 16- and 32-column blocks, and (the
-- last one) a problem big enough to be split over threads.
local kernel_cases = {
  { cin = 16, filters = 16, k = 3, T = 13, padding = "valid" },
  { cin = 14, filters = 32, k = 5, T = 13, padding = "valid" },
  { cin = 32, filters = 48, k = 3, T = 13, padding = "same" },
  { cin = 16, filters = 32, k = 4, T = 11, padding = "causal" },
  { cin = 20, filters = 16, k = 7, T = 12, padding = "same" },
}

describe("Conv1D kernel paths", function()
  for _, kc in ipairs(kernel_cases) do
    local label = ("cin %d, filters %d, kernel %d, %s"):format(kc.cin, kc.filters, kc.k, kc.padding)
    it("match a nested-loop convolution: " .. label, function()
      ember.seed(21)
      local opts = { padding = kc.padding, activation = "relu" }
      local layer = conv(kc.filters, kc.k, opts, nil, kc.cin)
      local x = ember.randn { 3, kc.T, kc.cin }
      local w, bias = ember.randn { kc.k, kc.cin, kc.filters }, ember.randn { kc.filters }
      layer:set_weights { w, bias }
      assert_close(reference(x, w, bias, opts), layer:forward(x, false), 1e-3)
    end)
    it("pass a finite-difference check: " .. label, function()
      ember.seed(22)
      local layer = conv(kc.filters, kc.k, { padding = kc.padding }, nil, kc.cin)
      assert.is_true(gradcheck.check(layer, ember.randn { 2, kc.T, kc.cin }, { max_probes = 40 }))
    end)
  end

  it("match the reference on a problem split over threads", function()
    ember.seed(23)
    local opts = { padding = "same" }
    local layer = conv(32, 5, opts, nil, 32)
    local x = ember.randn { 2, 200, 32 }
    local w, bias = ember.randn { 5, 32, 32 }, ember.randn { 32 }
    layer:set_weights { w, bias }
    assert_close(reference(x, w, bias, opts), layer:forward(x, false), 1e-3)
    assert.is_true(gradcheck.check(layer, x, { max_probes = 6 }))
  end)
end)

-- Behind ReLU and max pooling most of dL/dZ is zero, and Conv1D then takes
-- its sparse backward (engine/layers/conv_sparse.c, stride 1 / dilation 1,
-- density < 35%).  By linearity, grads(sparse dy) must equal
-- grads(sparse dy + dense noise) - grads(dense noise), the last two on the
-- dense path.
local function backward_grads(layer, x, dy)
  local _, grads = layer:params()
  layer:zero_grads()
  layer:forward(x, true)
  local dx = layer:backward(dy):clone()
  local out = { dx }
  for i, g in ipairs(grads) do out[i + 1] = g:clone() end
  return out
end

local function max_abs_diff(a, b)
  local worst = 0
  local av, bv = gradcheck.values(a), gradcheck.values(b)
  for i = 1, #av do worst = math.max(worst, math.abs(av[i] - bv[i])) end
  return worst
end

describe("Conv1D sparse backward", function()
  local shapes = {
    { cin = 16, filters = 16, k = 3, padding = "valid" },
    { cin = 14, filters = 32, k = 5, padding = "valid" },
    { cin = 130, filters = 32, k = 7, padding = "same" },
    { cin = 32, filters = 20, k = 4, padding = "causal" },
    -- big enough for the sparse dW and dX to be split over threads
    { cin = 128, filters = 32, k = 7, padding = "valid", B = 4, T = 300, every = 2 },
  }
  for _, sh in ipairs(shapes) do
    it(("equals the dense path by linearity: cin %d, filters %d, kernel %d, %s")
      :format(sh.cin, sh.filters, sh.k, sh.padding), function()
      ember.seed(31)
      local layer = conv(sh.filters, sh.k, { padding = sh.padding }, nil, sh.cin)
      local x = ember.randn { sh.B or 3, sh.T or 40, sh.cin }
      local y = layer:forward(x, true)
      local sparse = ember.zeros(y.shape)
      local n = 0
      for b = 1, y.shape[1] do
        for t = 1, y.shape[2], 5 do  -- one timestep in five, a few filters each
          for f = (t % 3) + 1, y.shape[3], sh.every or 4 do
            sparse:set(b, t, f, (b + t + f) % 7 - 3)
            n = n + 1
          end
        end
      end
      assert.is_true(n < 0.11 * y:numel())
      local noise = ember.randn(y.shape)
      local g_sparse = backward_grads(layer, x, sparse)
      local g_both = backward_grads(layer, x, sparse + noise)
      local g_noise = backward_grads(layer, x, noise)
      for i = 1, #g_sparse do
        local diff = max_abs_diff(g_sparse[i], g_both[i] - g_noise[i])
        assert.is_true(diff < 2e-3, ("gradient %d differs by %g"):format(i, diff))
      end
    end)
  end

  local function chain(...)
    local layers = { ... }
    return {
      forward = function(_, x, training)
        local h = x
        for _, l in ipairs(layers) do h = l:forward(h, training) end
        return h
      end,
      backward = function(_, dy)
        local g = dy
        for i = #layers, 1, -1 do g = layers[i]:backward(g) end
        return g
      end,
      params = function() return layers[1]:params() end,
    }
  end

  -- (A finite-difference check through MaxPooling1D is not used here: a
  -- kernel probe shifts every output, and argmax flips between close window
  -- values make the numeric derivative meaningless at some points.)
  it("equals the dense path for the gradient MaxPooling1D(5) passes back", function()
    ember.seed(32)
    local c = conv(16, 5, {}, nil, 64)
    local pool = L.MaxPooling1D(5)
    pool:build({ None, None, 16 })
    local x = ember.randn { 2, 32, 64 }
    local y = c:forward(x, true)
    pool:forward(y, true)
    local sparse = pool:backward(ember.randn { 2, 5, 16 }):clone()
    local noise = ember.randn(y.shape)
    local g_sparse = backward_grads(c, x, sparse)
    local g_both = backward_grads(c, x, sparse + noise)
    local g_noise = backward_grads(c, x, noise)
    for i = 1, #g_sparse do
      local diff = max_abs_diff(g_sparse[i], g_both[i] - g_noise[i])
      assert.is_true(diff < 2e-3, ("gradient %d differs by %g"):format(i, diff))
    end
  end)

  it("passes a finite-difference check behind GlobalMaxPooling1D", function()
    ember.seed(33)
    local c = conv(32, 5, { padding = "same" }, nil, 14)
    local pool = L.GlobalMaxPooling1D()
    pool:build({ None, None, 32 })
    assert.is_true(gradcheck.check(chain(c, pool), ember.randn { 3, 24, 14 }, { max_probes = 40, eps = 1e-3, rtol = 5e-2 }))
  end)
end)

describe("Conv1D gradients", function()
  local cases = {}
  for _, padding in ipairs { "valid", "same", "causal" } do
    cases[#cases + 1] = { padding = padding }
    cases[#cases + 1] = { padding = padding, strides = 2 }
    cases[#cases + 1] = { padding = padding, strides = 3 }
    cases[#cases + 1] = { padding = padding, dilation_rate = 2 }
  end
  cases[#cases + 1] = { padding = "same", activation = "tanh" }
  cases[#cases + 1] = { padding = "valid", activation = "sigmoid", use_bias = false }
  for _, k in ipairs { 3, 4 } do
    for _, opts in ipairs(cases) do
      local parts = {}
      for key, v in pairs(opts) do parts[#parts + 1] = key .. "=" .. tostring(v) end
      table.sort(parts)
      it(("pass a finite-difference check: kernel %d, %s"):format(k, table.concat(parts, " ")), function()
        ember.seed(11)
        local layer = conv(3, k, opts, nil, 4)
        assert.is_true(gradcheck.check(layer, ember.randn { 2, 10, 4 }))
      end)
    end
  end

  it("add into the gradients (callers zero them) and skip them when not trainable", function()
    ember.seed(2)
    local layer = conv(2, 3, {}, nil, 2)
    local x = ember.randn { 2, 6, 2 }
    local _, grads = layer:params()
    layer:zero_grads()
    local y = layer:forward(x, true)
    layer:backward(ember.ones(y.shape))
    local once = grads[1]:clone()
    layer:forward(x, true)
    layer:backward(ember.ones(y.shape))
    assert.is_true(math.abs(grads[1]:get(1, 1, 1) - 2 * once:get(1, 1, 1)) < 1e-4)
    layer:zero_grads()
    layer.trainable = false
    layer:forward(x, true)
    local dx = layer:backward(ember.ones(y.shape))
    assert.same({ 2, 6, 2 }, dx.shape)
    assert.equal(0, grads[1]:get(1, 1, 1))
  end)
end)

describe("Conv1D edge shapes", function()
  local edges = {
    { label = "kernel 1 (pointwise)", filters = 16, k = 1, cin = 16, B = 2, T = 5, opts = {} },
    { label = "sequence exactly one window long", filters = 32, k = 5, cin = 16, B = 3, T = 5, opts = {} },
    { label = "batch of one, one filter, one channel", filters = 1, k = 3, cin = 1, B = 1, T = 6, opts = {} },
    { label = "one timestep with same padding", filters = 16, k = 4, cin = 16, B = 2, T = 1, opts = { padding = "same" } },
    { label = "dilation wider than the sequence, causal", filters = 2, k = 3, cin = 3, B = 2, T = 4,
      opts = { padding = "causal", dilation_rate = 3 } },
    { label = "stride larger than the kernel", filters = 2, k = 2, cin = 3, B = 2, T = 9, opts = { strides = 4 } },
  }
  for _, e in ipairs(edges) do
    it("match the nested loops and finite differences: " .. e.label, function()
      ember.seed(41)
      local layer = conv(e.filters, e.k, e.opts, nil, e.cin)
      local x = ember.randn { e.B, e.T, e.cin }
      local w, bias = ember.randn { e.k, e.cin, e.filters }, ember.randn { e.filters }
      layer:set_weights { w, bias }
      assert_close(reference(x, w, bias, e.opts), layer:forward(x, false), 1e-4)
      assert.is_true(gradcheck.check(layer, x, { max_probes = 30 }))
    end)
  end
end)

describe("Conv1D shapes and weights", function()
  it("gives Keras's output lengths", function()
    local function out(k, opts, T) return L.Conv1D(4, k, opts).core:build({ None, T, 3 }) end
    assert.same({ None, 494, 4 }, out(7, {}, 500))
    assert.same({ None, 500, 4 }, out(7, { padding = "same" }, 500))
    assert.same({ None, 500, 4 }, out(7, { padding = "causal" }, 500))
    assert.same({ None, 250, 4 }, out(4, { padding = "same", strides = 2 }, 500))
    assert.same({ None, 249, 4 }, out(3, { strides = 2 }, 500))
    assert.same({ None, 496, 4 }, out(3, { dilation_rate = 2 }, 500))
    assert.same({ None, 500, 4 }, out(3, { padding = "causal", dilation_rate = 4 }, 500))
    assert.same({ None, None, 4 }, out(7, {}, None))
  end)

  it("runs on any length once built with an unknown time dimension", function()
    local layer = L.Conv1D(5, 3, { input_shape = { None, 14 } })
    assert.same({ None, None, 5 }, layer:build({ None, None, 14 }))
    assert.same({ 2, 7, 5 }, layer:forward(ember.randn { 2, 9, 14 }, false).shape)
    assert.same({ 3, 20, 5 }, layer:forward(ember.randn { 3, 22, 14 }, false).shape)
  end)

  it("has a Keras-layout kernel with glorot_uniform values and a zero bias", function()
    ember.seed(1)
    local layer = conv(32, 7, {}, 500, 128)
    local w = layer:get_weights()
    assert.same({ 7, 128, 32 }, w[1].shape)
    assert.same({ 32 }, w[2].shape)
    assert.equal(7 * 128 * 32 + 32, layer:count_params())
    local limit = math.sqrt(6 / (7 * 128 + 7 * 32))
    local lo, hi = math.huge, -math.huge
    for _, v in ipairs(gradcheck.values(w[1])) do
      lo, hi = math.min(lo, v), math.max(hi, v)
    end
    assert.is_true(lo >= -limit and hi <= limit)
    assert.is_true(lo < -0.8 * limit and hi > 0.8 * limit)  -- spread over the whole range
    for _, v in ipairs(gradcheck.values(w[2])) do assert.equal(0, v) end
    assert.equal(7 * 128 * 32, conv(32, 7, { use_bias = false }, 500, 128):count_params())
  end)

  it("is named conv1d_N and accepts the single-table form", function()
    local layer = L.Conv1D { 8, 3, padding = "same" }
    assert.truthy(layer.name:match("^conv1d_%d+$"))
    assert.same({ None, 10, 8 }, layer:build({ None, 10, 2 }))
  end)
end)

describe("Conv1D bad input", function()
  it("rejects non-positive sizes, naming the layer and the value", function()
    assert.has_error(function() L.Conv1D(0, 3) end, "Conv1D: option 'filters' must be a positive integer (or a 1-element table), got 0")
    assert.has_error(function() L.Conv1D(4, -1) end, "Conv1D: option 'kernel_size' must be a positive integer (or a 1-element table), got -1")
    assert.has_error(function() L.Conv1D(4, 3, { strides = 0 }) end,
      "Conv1D: option 'strides' must be a positive integer (or a 1-element table), got 0")
    assert.has_error(function() L.Conv1D(4, 3, { dilation_rate = 1.5 }) end,
      "Conv1D: option 'dilation_rate' must be a positive integer (or a 1-element table), got 1.5")
    assert.has_error(function() L.Conv1D(4) end, "Conv1D: argument 'kernel_size' is required (the length of the convolution window)")
  end)

  it("rejects unknown paddings and activations, strides with dilation", function()
    assert.has_error(function() L.Conv1D(4, 3, { padding = "full" }) end,
      "Conv1D: option 'padding' must be one of \"valid\", \"same\", \"causal\", got \"full\"")
    assert.error_matches(function() L.Conv1D(4, 3, { activation = "relu6" }) end,
      "Conv1D: unknown activation 'relu6'")
    assert.has_error(function() L.Conv1D(4, 3, { strides = 2, dilation_rate = 2 }) end,
      "Conv1D: strides > 1 cannot be combined with dilation_rate > 1 (got strides 2, dilation_rate 2)")
    assert.error_matches(function() L.Conv1D(4, 3, { kernel = 3 }) end,
      "Conv1D: unknown option 'kernel' (valid: activation, activity_regularizer, batch_input_shape, batch_size, bias_initializer,", 1, true)
  end)

  it("rejects a kernel longer than the valid-padded sequence at build and at forward", function()
    assert.has_error(function() L.Conv1D(4, 7).core:build({ None, 5, 3 }) end,
      "Conv1D: kernel_size 7 (span 7 with dilation_rate 1) is larger than the input length 5 with padding 'valid'")
    assert.has_error(function() L.Conv1D(4, 3, { dilation_rate = 3 }).core:build({ None, 6, 3 }) end,
      "Conv1D: kernel_size 3 (span 7 with dilation_rate 3) is larger than the input length 6 with padding 'valid'")
    local layer = conv(4, 7, {}, nil, 3)
    assert.has_error(function() layer:forward(ember.randn { 2, 4, 3 }, false) end,
      "Conv1D: kernel_size 7 (span 7 with dilation_rate 1) is larger than the input length 4 with padding 'valid'")
    local same = conv(4, 7, { padding = "same" }, nil, 3)
    assert.same({ 2, 4, 4 }, same:forward(ember.randn { 2, 4, 3 }, false).shape)
  end)

  it("rejects 2-D inputs, wrong channel counts and int inputs", function()
    assert.has_error(function() L.Conv1D(4, 3).core:build({ None, 14 }) end,
      "Conv1D: expected a 3-D input {batch, time, channels}, got shape {None,14}")
    local layer = conv(4, 3, {}, nil, 3)
    assert.has_error(function() layer:forward(ember.randn { 2, 3 }, false) end,
      "Conv1D: expected input of rank 3, got shape {2,3}")
    assert.has_error(function() layer:forward(ember.randn { 2, 8, 5 }, false) end,
      "Conv1D: expected input of shape {None,None,3}, got {2,8,5}")
    assert.has_error(function() layer:forward(ember.zeros({ 2, 8, 3 }, { dtype = "int32" }), false) end,
      "Conv1D: expected a float32 input, got int32")
  end)

  it("rejects a backward without forward or with a gradient of the wrong shape", function()
    local layer = conv(4, 3, {}, nil, 3)
    assert.has_error(function() layer:backward(ember.ones { 2, 6, 4 }) end,
      "Conv1D: backward called before forward")
    layer:forward(ember.randn { 2, 8, 3 }, true)
    assert.has_error(function() layer:backward(ember.ones { 2, 5, 4 }) end,
      "Conv1D: expected a gradient of shape {2,6,4} (the last forward's output), got {2,5,4}")
  end)
end)
