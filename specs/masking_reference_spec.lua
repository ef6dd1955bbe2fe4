-- Masked recurrent layers against PyTorch (live, when python3 has torch;
-- pending otherwise): a padded batch through Masking -> LSTM / GRU
-- (reset_after, PyTorch's GRU) / Bidirectional(LSTM) in Ember, against
-- PyTorch running each sequence alone, unpadded, and a packed batch
-- (pack_padded_sequence) for post-padding.  specs/support/masked_torch.py
-- converts the Keras-layout weights (gate orders as in
-- specs/fixtures/recurrent/make_torch_fixtures.py).
local gradcheck = require "support.gradcheck"
local L = ember.layers

local PY = require("support.python").with("torch", "numpy")

local B, T, F = 5, 7, 3
local LENGTHS = { 7, 3, 1, 5, 2 }

-- x (B, T, F): random nonzero features at the real steps, zeros at the padding.
local function padded_input(pre)
  ember.seed(12)
  local r = gradcheck.values(ember.randn { B, T, F })
  local v = {}
  for b = 1, B do
    local off = pre and T - LENGTHS[b] or 0
    for t = 1, T do
      for f = 1, F do
        local k = ((b - 1) * T + (t - 1)) * F + f
        local real = t > off and t <= off + LENGTHS[b]
        v[k] = real and (r[k] == 0 and 0.5 or r[k]) or 0
      end
    end
  end
  return gradcheck.tensor({ B, T, F }, v)
end

local function close(got, want, what)
  local a, b = gradcheck.values(got), gradcheck.values(want)
  assert.are.equal(#b, #a)
  for i = 1, #a do
    if math.abs(a[i] - b[i]) > 2e-5 then error(("%s[%d]: ember %.7f, PyTorch %.7f"):format(what, i, a[i], b[i])) end
  end
end

-- One python run for both paddings (importing torch takes seconds).
local function reference(cases)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local args = {}
  for i, arrays in ipairs(cases) do
    ember.save(("%s/in%d.npz"):format(dir, i), arrays)
    args[#args + 1] = ("%s/in%d.npz %s/out%d.npz"):format(dir, i, dir, i)
  end
  local ok = os.execute(("%s specs/support/masked_torch.py %s"):format(PY, table.concat(args, " ")))
  local out = {}
  for i = 1, #cases do out[i] = ok and ember.load(("%s/out%d.npz"):format(dir, i)) end
  os.execute("rm -rf " .. dir)
  assert(ok, "masked_torch.py failed")
  return out
end

describe("masked recurrent layers agree with PyTorch", function()
  it("post- and pre-padding: LSTM, GRU(reset_after), Bidirectional(LSTM)", function()
    if not PY then
      pending("python3 with torch is not installed")
      return
    end
    ember.seed(2)
    local models = {
      lstm = ember.Sequential { L.Masking({ input_shape = { T, F } }), L.LSTM(4) },
      gru = ember.Sequential { L.Masking({ input_shape = { T, F } }), L.GRU(4, { reset_after = true }) },
      bi = ember.Sequential { L.Masking({ input_shape = { T, F } }), L.Bidirectional(L.LSTM(3)) },
    }
    local cases, inputs = {}, {}
    for i, pre in ipairs { false, true } do
      inputs[i] = padded_input(pre)
      local arrays = { x = inputs[i], lengths = ember.tensor(LENGTHS, { dtype = "int32" }),
        pre = ember.tensor({ pre and 1 or 0 }, { dtype = "int32" }) }
      for name, m in pairs(models) do
        for k, w in ipairs(m:get_weights()) do arrays[("%s_w%d"):format(name, k)] = w end
      end
      cases[i] = arrays
    end
    local refs = reference(cases)
    for i, pre in ipairs { false, true } do
      local what = pre and "pre-padding" or "post-padding"
      for name, m in pairs(models) do
        local y = m:predict(inputs[i])
        close(y, refs[i][name .. "_alone"], ("%s, %s: vs each sequence alone"):format(name, what))
        if not pre then close(y, refs[i][name .. "_packed"], name .. ", post-padding: vs a packed batch") end
      end
    end
  end)
end)
