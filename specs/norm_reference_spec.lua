-- BatchNormalization and LayerNormalization against PyTorch (live: runs
-- torch.nn.functional.batch_norm / layer_norm in float64 on the same inputs;
-- pending when no python3 with torch and numpy is found).
--
-- Conventions converted (Keras 2.2.4 with the TensorFlow backend, which
-- Ember follows, against PyTorch):
--   momentum   torch's = 1 - Keras's (torch: running = (1 - m) * running + m * batch);
--   variance   both normalize with the biased batch variance; for the moving
--              variance torch averages the unbiased n / (n - 1) one, Keras
--              n / (n - 1 - epsilon) times the biased one, so Keras's =
--              torch's * (n - 1) / (n - 1 - epsilon) (n = rows, the same every step);
--   debiasing  Keras's moving average is TF's zero-debiased one: starting torch's
--              running statistics at 0, Keras's = torch's / (1 - momentum^steps).
local gradcheck = require "support.gradcheck"
local L = ember.layers

local PY = require("support.python").with("torch", "numpy")

local SCRIPT = [[
import sys
import numpy as np
import torch
import torch.nn.functional as F

d = {k: v for k, v in np.load(sys.argv[1]).items()}
eps, momentum, steps = float(d["eps"][0]), float(d["momentum"][0]), int(d["steps"][0])
out = {}

def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)

def bn_train(tag, x, dy):
    C = x.shape[-1]
    xt, g, b = t(x, True), t(d["gamma"], True), t(d["beta"], True)
    y = F.batch_norm(xt.reshape(-1, C), None, None, g, b, training=True, eps=eps).reshape(x.shape)
    y.backward(t(dy))
    out[tag + "_y"], out[tag + "_dx"] = y.detach().numpy(), xt.grad.numpy()
    out[tag + "_dgamma"], out[tag + "_dbeta"] = g.grad.numpy(), b.grad.numpy()

def bn_infer(tag, x):
    C = x.shape[-1]
    y = F.batch_norm(t(x).reshape(-1, C), t(d["moving_mean"]), t(d["moving_variance"]), t(d["gamma"]),
                     t(d["beta"]), training=False, eps=eps).reshape(x.shape)
    out[tag + "_y"] = y.numpy()

def ln(tag, x, dy):
    C = x.shape[-1]
    xt, g, b = t(x, True), t(d["gamma"], True), t(d["beta"], True)
    y = F.layer_norm(xt, (C,), g, b, eps=eps)
    y.backward(t(dy))
    out[tag + "_y"], out[tag + "_dx"] = y.detach().numpy(), xt.grad.numpy()
    out[tag + "_dgamma"], out[tag + "_dbeta"] = g.grad.numpy(), b.grad.numpy()

bn_train("bn2", d["x2"], d["dy2"])
bn_train("bn3", d["x3"], d["dy3"])
bn_infer("bn2i", d["x2"])
bn_infer("bn3i", d["x3"])
ln("ln2", d["x2"], d["dy2"])
ln("ln3", d["x3"], d["dy3"])

# The moving statistics after `steps` training batches, converted to Keras's conventions.
batches = d["batches"]  # (steps, rows..., C)
C = batches.shape[-1]
rm, rv = torch.zeros(C, dtype=torch.float64), torch.zeros(C, dtype=torch.float64)
for s in range(steps):
    xb = t(batches[s]).reshape(-1, C)
    F.batch_norm(xb, rm, rv, None, None, training=True, momentum=1 - momentum, eps=eps)
n = float(np.prod(batches.shape[1:-1]))
debias = 1 - momentum ** steps
out["moving_mean"] = (rm / debias).numpy()
out["moving_variance"] = (rv * (n - 1) / (n - 1 - eps) / debias).numpy()
np.savez(sys.argv[2], **{k: np.asarray(v, dtype=np.float32) for k, v in out.items()})
]]

local function close(what, got, want, tol)
  local g, w = gradcheck.values(got), gradcheck.values(want)
  assert.are.same(want.shape, got.shape, what .. ": shape")
  for i = 1, #w do
    if math.abs(g[i] - w[i]) > tol * (1 + math.abs(w[i])) then
      error(("%s[%d]: ember %.7g, PyTorch %.7g"):format(what, i, g[i], w[i]), 2)
    end
  end
end

describe("normalization layers against PyTorch", function()
  if not PY then
    it("needs python3 with torch and numpy", function() pending("python3 with torch and numpy is not installed") end)
    return
  end

  local C, eps, momentum, steps = 5, 1e-3, 0.99, 6
  local input, ref
  setup(function()
    ember.seed(42)
    input = {
      x2 = ember.randn { 7, C } * 2 + 0.5, dy2 = ember.randn { 7, C },
      x3 = ember.randn { 3, 4, C } - 1, dy3 = ember.randn { 3, 4, C },
      gamma = ember.rand { C } + 0.5, beta = ember.randn { C },
      moving_mean = ember.randn { C }, moving_variance = ember.rand { C } + 0.2,
      batches = ember.randn { steps, 4, 2, C } * 3 + 1,
      eps = ember.tensor { eps }, momentum = ember.tensor { momentum }, steps = ember.tensor { steps },
    }
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local inp, outp, script = dir .. "/in.npz", dir .. "/out.npz", dir .. "/ref.py"
    ember.save(inp, input)
    local f = assert(io.open(script, "w"))
    f:write(SCRIPT)
    f:close()
    assert(os.execute(("%s %s %s %s"):format(PY, script, inp, outp)), "the PyTorch script failed")
    ref = ember.load(outp)
    os.execute("rm -rf " .. dir)
  end)

  local function bn_with_weights(moving)
    local bn = L.BatchNormalization { epsilon = eps, momentum = momentum }
    bn:build { ember.None, C }
    local w = bn:get_weights()
    w[1], w[2] = input.gamma, input.beta
    if moving then w[3], w[4] = input.moving_mean, input.moving_variance end
    bn:set_weights(w)
    return bn
  end

  local function check_train(layer, tag, x, dy)
    layer:zero_grads()
    close(tag .. " forward (training)", layer:forward(x, true), ref[tag .. "_y"], 2e-5)
    local dx = layer:backward(dy)
    close(tag .. " dx", dx, ref[tag .. "_dx"], 2e-5)
    local _, grads = layer:params()
    close(tag .. " dgamma", grads[1], ref[tag .. "_dgamma"], 2e-5)
    close(tag .. " dbeta", grads[2], ref[tag .. "_dbeta"], 2e-5)
  end

  it("BatchNormalization, 2-D, training: forward and backward", function()
    check_train(bn_with_weights(), "bn2", input.x2, input.dy2)
  end)

  it("BatchNormalization, 3-D (statistics over batch * time rows), training: forward and backward", function()
    local bn = L.BatchNormalization { epsilon = eps }
    bn:build { ember.None, ember.None, C }
    bn:set_weights { input.gamma, input.beta, ember.zeros { C }, ember.ones { C } }
    check_train(bn, "bn3", input.x3, input.dy3)
  end)

  it("BatchNormalization, inference with the moving statistics, 2-D and 3-D", function()
    local bn = bn_with_weights(true)
    close("bn2i", bn:forward(input.x2, false), ref.bn2i_y, 2e-5)
    local bn3 = L.BatchNormalization { epsilon = eps }
    bn3:build { ember.None, ember.None, C }
    bn3:set_weights { input.gamma, input.beta, input.moving_mean, input.moving_variance }
    close("bn3i", bn3:forward(input.x3, false), ref.bn3i_y, 2e-5)
  end)

  it("BatchNormalization: the moving statistics after several training steps (Keras's conventions)", function()
    -- Initial moving statistics are ignored by the zero-debiased average: start from others than 0 / 1.
    local bn = L.BatchNormalization { momentum = momentum, epsilon = eps,
      moving_mean_initializer = "ones", moving_variance_initializer = "zeros" }
    bn:build { ember.None, ember.None, C }
    for s = 1, steps do bn:forward(input.batches[s], true) end
    local w = bn:get_weights()
    close("moving_mean", w[3], ref.moving_mean, 2e-5)
    close("moving_variance", w[4], ref.moving_variance, 2e-5)
    -- Inference forward changes nothing.
    bn:forward(input.batches[1], false)
    close("moving_mean after inference", bn:get_weights()[3], ref.moving_mean, 2e-5)
  end)

  it("LayerNormalization, 2-D and 3-D: forward and backward", function()
    for _, case in ipairs { { "ln2", input.x2, input.dy2, { ember.None, C } },
      { "ln3", input.x3, input.dy3, { ember.None, ember.None, C } } } do
      local ln = L.LayerNormalization { epsilon = eps }
      ln:build(case[4])
      ln:set_weights { input.gamma, input.beta }
      check_train(ln, case[1], case[2], case[3])
      close(case[1] .. " forward (inference)", ln:forward(case[2], false), ref[case[1] .. "_y"], 2e-5)
    end
  end)
end)
