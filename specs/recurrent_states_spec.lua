-- Recurrent states (issue 16, part 2), Keras 2.2 semantics: stateful layers
-- carry each batch's final states into the next batch (row i continues row
-- i), return_state returns the final states, initial_state starts from
-- given ones, with gradients both ways; reset_states; model:predict over
-- consecutive calls.  The canonical check: a stateful run over a long
-- sequence cut in chunks equals one run over the whole sequence, for each
-- cell, with and without masks, on 1 and 2 threads (the batch is cut into
-- blocks of 16 rows run in parallel: the carried state must follow the rows).
local gradcheck = require "support.gradcheck"
local L = ember.layers

local function max_diff(a, b)
  local x, y = gradcheck.values(a), gradcheck.values(b)
  assert.are.equal(#y, #x)
  local m = 0
  for i = 1, #x do m = math.max(m, math.abs(x[i] - y[i])) end
  return m
end

local function close(a, b, tol, what)
  local d = max_diff(a, b)
  if d > (tol or 1e-5) then error(("%s: max difference %g"):format(what or "tensors", d), 2) end
end

-- x[:, t0 .. t0+n-1, :] as a contiguous tensor.
local function steps(x, t0, n) return x:narrow(2, t0, n):contiguous() end

-- Input whose rows have zero (masked) steps here and there, for Masking.
local function masked_input(B, T, F, seed)
  ember.seed(seed)
  local v = gradcheck.values(ember.randn { B, T, F })
  for b = 1, B do
    for t = 1, T do
      if (b * 7 + t * 3) % 5 == 0 then
        for f = 1, F do v[((b - 1) * T + (t - 1)) * F + f] = 0 end
      end
    end
  end
  return gradcheck.tensor({ B, T, F }, v)
end

local CELLS = {
  { "SimpleRNN", {} }, { "LSTM", {} }, { "GRU", {} }, { "GRU", { reset_after = true } },
}

local function cell(kind, extra, opts)
  local o = {}
  for k, v in pairs(extra) do o[k] = v end
  for k, v in pairs(opts) do o[k] = v end
  return L[kind](5, o)
end

-- Whole sequence through a plain model vs the same weights in a stateful
-- model fed chunk by chunk (predict), optionally through Masking.
local function chunk_check(kind, extra, opts)
  local B, T, F, chunk = opts.B or 40, 12, 3, 4
  local seq = opts.return_sequences
  ember.seed(4)
  local x = opts.masked and masked_input(B, T, F, 9) or ember.randn { B, T, F }
  local function model(stateful, shape)
    local first = opts.masked and { L.Masking(shape) } or {}
    local rnn = cell(kind, extra, { return_sequences = seq, stateful = stateful or nil,
      go_backwards = opts.go_backwards, input_shape = not opts.masked and shape.input_shape or nil,
      batch_input_shape = not opts.masked and shape.batch_input_shape or nil })
    first[#first + 1] = rnn
    return ember.Sequential(first), rnn
  end
  local whole, wr = model(false, { input_shape = { T, F } })
  local chunked, cr = model(true, { batch_input_shape = { B, chunk, F } })
  cr:set_weights(wr:get_weights())
  local want = whole:predict(x, { batch_size = B })
  -- go_backwards reads the sequence last step first: its chunks go in reverse order
  local order = {}
  for k = 1, T / chunk do order[k] = opts.go_backwards and T / chunk - k + 1 or k end
  local got
  for i, k in ipairs(order) do
    local y = chunked:predict(steps(x, (k - 1) * chunk + 1, chunk), { batch_size = B })
    if seq then
      close(y, steps(want, (k - 1) * chunk + 1, chunk), 2e-5, ("%s chunk %d"):format(kind, k))
    end
    if i == #order then got = y end
  end
  if not seq then close(got, want, 2e-5, kind .. " last output") end
  -- reset_states: the next chunk starts from 0 again, as a fresh run of that chunk
  chunked:reset_states()
  local first = steps(x, 1, chunk)
  local fresh = model(false, { input_shape = { chunk, F } })
  fresh.layers[#fresh.layers]:set_weights(wr:get_weights())
  close(chunked:predict(first, { batch_size = B }), fresh:predict(first, { batch_size = B }), 1e-6, "after reset")
end

describe("stateful recurrent layers", function()
  local saved
  before_each(function() saved = ember.num_threads() end)
  after_each(function() ember.set_num_threads(saved) end)

  for _, c in ipairs(CELLS) do
    local kind, extra = c[1], c[2]
    local label = kind .. (extra.reset_after and "(reset_after)" or "")
    for _, threads in ipairs { 1, 2 } do
      it(("%s: chunks equal the whole sequence (%d thread%s, 3 blocks of rows)"):format(label, threads,
        threads > 1 and "s" or ""), function()
        ember.set_num_threads(threads)
        chunk_check(kind, extra, {})
        chunk_check(kind, extra, { return_sequences = true })
      end)
    end
    it(label .. ": chunks equal the whole sequence with a mask (Masking), 2 threads", function()
      ember.set_num_threads(2)
      chunk_check(kind, extra, { masked = true, return_sequences = true })
      chunk_check(kind, extra, { masked = true })
    end)
    it(label .. ": go_backwards carries the state as Keras (chunks in reverse order = whole run)", function()
      chunk_check(kind, extra, { go_backwards = true })
      chunk_check(kind, extra, { go_backwards = true, masked = true, B = 7 })
    end)
  end

  it("Bidirectional: each half carries its own final states (= initial_state from return_state)", function()
    ember.seed(5)
    local B, T, F = 6, 5, 3
    local stateful = L.Bidirectional(L.LSTM(4, { stateful = true }), { batch_input_shape = { B, T, F } })
    local plain = L.Bidirectional(L.LSTM(4, { return_state = true }))
    local m = ember.Sequential { stateful }
    plain:build({ ember.None, T, F })
    plain:set_weights(stateful:get_weights())
    local x1, x2 = ember.randn { B, T, F }, ember.randn { B, T, F }
    m:predict(x1, { batch_size = B })
    local got = m:predict(x2, { batch_size = B })
    local _, fh, fc, bh, bc = plain:forward(x1)
    fh, fc, bh, bc = fh:clone(), fc:clone(), bh:clone(), bc:clone()
    local want = plain:forward(x2, { initial_state = { fh, fc, bh, bc } })
    close(got, want, 1e-5, "Bidirectional stateful")
    -- reset_states(values) on the wrapper: the forward half's states, then the backward half's
    stateful:reset_states({ fh, fc, bh, bc })
    close(m:predict(x2, { batch_size = B }), want, 1e-5, "Bidirectional reset_states(values)")
    m:reset_states()
    close(m:predict(x2, { batch_size = B }), plain:forward(x2), 1e-5, "Bidirectional after reset")
  end)

  it("reset_states(values) equals initial_state = values; a layer's forward carries its state too", function()
    ember.seed(6)
    local B, T, F = 3, 4, 2
    local s = L.LSTM(3, { stateful = true })
    local p = L.LSTM(3)
    local x = ember.randn { B, T, F }
    s:forward(x)  -- builds with this batch size (a layer called directly learns it from x)
    p:forward(x)
    p:set_weights(s:get_weights())
    local h, c = ember.randn { B, 3 }, ember.randn { B, 3 }
    s:reset_states({ h, c })
    local want = p:forward(x, { initial_state = { h, c } }):clone()
    close(s:forward(x), want, 1e-6, "reset_states(values)")
    -- the next forward continues from that one's final states
    local r = L.LSTM(3, { return_state = true })
    r:forward(x)
    r:set_weights(s:get_weights())
    local _, h1, c1 = r:forward(x, { initial_state = { h, c } })
    h1, c1 = h1:clone(), c1:clone()
    close(s:forward(x), p:forward(x, { initial_state = { h1, c1 } }), 1e-6, "carried")
    -- a given initial_state wins over the carried one (Keras)
    close(s:forward(x, { initial_state = { h, c } }), want, 1e-6, "initial_state over carried state")
    s:reset_states()
    close(s:forward(x), p:forward(x), 1e-6, "reset to 0")
  end)

  it("fit carries the state from batch to batch (row i continues row i), evaluate and predict too", function()
    ember.seed(7)
    local B, T, F = 4, 3, 2
    local function make(stateful, shape)
      local rnn = L.GRU(3, { stateful = stateful, batch_input_shape = shape,
        input_shape = not shape and { ember.None, F } or nil })
      return ember.Sequential { rnn }, rnn
    end
    local m, r = make(true, { B, T, F })
    local w, wr = make(false)
    wr:set_weights(r:get_weights())
    m:compile { optimizer = ember.optimizers.SGD { lr = 0 }, loss = "mse" }
    -- rows 1..B then B+1..2B: the second batch continues the first, row by row
    local long = ember.randn { B, 3 * T, F }
    local x = ember.zeros { 2 * B, T, F }
    x:narrow(1, 1, B):copy_(steps(long, 1, T))
    x:narrow(1, B + 1, B):copy_(steps(long, T + 1, T))
    m:fit(x, ember.zeros { 2 * B, 3 }, { batch_size = B, epochs = 1, shuffle = false, verbose = 0 })
    local want = w:predict(long, { batch_size = B })  -- the whole 3T sequence at once
    close(m:predict(steps(long, 2 * T + 1, T), { batch_size = B }), want, 2e-5, "after fit")
    -- evaluate also moves the state on (Keras: every call updates it)
    m:reset_states()
    m:evaluate(steps(long, 1, T), ember.zeros { B, 3 }, { batch_size = B, verbose = 0 })
    m:predict(steps(long, T + 1, T), { batch_size = B })
    close(m:predict(steps(long, 2 * T + 1, T), { batch_size = B }), want, 2e-5, "evaluate + predict")
  end)

  it("the state is not differentiated across batches (truncated BPTT): gradients as a fresh run from the carried state", function()
    ember.seed(8)
    local B, T, F = 2, 3, 2
    local s = L.SimpleRNN(3, { stateful = true, return_state = true })
    local p = L.SimpleRNN(3)
    local x1, x2 = ember.randn { B, T, F }, ember.randn { B, T, F }
    local _, h = s:forward(x1)
    h = h:clone()
    p:forward(x1)
    p:set_weights(s:get_weights())
    local dy = ember.randn { B, 3 }
    s:zero_grads(); p:zero_grads()
    s:forward(x2, true)
    local dxs, extra = s:backward(dy)
    assert.is_nil(extra)  -- no initial state was given: nothing more comes back
    p:forward(x2, { training = true, initial_state = { h } })
    local dxp = p:backward(dy)
    close(dxs, dxp, 1e-6, "dx")
    local _, gs = s:params()
    local _, gp = p:params()
    for i = 1, #gs do close(gs[i], gp[i], 1e-6, "weight gradient " .. i) end
  end)
end)

-- L = sum(y .* ry) + sum(h .* rh) [+ sum(c .* rc)]: the loss uses the returned states.
local function loss_of(outs, rs)
  local total = 0
  for i, o in ipairs(outs) do
    local v = gradcheck.values(o)
    for k = 1, #v do total = total + v[k] * rs[i][k] end
  end
  return total
end

-- Finite differences on x, every initial state and every weight, against
-- backward(dy, state_grads), for a layer with return_state and initial_state.
local function state_gradcheck(layer, x, inits)
  local eps, rtol, atol = 1e-2, 2e-2, 1e-3
  local function forward() return table.pack(layer:forward(x, { training = true, initial_state = inits })) end
  local outs = forward()
  local rs, seed = {}, 17
  for i = 1, outs.n do
    rs[i] = {}
    for k = 1, outs[i]:numel() do
      seed = (seed * 1103515245 + 12345) % 2147483648
      rs[i][k] = seed / 1073741824 - 1
    end
  end
  local params, grads, names = layer:params()
  for _, g in ipairs(grads) do g:fill_(0) end
  outs = forward()
  local sg = {}
  for i = 2, outs.n do sg[i - 1] = gradcheck.tensor(outs[i].shape, rs[i]) end
  local back = table.pack(layer:backward(gradcheck.tensor(outs[1].shape, rs[1]), sg))
  assert.are.equal(1 + #inits, back.n)  -- dx, then one gradient per initial state
  local targets = { { "input", x, gradcheck.values(back[1]) } }
  for i, t in ipairs(inits) do targets[#targets + 1] = { "initial state " .. i, t, gradcheck.values(back[i + 1]) } end
  for i, p in ipairs(params) do targets[#targets + 1] = { names[i], p, gradcheck.values(grads[i]) } end
  local failures = {}
  for _, tg in ipairs(targets) do
    local what, t, analytic = tg[1], tg[2], tg[3]
    local n = t:numel()
    local flat = t:view({ n })
    for k = 1, n, math.max(1, n // 25) do
      local orig = flat:get(k)
      flat:set(k, orig + eps)
      local lp = loss_of(forward(), rs)
      flat:set(k, orig - eps)
      local lm = loss_of(forward(), rs)
      flat:set(k, orig)
      local numeric = (lp - lm) / (2 * eps)
      if math.abs(analytic[k] - numeric) > atol + rtol * math.max(math.abs(analytic[k]), math.abs(numeric)) then
        failures[#failures + 1] = ("%s[%d]: analytic %.6g, numeric %.6g"):format(what, k, analytic[k], numeric)
      end
    end
  end
  if #failures > 0 then error(table.concat(failures, "\n"), 2) end
end

describe("return_state and initial_state", function()
  it("return_state: the output then h (SimpleRNN, GRU) or h, c (LSTM); h is the last output", function()
    ember.seed(1)
    local x = ember.randn { 3, 5, 2 }
    for _, kind in ipairs { "SimpleRNN", "GRU", "LSTM" } do
      local layer = L[kind](4, { return_state = true })
      local outs = table.pack(layer:forward(x))
      assert.are.equal(kind == "LSTM" and 3 or 2, outs.n)
      for i = 2, outs.n do assert.are.same({ 3, 4 }, outs[i].shape) end
      close(outs[1], outs[2], 0, kind .. " h = last output")
      local seq = L[kind](4, { return_state = true, return_sequences = true })
      seq:forward(x)
      seq:set_weights(layer:get_weights())
      local s = table.pack(seq:forward(x))
      assert.are.same({ 3, 5, 4 }, s[1].shape)
      close(steps(s[1], 5, 1):view({ 3, 4 }), outs[2], 0, kind .. " h = last step")
      if kind == "LSTM" then close(s[3], outs[3], 0, "c") end
    end
  end)

  it("Bidirectional with return_state: output, forward states, backward states (Keras)", function()
    ember.seed(2)
    local x = ember.randn { 2, 4, 3 }
    local bi = L.Bidirectional(L.LSTM(3, { return_state = true }))
    local outs = table.pack(bi:forward(x))
    assert.are.equal(5, outs.n)
    close(steps(outs[1]:view({ 2, 1, 6 }), 1, 1):narrow(3, 1, 3):contiguous():view({ 2, 3 }), outs[2], 0, "forward h")
    close(outs[1]:narrow(2, 4, 3):contiguous(), outs[4], 0, "backward h")
  end)

  for _, kind in ipairs { "SimpleRNN", "LSTM", "GRU" } do
    it(kind .. ": gradcheck of a loss on the output and the returned states, from given initial states", function()
      ember.seed(3)
      local B, T, F, U = 2, 4, 3, 3
      for _, seq in ipairs { false, true } do
        local layer = L[kind](U, { return_state = true, return_sequences = seq })
        local x = ember.randn { B, T, F }
        local inits = { ember.randn { B, U } }
        if kind == "LSTM" then inits[2] = ember.randn { B, U } end
        layer:forward(x)
        state_gradcheck(layer, x, inits)
      end
    end)
  end

  it("GRU(reset_after) and go_backwards with recurrent dropout: gradcheck with initial states", function()
    ember.seed(4)
    local x, h0 = ember.randn { 2, 4, 3 }, ember.randn { 2, 3 }
    local g = L.GRU(3, { return_state = true, reset_after = true, go_backwards = true })
    g:forward(x)
    state_gradcheck(g, x, { h0 })
  end)

  it("Bidirectional(GRU): gradcheck with both halves' initial and returned states", function()
    ember.seed(5)
    local x = ember.randn { 2, 3, 2 }
    local bi = L.Bidirectional(L.GRU(2, { return_state = true, return_sequences = true }))
    bi:forward(x)
    state_gradcheck(bi, x, { ember.randn { 2, 2 }, ember.randn { 2, 2 } })
  end)

  it("a gradient on the states alone (dy nil) reaches the input and the initial states", function()
    ember.seed(6)
    local layer = L.LSTM(3, { return_state = true })
    local x, h0, c0 = ember.randn { 2, 4, 3 }, ember.randn { 2, 3 }, ember.randn { 2, 3 }
    layer:forward(x, { training = true, initial_state = { h0, c0 } })
    local dx, dh0, dc0 = layer:backward(nil, { nil, ember.ones { 2, 3 } })
    assert.are.same({ 2, 4, 3 }, dx.shape)
    assert.is_true(max_diff(dc0, ember.zeros { 2, 3 }) > 0)
    assert.are.same({ 2, 3 }, dh0.shape)
  end)

  it("masked steps keep the given initial state (Keras): an all-masked row returns it at every step", function()
    ember.seed(7)
    local B, T, F = 3, 4, 2
    local x, h0 = ember.randn { B, T, F }, ember.randn { B, 3 }
    local mask = ember.ones { B, T }
    mask:narrow(1, 2, 1):fill_(0)  -- row 2 is all padding
    for _, kind in ipairs { "GRU", "LSTM" } do
      local layer = L[kind](3, { return_state = true, return_sequences = true })
      local c0 = ember.randn { B, 3 }
      local inits = kind == "LSTM" and { h0, c0 } or { h0 }
      local y, h, c = layer:forward(x, { initial_state = inits, mask = mask })
      close(h:narrow(1, 2, 1):contiguous(), h0:narrow(1, 2, 1):contiguous(), 0, kind .. " final h of the masked row")
      if c then close(c:narrow(1, 2, 1):contiguous(), c0:narrow(1, 2, 1):contiguous(), 0, "final c of the masked row") end
      for t = 1, T do
        close(y:narrow(1, 2, 1):narrow(2, t, 1):contiguous():view({ 1, 3 }), h0:narrow(1, 2, 1):contiguous(), 0,
          kind .. " output of the masked row")
      end
      -- the unmasked rows moved away from h0
      assert.is_true(max_diff(h:narrow(1, 1, 1):contiguous(), h0:narrow(1, 1, 1):contiguous()) > 1e-3)
      -- and the gradient check holds with the mask
      local g = L[kind](3, { return_state = true })
      g:forward(x)
      local fwd = g.forward
      g.forward = function(self, xx, o) o.mask = mask return fwd(self, xx, o) end
      state_gradcheck(g, x, inits)
    end
  end)
end)

describe("recurrent states: errors name the layer and the argument", function()
  local x = ember.zeros { 3, 5, 2 }
  local function err_of(f, ...)
    local ok, e = pcall(f, ...)
    assert.is_false(ok)
    return tostring(e)
  end

  it("initial_state: wrong count, shape, dtype, type; not a recurrent layer", function()
    local lstm = L.LSTM(4, { name = "enc" })
    assert.matches("enc %(LSTM%): argument 'initial_state' expected 2 tensors %(h and c%), got 1",
      err_of(lstm.forward, lstm, x, { initial_state = { ember.zeros { 3, 4 } } }))
    assert.matches("enc %(LSTM%): argument 'initial_state' entry 2 expected shape {3,4} %(batch, units%), got {2,4}",
      err_of(lstm.forward, lstm, x, { initial_state = { ember.zeros { 3, 4 }, ember.zeros { 2, 4 } } }))
    assert.matches("enc %(LSTM%): argument 'initial_state' entry 1 expected a float32 tensor, got int32",
      err_of(lstm.forward, lstm, x, { initial_state = { ember.zeros({ 3, 4 }, { dtype = "int32" }), ember.zeros { 3, 4 } } }))
    assert.matches("enc %(LSTM%): argument 'initial_state' entry 2 expected a tensor, got string",
      err_of(lstm.forward, lstm, x, { initial_state = { ember.zeros { 3, 4 }, "c" } }))
    assert.matches("enc %(LSTM%): argument 'initial_state' expected a list of 2 tensors, got number",
      err_of(lstm.forward, lstm, x, { initial_state = 3 }))
    assert.matches("enc%.forward: unknown option 'initial_states'",
      err_of(lstm.forward, lstm, x, { initial_states = {} }))
    local d = L.Dense(2, { name = "d" })
    assert.matches("d %(Dense%): option 'initial_state' is for recurrent layers",
      err_of(d.forward, d, ember.zeros { 3, 2 }, { initial_state = { ember.zeros { 3, 2 } } }))
    local bi = L.Bidirectional(L.GRU(2), { name = "bi" })
    assert.matches("bi %(Bidirectional%): argument 'initial_state' expected 2 tensors",
      err_of(bi.forward, bi, x, { initial_state = { ember.zeros { 3, 2 } } }))
    -- nothing was left behind: a plain call still works
    assert.are.same({ 3, 4 }, lstm:forward(x).shape)
  end)

  it("stateful: no batch size, a batch of another size, reset_states misuse", function()
    assert.matches("lstm_stateful %(LSTM%): If a RNN is stateful, it needs to know its batch size",
      err_of(ember.Sequential, { L.LSTM(3, { stateful = true, input_shape = { 5, 2 }, name = "lstm_stateful" }) }))
    local m = ember.Sequential { L.GRU(3, { stateful = true, batch_size = 4, input_shape = { 5, 2 }, name = "g" }) }
    assert.are.same({ 4, 3 }, m.output_shape)
    assert.matches("g %(GRU%): stateful with a batch size of 4 %(fixed when it was built%), got a batch of 3",
      err_of(m.predict, m, x, { batch_size = 3 }))
    local g = m.layers[1]
    assert.matches("g%.reset_states: argument 'states' expected 1 tensors %(h%), got 2",
      err_of(g.reset_states, g, { ember.zeros { 4, 3 }, ember.zeros { 4, 3 } }))
    assert.matches("g%.reset_states: argument 'states' entry 1 expected shape {4,3} %(batch, units%), got {3,3}",
      err_of(g.reset_states, g, { ember.zeros { 3, 3 } }))
    assert.matches("g%.reset_states: argument 'states' entry 1 expected a float32 tensor, got int32",
      err_of(g.reset_states, g, { ember.zeros({ 4, 3 }, { dtype = "int32" }) }))
    assert.matches("g%.reset_states: argument 'states' expected a list of tensors, got string",
      err_of(g.reset_states, g, "zeros"))
    local plain = L.LSTM(3, { name = "p" })
    assert.matches("p%.reset_states: the layer is not stateful", err_of(plain.reset_states, plain))
    local fresh = L.LSTM(3, { stateful = true, name = "f" })
    fresh:reset_states()  -- nothing carried yet: fine
    assert.matches("f%.reset_states: the layer is not built yet", err_of(fresh.reset_states, fresh, { ember.zeros { 1, 3 } }))
    local bi = L.Bidirectional(L.LSTM(2, { stateful = true }), { batch_input_shape = { 4, 5, 2 }, name = "bis" })
    ember.Sequential { bi }
    assert.matches("bis%.reset_states: argument 'states' expected 4 tensors", err_of(bi.reset_states, bi, { ember.zeros { 4, 2 } }))
    -- the backward half's value is wrong: the forward half is left unchanged too (nothing half-applied)
    local mb = ember.Sequential { bi }
    local v = { ember.randn { 4, 2 }, ember.randn { 4, 2 }, ember.randn { 4, 2 }, ember.randn { 4, 2 } }
    local x4 = ember.randn { 4, 5, 2 }
    bi:reset_states(v)
    local before = mb:predict(x4, { batch_size = 4 })
    bi:reset_states(v)
    assert.matches("bis%.reset_states: argument 'states' entry 1 expected shape {4,2} %(batch, units%), got {4,3}",
      err_of(bi.reset_states, bi, { ember.zeros { 4, 2 }, ember.zeros { 4, 2 }, ember.zeros { 4, 3 }, ember.zeros { 4, 2 } }))
    close(mb:predict(x4, { batch_size = 4 }), before, 0, "states after a refused reset_states")
  end)

  it("batch_size option: a positive integer, with input_shape, not with batch_input_shape", function()
    assert.matches("LSTM: option 'batch_size' expected a positive integer, got 0",
      err_of(L.LSTM, 3, { batch_size = 0, input_shape = { 5, 2 } }))
    assert.matches("LSTM: option 'batch_size' needs input_shape", err_of(L.LSTM, 3, { batch_size = 4 }))
    assert.matches("LSTM: options 'batch_size' and 'batch_input_shape' both give the batch size",
      err_of(L.LSTM, 3, { batch_size = 4, input_shape = { 5, 2 }, batch_input_shape = { 4, 5, 2 } }))
  end)

  it("return_state in a Sequential is refused (Keras: a single output tensor per layer)", function()
    assert.matches("lstm_rs %(LSTM%) has return_state = true and gives several tensors",
      err_of(ember.Sequential, { L.LSTM(3, { return_state = true, input_shape = { 5, 2 }, name = "lstm_rs" }) }))
    local m = ember.Sequential()
    assert.matches("bi_rs %(Bidirectional%) has return_state", err_of(m.add, m,
      L.Bidirectional(L.GRU(3, { return_state = true }), { name = "bi_rs" })))
  end)

  it("backward: state_grads only with return_state, each a tensor of the state's shape", function()
    local lstm = L.LSTM(4, { name = "s" })
    lstm:forward(x, true)
    assert.matches("s %(LSTM%): argument 'state_grads' is for a recurrent layer with return_state = true",
      err_of(lstm.backward, lstm, ember.zeros { 3, 4 }, { ember.zeros { 3, 4 } }))
    local r = L.LSTM(4, { name = "r", return_state = true })
    r:forward(x, true)
    assert.matches("r %(LSTM%): argument 'state_grads' entry 2 expected a tensor, got string",
      err_of(r.backward, r, ember.zeros { 3, 4 }, { ember.zeros { 3, 4 }, "dc" }))
    assert.matches("r %(LSTM%): argument 'state_grads' expected at most 2 tensors",
      err_of(r.backward, r, ember.zeros { 3, 4 }, { nil, nil, ember.zeros { 3, 4 } }))
    assert.matches("r %(LSTM%): the gradient of returned state 1 expected a float32 tensor of shape {3,4}, got float32 {2,4}",
      err_of(r.backward, r, ember.zeros { 3, 4 }, { ember.zeros { 2, 4 } }))
    assert.matches("r %(LSTM%): argument 'dy' expected a tensor, got nil", err_of(r.backward, r, nil))
    -- after the errors a correct backward still works
    assert.are.same({ 3, 5, 2 }, r:backward(ember.zeros { 3, 4 }, { ember.ones { 3, 4 } }).shape)
  end)
end)

-- PyTorch's RNN, LSTM, GRU and bidirectional LSTM started from h0 (and c0):
-- outputs and final states (live when python3 has torch, pending otherwise).

describe("initial_state and return_state agree with PyTorch", function()
  it("SimpleRNN, LSTM, GRU(reset_after), Bidirectional(LSTM) from given states", function()
    local PY = require("support.python").with("torch", "numpy")
    if not PY then
      pending("python3 with torch is not installed")
      return
    end
    ember.seed(21)
    local B, T, F, U = 3, 5, 2, 4
    local x, h0, c0 = ember.randn { B, T, F }, ember.randn { B, U }, ember.randn { B, U }
    local layers = {
      rnn = L.SimpleRNN(U, { return_sequences = true, return_state = true }),
      lstm = L.LSTM(U, { return_sequences = true, return_state = true }),
      gru = L.GRU(U, { return_sequences = true, return_state = true, reset_after = true }),
      bi = L.Bidirectional(L.LSTM(3, { return_sequences = true, return_state = true })),
    }
    local arrays = { x = x, h0 = h0, c0 = c0 }
    local bstates = { ember.randn { B, 3 }, ember.randn { B, 3 }, ember.randn { B, 3 }, ember.randn { B, 3 } }
    arrays.bh0, arrays.bc0, arrays.bh1, arrays.bc1 = table.unpack(bstates)
    for name, layer in pairs(layers) do
      layer:build({ ember.None, T, F })
      for i, w in ipairs(layer:get_weights()) do
        if i % 3 ~= 0 then arrays[("%s_w%d"):format(name, i)] = w
        else  -- a nonzero bias (PyTorch's bias_hh is set to 0: the whole bias is Keras's)
          local b = ember.randn(w.shape)
          layer.core:params()[i]:copy_(b)
          arrays[("%s_w%d"):format(name, i)] = b
        end
      end
    end
    local dir = os.tmpname()
    ember.save(dir .. ".in.npz", arrays)
    local ok = os.execute(("%s specs/support/states_torch.py %s.in.npz %s.out.npz"):format(PY, dir, dir))
    local want = ok and ember.load(dir .. ".out.npz")
    os.remove(dir .. ".in.npz"); os.remove(dir .. ".out.npz"); os.remove(dir)
    assert(ok, "states_torch.py failed")
    local y, h = layers.rnn:forward(x, { initial_state = { h0 } })
    close(y, want.rnn_y, 2e-5, "SimpleRNN output"); close(h, want.rnn_h, 2e-5, "SimpleRNN h")
    local c
    y, h, c = layers.lstm:forward(x, { initial_state = { h0, c0 } })
    close(y, want.lstm_y, 2e-5, "LSTM output"); close(h, want.lstm_h, 2e-5, "LSTM h"); close(c, want.lstm_c, 2e-5, "LSTM c")
    y, h = layers.gru:forward(x, { initial_state = { h0 } })
    close(y, want.gru_y, 2e-5, "GRU output"); close(h, want.gru_h, 2e-5, "GRU h")
    local fh, fc, bh, bc
    y, fh, fc, bh, bc = layers.bi:forward(x, { initial_state = bstates })
    close(y, want.bi_y, 2e-5, "Bidirectional output")
    close(fh, want.bi_fh, 2e-5, "forward h"); close(fc, want.bi_fc, 2e-5, "forward c")
    close(bh, want.bi_bh, 2e-5, "backward h"); close(bc, want.bi_bc, 2e-5, "backward c")
  end)
end)
