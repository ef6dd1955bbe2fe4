-- The cells against their formulas written out by hand: tiny tensors,
-- known weights set through set_weights, a plain-Lua loop over timesteps
-- (Keras 2 formulas, gate orders LSTM i,f,c,o and GRU z,r,h).
local L = ember.layers

local function sigmoid(x) return 1 / (1 + math.exp(-x)) end
local function hard_sigmoid(x) return math.max(0, math.min(1, 0.2 * x + 0.5)) end
local function tanh(x)
  local e = math.exp(2 * x)
  return (e - 1) / (e + 1)
end
local function relu(x) return x > 0 and x or 0 end
local acts = { sigmoid = sigmoid, hard_sigmoid = hard_sigmoid, tanh = tanh, relu = relu }

-- Deterministic weight values in [-0.5, 0.5].
local function values(rows, cols, salt)
  local m = {}
  for i = 1, rows do
    m[i] = {}
    for j = 1, cols do m[i][j] = ((i * 7 + j * 3 + salt * 5) % 11 - 5) / 10 end
  end
  return m
end

-- row vector v (n) times matrix M (n x k), columns c0+1 .. c0+len
local function vecmat(v, M, c0, len)
  local out = {}
  for j = 1, len do
    local s = 0
    for i = 1, #v do s = s + v[i] * M[i][c0 + j] end
    out[j] = s
  end
  return out
end

local function zeros(n)
  local z = {}
  for j = 1, n do z[j] = 0 end
  return z
end

-- One step of each cell.  x (F), h (U), c (U); W, Uk matrices; b list
-- (for GRU reset_after: {input bias row, recurrent bias row}).
local step = {}

function step.SimpleRNN(o, x, h, W, Uk, b)
  local a, u = acts[o.activation or "tanh"], o.units
  local xw, hu = vecmat(x, W, 0, u), vecmat(h, Uk, 0, u)
  local out = {}
  for j = 1, u do out[j] = a(xw[j] + hu[j] + b[j]) end
  return out
end

function step.LSTM(o, x, h, W, Uk, b, c)
  local a, ra, u = acts[o.activation or "tanh"], acts[o.recurrent_activation or "sigmoid"], o.units
  local function gate(k, f)
    local xw, hu = vecmat(x, W, k * u, u), vecmat(h, Uk, k * u, u)
    local g = {}
    for j = 1, u do g[j] = f(xw[j] + hu[j] + b[k * u + j]) end
    return g
  end
  local i, f, g, og = gate(0, ra), gate(1, ra), gate(2, a), gate(3, ra)
  local hn, cn = {}, {}
  for j = 1, u do
    cn[j] = f[j] * c[j] + i[j] * g[j]
    hn[j] = og[j] * a(cn[j])
  end
  return hn, cn
end

function step.GRU(o, x, h, W, Uk, b)
  local a, ra, u = acts[o.activation or "tanh"], acts[o.recurrent_activation or "sigmoid"], o.units
  local bi, br = b, zeros(3 * u)
  if o.reset_after then bi, br = b[1], b[2] end
  local xz, xr, xh = vecmat(x, W, 0, u), vecmat(x, W, u, u), vecmat(x, W, 2 * u, u)
  local hz, hr = vecmat(h, Uk, 0, u), vecmat(h, Uk, u, u)
  local z, r = {}, {}
  for j = 1, u do
    z[j] = ra(xz[j] + bi[j] + hz[j] + br[j])
    r[j] = ra(xr[j] + bi[u + j] + hr[j] + br[u + j])
  end
  local hh = {}
  if o.reset_after then
    local hu = vecmat(h, Uk, 2 * u, u)
    for j = 1, u do hh[j] = a(xh[j] + bi[2 * u + j] + r[j] * (hu[j] + br[2 * u + j])) end
  else
    local rh = {}
    for j = 1, u do rh[j] = r[j] * h[j] end
    local hu = vecmat(rh, Uk, 2 * u, u)
    for j = 1, u do hh[j] = a(xh[j] + bi[2 * u + j] + hu[j]) end
  end
  local out = {}
  for j = 1, u do out[j] = z[j] * h[j] + (1 - z[j]) * hh[j] end
  return out
end

local gates = { SimpleRNN = 1, LSTM = 4, GRU = 3 }

-- Run the reference over x (B x T x F nested table); returns the Keras output.
local function reference(kind, o, x, W, Uk, b)
  local out = {}
  for bi, seq in ipairs(x) do
    local T = #seq
    local h, c = zeros(o.units), zeros(o.units)
    local steps = {}
    for s = 1, T do
      local t = o.go_backwards and T + 1 - s or s
      h, c = step[kind](o, seq[t], h, W, Uk, b, c)
      steps[s] = h
    end
    out[bi] = o.return_sequences and steps or h
  end
  return out
end

local function flat(t, acc)
  acc = acc or {}
  if type(t) == "table" then for _, v in ipairs(t) do flat(v, acc) end else acc[#acc + 1] = t end
  return acc
end

local function check(kind, o, B, T, F)
  local G, u = gates[kind], o.units
  local W, Uk = values(F, G * u, 1), values(u, G * u, 2)
  local b
  if o.reset_after then b = values(2, G * u, 3) else b = values(1, G * u, 3)[1] end
  local x = {}
  for i = 1, B do
    x[i] = {}
    for t = 1, T do
      x[i][t] = {}
      for f = 1, F do x[i][t][f] = ((i * 5 + t * 3 + f) % 7 - 3) / 3 end
    end
  end
  local opts = {}
  for k, v in pairs(o) do if k ~= "units" then opts[k] = v end end
  local layer = L[kind](u, opts)
  layer:build({ ember.None, ember.None, F })
  layer:set_weights { ember.tensor(W), ember.tensor(Uk), ember.tensor(b) }
  local y = layer:forward(ember.tensor(x), false)
  local want = flat(reference(kind, o, x, W, Uk, b))
  local got = flat(y:totable())
  assert.are.equal(#want, #got)
  for k = 1, #want do
    if math.abs(want[k] - got[k]) > 2e-5 then
      error(("%s %s: output %d is %.7f, formula gives %.7f"):format(kind, tostring(layer), k, got[k], want[k]))
    end
  end
end

describe("recurrent cells match their formulas", function()
  it("SimpleRNN (tanh, relu, go_backwards, return_sequences)", function()
    check("SimpleRNN", { units = 2 }, 2, 3, 3)
    check("SimpleRNN", { units = 3, activation = "relu", return_sequences = true }, 2, 3, 2)
    check("SimpleRNN", { units = 2, go_backwards = true, return_sequences = true }, 1, 4, 3)
  end)

  it("LSTM (sigmoid/tanh, hard_sigmoid, relu, go_backwards)", function()
    check("LSTM", { units = 2 }, 2, 3, 3)
    check("LSTM", { units = 3, recurrent_activation = "hard_sigmoid", return_sequences = true }, 2, 3, 2)
    check("LSTM", { units = 2, activation = "relu", go_backwards = true }, 2, 4, 3)
  end)

  it("GRU reset_after = false (the book's formula) and true (cuDNN variant)", function()
    check("GRU", { units = 2 }, 2, 3, 3)
    check("GRU", { units = 3, reset_after = true, return_sequences = true }, 2, 3, 2)
    check("GRU", { units = 2, activation = "relu", recurrent_activation = "hard_sigmoid", go_backwards = true }, 2, 4, 3)
  end)

  it("one step from zero state uses only kernel and bias", function()
    check("LSTM", { units = 2 }, 3, 1, 2)
    check("GRU", { units = 2, reset_after = true }, 3, 1, 2)
  end)
end)
