-- Masks (Keras 2.2 semantics): Embedding{mask_zero = true} and Masking make a
-- (batch, time) mask; SimpleRNN, LSTM, GRU and Bidirectional skip the masked
-- steps (state kept, previous output repeated), GlobalAveragePooling1D
-- averages the unmasked steps, Dense / Dropout / Activation / TimeDistributed
-- pass the mask on, and a layer that cannot take one raises an error naming
-- it.  Checked against the same layers run on the unpadded sequences (a
-- padded batch must give what each sequence alone gives), by gradient
-- checks, and against PyTorch when python3 has torch.
local gradcheck = require "support.gradcheck"
local L = ember.layers

local V, D = 12, 3  -- vocabulary, embedding size

-- The sequences of the padded batches below: ids in 1..V-1 (0 is padding).
local SEQS = { { 3, 5, 7, 2, 9 }, { 4, 1, 8 }, { 6 }, { 2, 11, 10, 3 } }
local LEN = 6

local function padded(seqs, pre)
  local rows = {}
  for i, s in ipairs(seqs) do
    local row = {}
    for t = 1, LEN do row[t] = 0 end
    local off = pre and LEN - #s or 0
    for t, id in ipairs(s) do row[off + t] = id end
    rows[i] = row
  end
  return ember.tensor(rows)
end

local function max_abs_diff(a, b)
  local va, vb = gradcheck.values(a), gradcheck.values(b)
  assert.are.equal(#va, #vb)
  local worst = 0
  for i = 1, #va do worst = math.max(worst, math.abs(va[i] - vb[i])) end
  return worst
end

-- model(mask_zero) = Embedding(V, D, mask_zero) -> make_rnn() (-> extra ...)
local function pair(make_rnn, extra)
  ember.seed(7)
  local masked = ember.Sequential { L.Embedding(V, D, { mask_zero = true }), make_rnn(), extra and extra() }
  local plain = ember.Sequential { L.Embedding(V, D), make_rnn(), extra and extra() }
  masked:build({ ember.None, ember.None })
  plain:build({ ember.None, ember.None })
  plain:set_weights(masked:get_weights())
  return masked, plain
end

local RNNS = {
  SimpleRNN = function(o) return L.SimpleRNN(4, o or {}) end,
  LSTM = function(o) return L.LSTM(4, o or {}) end,
  GRU = function(o) return L.GRU(4, o or {}) end,
  ["GRU(reset_after)"] = function(o) o = o or {}; o.reset_after = true; return L.GRU(4, o) end,
  ["Bidirectional(LSTM)"] = function(o) return L.Bidirectional(L.LSTM(3, o or {})) end,
  ["Bidirectional(GRU, sum)"] = function(o) return L.Bidirectional(L.GRU(3, o or {}), { merge_mode = "sum" }) end,
}
local NAMES = { "SimpleRNN", "LSTM", "GRU", "GRU(reset_after)", "Bidirectional(LSTM)", "Bidirectional(GRU, sum)" }

describe("recurrent layers with a mask give what the unpadded sequences give", function()
  for _, name in ipairs(NAMES) do
    for _, go_backwards in ipairs { false, true } do
      for _, pre in ipairs { false, true } do
        local what = ("%s%s, %s-padding"):format(name, go_backwards and " go_backwards" or "", pre and "pre" or "post")
        if not (go_backwards and name:match("^Bidirectional")) then
          it(what .. ": last output", function()
            local masked, plain = pair(function() return RNNS[name]({ go_backwards = go_backwards }) end)
            local y = masked:predict(padded(SEQS, pre))
            for i, s in ipairs(SEQS) do
              local alone = plain:predict(ember.tensor { s })
              local row = y[{ { i, i }, {} }]
              assert.is_true(max_abs_diff(row, alone) < 1e-6, ("%s: sequence %d differs"):format(what, i))
            end
          end)
        end
      end
    end
  end

  -- return_sequences: a masked step repeats the previous output (0 before
  -- the first real step), as Keras 2.2's K.rnn (tf.where(mask, output, states[0])).
  for _, name in ipairs { "SimpleRNN", "LSTM", "GRU" } do
    it(name .. " return_sequences: real steps as alone, masked steps repeat the previous output", function()
      local masked, plain = pair(function() return RNNS[name]({ return_sequences = true }) end)
      for _, pre in ipairs { false, true } do
        local y = masked:predict(padded(SEQS, pre))
        for i, s in ipairs(SEQS) do
          local alone = plain:predict(ember.tensor { s })
          local off = pre and LEN - #s or 0
          for t = 1, LEN do
            local got = y[{ { i, i }, { t, t }, {} }]
            local want
            if t <= off then want = ember.zeros { 1, 1, 4 }
            elseif t > off + #s then want = alone[{ {}, { #s, #s }, {} }]
            else want = alone[{ {}, { t - off, t - off }, {} }] end
            assert.is_true(max_abs_diff(got, want) < 1e-6, ("%s row %d step %d"):format(name, i, t))
          end
        end
      end
    end)
  end

  it("Bidirectional return_sequences: each real step as alone (backward half skips the padding)", function()
    local masked, plain = pair(function() return RNNS["Bidirectional(LSTM)"]({ return_sequences = true }) end)
    local y = masked:predict(padded(SEQS, false))
    for i, s in ipairs(SEQS) do
      local alone = plain:predict(ember.tensor { s })
      assert.is_true(max_abs_diff(y[{ { i, i }, { 1, #s }, {} }], alone) < 1e-6, "sequence " .. i)
    end
  end)

  it("a batch larger than one block of rows (40 rows: 3 blocks) gives the same rows", function()
    local masked, plain = pair(function() return L.LSTM(4) end)
    local seqs = {}
    for i = 1, 40 do seqs[i] = SEQS[(i - 1) % #SEQS + 1] end
    local y = masked:predict(padded(seqs, false))
    for i = 1, 40, 13 do
      local alone = plain:predict(ember.tensor { seqs[i] })
      assert.is_true(max_abs_diff(y[{ { i, i }, {} }], alone) < 1e-6)
    end
  end)

  it("masked steps in the middle (gaps) are skipped too", function()
    for _, name in ipairs(NAMES) do
      local masked, plain = pair(function() return RNNS[name]() end)
      local y = masked:predict(ember.tensor { { 3, 0, 5, 0, 0, 7 }, { 0, 4, 0, 8, 2, 0 } })
      local want = { { 3, 5, 7 }, { 4, 8, 2 } }
      for i = 1, 2 do
        assert.is_true(max_abs_diff(y[{ { i, i }, {} }], plain:predict(ember.tensor { want[i] })) < 1e-6, name)
      end
    end
  end)

  it("a fully padded sequence gives the initial state (zeros)", function()
    local masked = pair(function() return L.GRU(4) end)
    local y = masked:predict(ember.tensor { { 0, 0, 0 }, { 1, 2, 0 } })
    assert.are.same({ 0, 0, 0, 0 }, gradcheck.values(y[{ { 1, 1 }, {} }]))
  end)

  it("without a mask (mask_zero = false) padding is read as data, as before", function()
    local masked, plain = pair(function() return L.LSTM(4) end)
    local x = padded(SEQS, false)
    assert.is_true(max_abs_diff(masked:predict(x), plain:predict(x)) > 1e-4)
  end)
end)

describe("Masking", function()
  it("masks the steps whose features all equal mask_value and zeroes them (Keras)", function()
    local m = ember.Sequential { L.Masking({ mask_value = -1, input_shape = { 3, 2 } }) }
    local y = m:predict(ember.tensor { { { 1, 2 }, { -1, -1 }, { -1, 5 } } })
    assert.are.same({ 1, 2, 0, 0, -1, 5 }, gradcheck.values(y))
  end)

  it("feeds an LSTM like an Embedding mask does", function()
    ember.seed(3)
    local lstm = L.LSTM(3)
    local m = ember.Sequential { L.Masking({ input_shape = { 4, 2 } }), lstm }
    local x = ember.tensor { { { 1, 2 }, { 3, 4 }, { 0, 0 }, { 0, 0 } } }
    local alone = ember.Sequential { L.LSTM(3, { input_shape = { 2, 2 } }) }
    alone:build()
    alone:set_weights(m:get_weights())
    assert.is_true(max_abs_diff(m:predict(x), alone:predict(ember.tensor { { { 1, 2 }, { 3, 4 } } })) < 1e-6)
  end)

  it("refuses an input of rank 2, naming the layer", function()
    local m = ember.Sequential { L.Masking() }
    local ok, err = pcall(m.predict, m, ember.tensor { { 1, 2 } })
    assert.is_false(ok)
    assert.matches("masking_%d+ %(Masking%): expected an input of rank 3 %(batch, time, features%)", err)
  end)

  it("refuses a non-finite or non-number mask_value", function()
    assert.has_error(function() L.Masking({ mask_value = 0 / 0 }) end)
    local ok, err = pcall(L.Masking, { mask_value = "x" })
    assert.is_false(ok)
    assert.matches("Masking: option 'mask_value'", err)
  end)
end)

describe("GlobalAveragePooling1D with a mask", function()
  it("averages over the unmasked steps only", function()
    local m = ember.Sequential { L.Masking({ input_shape = { 4, 2 } }), L.GlobalAveragePooling1D() }
    local y = m:predict(ember.tensor { { { 1, 2 }, { 3, 6 }, { 0, 0 }, { 0, 0 } }, { { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 } } })
    -- row 1: mean of 2 steps; row 2: every step masked -> 0 (Keras divides 0 by 0)
    assert.are.same({ 2, 4, 0, 0 }, gradcheck.values(y))
  end)

  it("after Embedding(mask_zero): a classifier over padded reviews", function()
    ember.seed(5)
    local m = ember.Sequential { L.Embedding(V, D, { mask_zero = true }), L.GlobalAveragePooling1D(), L.Dense(1) }
    local plain = ember.Sequential { L.Embedding(V, D), L.GlobalAveragePooling1D(), L.Dense(1) }
    m:build({ ember.None, ember.None })
    plain:build({ ember.None, ember.None })
    plain:set_weights(m:get_weights())
    local y = m:predict(padded(SEQS, true))
    for i, s in ipairs(SEQS) do
      assert.is_true(max_abs_diff(y[{ { i, i }, {} }], plain:predict(ember.tensor { s })) < 1e-6)
    end
  end)
end)

describe("layers and masks", function()
  it("Dense, Dropout, Activation and TimeDistributed pass the mask on to a recurrent layer", function()
    ember.seed(9)
    local m = ember.Sequential { L.Embedding(V, D, { mask_zero = true }), L.Dense(3), L.Dropout(0.5), L.Activation("tanh"),
      L.TimeDistributed(L.Dense(3)), L.SimpleRNN(2) }
    local p = ember.Sequential { L.Embedding(V, D), L.Dense(3), L.Dropout(0.5), L.Activation("tanh"),
      L.TimeDistributed(L.Dense(3)), L.SimpleRNN(2) }
    m:build({ ember.None, ember.None })
    p:build({ ember.None, ember.None })
    p:set_weights(m:get_weights())
    local y = m:predict(padded(SEQS, false))
    for i, s in ipairs(SEQS) do
      assert.is_true(max_abs_diff(y[{ { i, i }, {} }], p:predict(ember.tensor { s })) < 1e-6)
    end
  end)

  local refusing = {
    { "Flatten", function() return L.Flatten() end, "flatten_%d+ %(Flatten%)" },
    { "Conv1D", function() return L.Conv1D(2, 2) end, "conv1d_%d+ %(Conv1D%)" },
    { "MaxPooling1D", function() return L.MaxPooling1D(2) end, "max_pooling1d_%d+ %(MaxPooling1D%)" },
    { "GlobalMaxPooling1D", function() return L.GlobalMaxPooling1D() end, "global_max_pooling1d_%d+ %(GlobalMaxPooling1D%)" },
  }
  for _, case in ipairs(refusing) do
    it("a mask into " .. case[1] .. " is an error naming the layer", function()
      local m = ember.Sequential { L.Embedding(V, D, { mask_zero = true, input_length = LEN }), case[2](), L.Dense(1) }
      local ok, err = pcall(m.predict, m, padded(SEQS, false))
      assert.is_false(ok)
      assert.matches("predict: " .. case[3] .. ": cannot take a mask", err)
      ok, err = pcall(m.fit, m, padded(SEQS, false), ember.zeros { 4, 1 }, { verbose = 0 })
      assert.is_false(ok)
    end)
  end

  it("a recurrent layer without return_sequences consumes the mask (Flatten after it is fine)", function()
    local m = ember.Sequential { L.Embedding(V, D, { mask_zero = true }), L.LSTM(3), L.Dense(1) }
    assert.are.same({ 4, 1 }, m:predict(padded(SEQS, false)).shape)
    local m2 = ember.Sequential { L.Embedding(V, D, { mask_zero = true, input_length = LEN }),
      L.LSTM(3, { return_sequences = true }), L.Flatten() }
    local ok, err = pcall(m2.predict, m2, padded(SEQS, false))
    assert.is_false(ok)
    assert.matches("flatten_%d+ %(Flatten%): cannot take a mask", err)
  end)

  it("mask_zero with an input_dim where 0 is also a word: 0 is still padding (as Keras)", function()
    local m = ember.Sequential { L.Embedding(1, 2, { mask_zero = true }), L.SimpleRNN(2) }
    assert.are.same({ 0, 0 }, gradcheck.values(m:predict(ember.tensor { { 0, 0 } })))
  end)

  it("mask_zero needs ids of rank 2 (batch, time)", function()
    local ok, err = pcall(ember.Sequential, { L.Embedding(V, D, { mask_zero = true, input_shape = { 3, 4 } }) })
    assert.is_false(ok)
    assert.matches("mask_zero needs an input of rank 2", err)
  end)

  it("mask_zero must be a boolean", function()
    local ok, err = pcall(L.Embedding, V, D, { mask_zero = 1 })
    assert.is_false(ok)
    assert.matches("Embedding: option 'mask_zero'", err)
  end)

  it("a mask into an Embedding (after Masking) is an error naming it", function()
    local m = ember.Sequential { L.Masking({ input_shape = { 3, 1 } }), L.Embedding(V, D) }
    local ok, err = pcall(m.predict, m, ember.zeros { 2, 3, 1 })
    assert.is_false(ok)
    assert.matches("embedding_%d+ %(Embedding%): cannot take a mask", err)
  end)
end)

describe("gradients with masks", function()
  -- The embeddings' gradient covers the input gradient: row 0 (the padding
  -- id) must get exactly 0, the real ids what finite differences say.
  local function check_model(layers_after, opts)
    opts = opts or {}
    ember.seed(opts.seed or 4)
    local m = ember.Sequential { L.Embedding(V, D, { mask_zero = true }), table.unpack(layers_after()) }
    m:build({ ember.None, ember.None })
    local x = opts.gaps and ember.tensor { { 3, 0, 5, 0, 0, 7 }, { 0, 4, 0, 8, 2, 0 } } or padded(SEQS, opts.pre)
    assert.is_true(gradcheck.check(m, x, { training = opts.training, seed = 21, check_input = false }))
    -- the padding id's embedding row gets no gradient
    local params, grads = m:params()
    for _, g in ipairs(grads) do g:fill_(0) end
    ember.seed(21)
    local y = m:forward(x, true)
    m:backward(ember.ones(y.shape))
    assert.are.same({ 0, 0, 0 }, gradcheck.values(grads[1][{ { 1, 1 }, {} }]))
    local _ = params
  end

  for _, name in ipairs(NAMES) do
    it(name .. ", last output, post- and pre-padding", function()
      check_model(function() return { RNNS[name]() } end)
      check_model(function() return { RNNS[name]() } end, { pre = true })
    end)
    it(name .. ", masked steps in the middle, return_sequences", function()
      check_model(function() return { RNNS[name]({ return_sequences = true }) } end, { gaps = true })
    end)
    it(name .. ", go_backwards with return_sequences", function()
      if name:match("^Bidirectional") then
        check_model(function() return { RNNS[name]({ return_sequences = true }) } end)
      else
        check_model(function() return { RNNS[name]({ go_backwards = true, return_sequences = true }) } end)
      end
    end)
  end

  it("LSTM with dropout and recurrent_dropout in training", function()
    check_model(function() return { L.LSTM(3, { dropout = 0.3, recurrent_dropout = 0.3, return_sequences = true }) } end,
      { training = true })
  end)

  it("stacked: LSTM(return_sequences) -> TimeDistributed(Dense) -> GRU -> Dense", function()
    check_model(function()
      return { L.LSTM(3, { return_sequences = true }), L.TimeDistributed(L.Dense(2)), L.GRU(2), L.Dense(1) }
    end)
  end)

  it("GlobalAveragePooling1D over the unmasked steps", function()
    check_model(function() return { L.GlobalAveragePooling1D(), L.Dense(2) } end, { pre = true })
  end)

  -- Masking: the Dense after it sees its bias at the masked steps, which
  -- the LSTM ignores, so the bias gradient must leave those steps out.
  -- (The input itself is not probed: moving a padded entry unmasks it.)
  it("Masking -> Dense -> LSTM", function()
    ember.seed(6)
    local m = ember.Sequential { L.Masking({ input_shape = { 3, 2 } }), L.Dense(2), L.LSTM(2, { return_sequences = true }) }
    local x = ember.tensor { { { 1, 2 }, { 0.5, -1 }, { 0, 0 } }, { { 0, 0 }, { 2, 1 }, { -1, 1 } } }
    assert.is_true(gradcheck.check(m, x, { check_input = false }))
  end)
end)

describe("the loss over a masked output (sequence labelling, Keras 2.2's masked objective)", function()
  local function model()
    ember.seed(8)
    local m = ember.Sequential { L.Embedding(V, D, { mask_zero = true }), L.LSTM(4, { return_sequences = true }),
      L.TimeDistributed(L.Dense(3, { activation = "softmax" })) }
    m:compile { optimizer = ember.optimizers.SGD { lr = 0.5 }, loss = "sparse_categorical_crossentropy",
      metrics = { "acc" } }
    return m
  end
  local x = padded(SEQS, false)
  local function labels(fill)  -- class ids at real steps; `fill` at the padding
    local rows = {}
    for i, s in ipairs(SEQS) do
      rows[i] = {}
      for t = 1, LEN do rows[i][t] = t <= #s and s[t] % 3 or fill end
    end
    return ember.tensor(rows, { dtype = "int32" })
  end

  it("loss and accuracy cover the unmasked steps only", function()
    local m = model()
    local y = labels(2)
    local p = m:predict(x)
    local total, n, correct = 0, 0, 0
    for i, s in ipairs(SEQS) do
      for t = 1, #s do
        local cls = s[t] % 3
        total = total - math.log(p:get(i, t, cls + 1))
        local best = 1
        for c = 2, 3 do if p:get(i, t, c) > p:get(i, t, best) then best = c end end
        correct = correct + (best == cls + 1 and 1 or 0)
        n = n + 1
      end
    end
    local loss, metrics = m:evaluate(x, y, { verbose = 0, batch_size = 4 })
    assert.is_true(math.abs(loss - total / n) < 1e-5, ("evaluate %.6f, by hand %.6f"):format(loss, total / n))
    local acc = metrics.acc or metrics[1]
    assert.is_true(math.abs(acc - correct / n) < 1e-6, ("acc %s, by hand %s"):format(tostring(acc), correct / n))
  end)

  it("the targets at padded steps change nothing in training", function()
    local a, b = model(), model()
    a:train_on_batch(x, labels(0))
    b:train_on_batch(x, labels(2))
    local wa, wb = a:get_weights(), b:get_weights()
    for i = 1, #wa do assert.are.equal(0, max_abs_diff(wa[i], wb[i])) end
    -- while without a mask they do
    ember.seed(8)
    local c = ember.Sequential { L.Embedding(V, D), L.LSTM(4, { return_sequences = true }),
      L.TimeDistributed(L.Dense(3, { activation = "softmax" })) }
    c:compile { optimizer = ember.optimizers.SGD { lr = 0.5 }, loss = "sparse_categorical_crossentropy" }
    local d = ember.Sequential { L.Embedding(V, D), L.LSTM(4, { return_sequences = true }),
      L.TimeDistributed(L.Dense(3, { activation = "softmax" })) }
    d:compile { optimizer = ember.optimizers.SGD { lr = 0.5 }, loss = "sparse_categorical_crossentropy" }
    d:set_weights(c:get_weights())
    c:train_on_batch(x, labels(0))
    d:train_on_batch(x, labels(2))
    assert.is_true(max_abs_diff(c:get_weights()[1], d:get_weights()[1]) > 0)
  end)

  it("a masked sequence-labelling model learns", function()
    local m = model()
    m:compile { optimizer = ember.optimizers.RMSprop { lr = 0.05 }, loss = "sparse_categorical_crossentropy" }
    local h = m:fit(x, labels(0), { epochs = 30, verbose = 0 })
    assert.is_true(h.history.loss[30] < 0.5 * h.history.loss[1],
      ("loss %.3f -> %.3f"):format(h.history.loss[1], h.history.loss[30]))
  end)

  it("targets that do not fit the output are still an error naming 'y'", function()
    local m = model()
    local ok, err = pcall(m.evaluate, m, x, ember.zeros({ 4, 5 }, { dtype = "int32" }), { verbose = 0 })
    assert.is_false(ok)
    assert.matches("argument 'y'", err)
  end)
end)

describe("masked training repeats bit for bit", function()
  it("on 1 and 2 threads (blocks of rows, as without a mask)", function()
    local saved = ember.num_threads()
    local function train(threads)
      ember.set_num_threads(threads)
      ember.seed(13)
      local m = ember.Sequential { L.Embedding(V, D, { mask_zero = true }),
        L.Bidirectional(L.LSTM(4, { return_sequences = true })), L.GRU(3), L.Dense(1) }
      m:compile { optimizer = "rmsprop", loss = "mse" }
      local seqs = {}
      for i = 1, 40 do seqs[i] = SEQS[(i - 1) % #SEQS + 1] end
      m:fit(padded(seqs, true), ember.randn { 40, 1 }, { epochs = 2, batch_size = 40, verbose = 0 })
      return m:get_weights()
    end
    local a, b = train(1), train(2)
    ember.set_num_threads(saved)
    for i = 1, #a do assert.are.equal(0, max_abs_diff(a[i], b[i])) end
  end)
end)
