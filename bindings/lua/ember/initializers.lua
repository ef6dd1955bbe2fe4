-- Keras's initializers by name or with parameters: a layer option
-- (kernel_initializer = "he_normal", or ember.initializers.random_normal{
-- stddev = 0.1}) picks how a parameter is drawn when the layer is built.
-- The formulas are Keras 2.2.4's, in C (engine/layers/initializers.h),
-- drawn from the one seeded generator (ember.seed).
local M = {}

--- @api ember.initializers
--- Keras's initializers for layer options (kernel_initializer = "he_normal" or ember.initializers.X{...}).

local Initializer = {}
Initializer.__index = Initializer
Initializer.__name = "ember.Initializer"
function Initializer:__tostring() return ("<initializer %s>"):format(self.name) end

--- @api ember.initializers.names
--- The initializer names a layer option accepts (Keras's; also zero, one, normal, uniform).

M.names = { "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal", "glorot_uniform",
  "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal" }
local aliases = { zero = "zeros", one = "ones", normal = "random_normal", uniform = "random_uniform" }

local function check_opts(who, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(("initializers.%s: argument 'opts' expected a table, got %s"):format(who, type(opts)), 3)
  end
  for k, v in pairs(opts) do
    if not allowed[k] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      error(("initializers.%s: unknown option '%s' (valid: %s)"):format(who, tostring(k), table.concat(names, ", ")), 3)
    end
    if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
      error(("initializers.%s: option '%s' expected a finite number, got %s"):format(who, k, tostring(v)), 3)
    end
  end
  return opts
end

local function make(name, a, b) return setmetatable({ name = name, a = a, b = b }, Initializer) end

--- @api ember.initializers.constant([value]) -> Initializer
--- Every value set to value (Keras's Constant).
--- @arg value = 0: the value

function M.constant(value)
  if value ~= nil and (type(value) ~= "number" or value ~= value or math.abs(value) == math.huge) then
    error(("initializers.constant: argument 'value' expected a finite number, got %s"):format(tostring(value)), 2)
  end
  return make("constant", value or 0)
end

--- @api ember.initializers.random_normal([opts]) -> Initializer
--- Normal draws (Keras's RandomNormal).
--- @opt mean = 0: the mean
--- @opt stddev = 0.05: the standard deviation (>= 0)

function M.random_normal(opts)
  opts = check_opts("random_normal", opts, { mean = true, stddev = true })
  if opts.stddev and opts.stddev < 0 then
    error(("initializers.random_normal: option 'stddev' must be >= 0, got %g"):format(opts.stddev), 2)
  end
  return make("random_normal", opts.mean or 0, opts.stddev or 0.05)
end

--- @api ember.initializers.truncated_normal([opts]) -> Initializer
--- Normal draws, those beyond 2 stddev drawn again (Keras's TruncatedNormal).
--- @opt mean = 0: the mean
--- @opt stddev = 0.05: the standard deviation before truncation (>= 0)

function M.truncated_normal(opts)
  opts = check_opts("truncated_normal", opts, { mean = true, stddev = true })
  if opts.stddev and opts.stddev < 0 then
    error(("initializers.truncated_normal: option 'stddev' must be >= 0, got %g"):format(opts.stddev), 2)
  end
  return make("truncated_normal", opts.mean or 0, opts.stddev or 0.05)
end

--- @api ember.initializers.random_uniform([opts]) -> Initializer
--- Uniform draws in [minval, maxval) (Keras's RandomUniform).
--- @opt minval = -0.05: the lower bound
--- @opt maxval = 0.05: the upper bound

function M.random_uniform(opts)
  opts = check_opts("random_uniform", opts, { minval = true, maxval = true })
  local lo, hi = opts.minval or -0.05, opts.maxval or 0.05
  if lo > hi then
    error(("initializers.random_uniform: option 'minval' (%g) is above 'maxval' (%g)"):format(lo, hi), 2)
  end
  return make("random_uniform", lo, hi)
end

--- @api ember.initializers.orthogonal([opts]) -> Initializer
--- A random orthogonal matrix times gain (Keras's Orthogonal).
--- @opt gain = 1: the factor

function M.orthogonal(opts)
  opts = check_opts("orthogonal", opts, { gain = true })
  return make("orthogonal", opts.gain or 1)
end

-- A layer option's value -> name, a, b; or nil, nil, nil, message.
function M._resolve(v)
  if getmetatable(v) == Initializer then return v.name, v.a, v.b end
  if type(v) == "string" then
    local name = aliases[v] or v
    for _, n in ipairs(M.names) do
      if n == name then return name end
    end
    local hint = require("ember.calls").suggestion(v, M.names)
    return nil, nil, nil, ("unknown initializer '%s' (valid: %s)%s"):format(v, table.concat(M.names, ", "), hint)
  end
  return nil, nil, nil, ("expected an initializer name such as 'he_normal' or ember.initializers.X{...}, got %s")
    :format(type(v))
end

return M
