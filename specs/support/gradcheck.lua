-- Finite-difference gradient checks for anything with the layer protocol:
-- obj:forward(x, training) -> y, obj:backward(dy) -> dx, obj:params() ->
-- params, grads.  The scalar checked is L = sum(y .* r) for a fixed random r,
-- so dL/dy = r.  Central differences in float32 carry rounding noise of order
-- eps_machine * |L| / eps; eps = 1e-2 with rtol 2e-2 keeps that noise well
-- under the tolerance while still catching any wrong term (those are O(1)).
local gradcheck = {}

local function flat_index(shape, k)  -- k: 0-based flat index -> 1-based indices
  local idx = {}
  for d = #shape, 1, -1 do
    idx[d] = k % shape[d] + 1
    k = k // shape[d]
  end
  return idx
end

local function numel(shape)
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  return n
end

local function get(t, k) return t:get(table.unpack(flat_index(t.shape, k))) end
local function set(t, k, v)
  local idx = flat_index(t.shape, k)
  idx[#idx + 1] = v
  t:set(table.unpack(idx))
end

-- Flat list of a tensor's values (row-major).
function gradcheck.values(t)
  local out = {}
  for k = 0, numel(t.shape) - 1 do out[k + 1] = get(t, k) end
  return out
end

-- A tensor of the given shape filled from a flat Lua list.
function gradcheck.tensor(shape, values)
  local t = ember.zeros(shape)
  for k = 0, numel(shape) - 1 do set(t, k, values[k + 1]) end
  return t
end

local function weighted_sum(y, r)
  local s = 0.0
  for k = 0, numel(y.shape) - 1 do s = s + get(y, k) * r[k + 1] end
  return s
end

-- Which flat indices to probe: all of them for small tensors, a fixed
-- spread of `max_probes` otherwise.
local function probes(n, max_probes)
  local list = {}
  if n <= max_probes then
    for k = 0, n - 1 do list[#list + 1] = k end
  else
    for i = 0, max_probes - 1 do list[#list + 1] = (i * 7919) % n end
  end
  return list
end

-- Check obj's input gradient and parameter gradients at x.
-- opts: eps (1e-2), rtol (2e-2), atol (1e-3), training (true; backward needs a training forward),
--       seed (reseeded before every forward, so dropout masks repeat),
--       max_probes (60 per tensor), check_input (true).
-- Returns true, or raises an error describing the worst mismatch.
function gradcheck.check(obj, x, opts)
  opts = opts or {}
  local eps, rtol, atol = opts.eps or 1e-2, opts.rtol or 2e-2, opts.atol or 1e-3
  local training = opts.training ~= false  -- backward differentiates a training-mode forward (layer.h)
  local seed = opts.seed or 1234
  local max_probes = opts.max_probes or 60

  local function forward()
    ember.seed(seed)
    return obj:forward(x, training)
  end

  local y = forward()
  local r = {}
  local rng_state = 17
  for k = 1, numel(y.shape) do  -- deterministic weights in [-1, 1], no RNG touched
    rng_state = (rng_state * 1103515245 + 12345) % 2147483648
    r[k] = rng_state / 1073741824 - 1
  end
  local dy = gradcheck.tensor(y.shape, r)
  local params, grads = obj:params()
  for _, g in ipairs(grads) do g:fill_(0) end
  ember.seed(seed)
  obj:forward(x, training)
  local dx = obj:backward(dy)
  local analytic_x = dx and gradcheck.values(dx)
  local analytic_p = {}
  for i, g in ipairs(grads) do analytic_p[i] = gradcheck.values(g) end

  local failures = {}
  local function compare(what, t, analytic)
    for _, k in ipairs(probes(numel(t.shape), max_probes)) do
      local orig = get(t, k)
      set(t, k, orig + eps)
      local lp = weighted_sum(forward(), r)
      set(t, k, orig - eps)
      local lm = weighted_sum(forward(), r)
      set(t, k, orig)
      local numeric = (lp - lm) / (2 * eps)
      local a = analytic[k + 1]
      local err = math.abs(a - numeric)
      if err > atol + rtol * math.max(math.abs(a), math.abs(numeric)) then
        failures[#failures + 1] = ("%s[%d]: analytic %.6g, numeric %.6g"):format(what, k + 1, a, numeric)
      end
    end
  end
  if opts.check_input ~= false and x.dtype == "float32" then
    assert(analytic_x, "backward returned no input gradient for a float input")
    compare("input", x, analytic_x)
  end
  local _, _, names = obj:params()
  for i, p in ipairs(params) do compare(names and names[i] or ("param " .. i), p, analytic_p[i]) end
  if #failures > 0 then
    error(("gradient check failed at %d points, e.g.\n  %s"):format(#failures,
      table.concat(failures, "\n  ", 1, math.min(#failures, 8))), 2)
  end
  return true
end

return gradcheck
