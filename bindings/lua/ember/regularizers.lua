-- Keras's weight and activity regularizers: ember.regularizers.l1(0.01),
-- l2(0.01), l1_l2{l1 = 0.01, l2 = 0.01}.  Each returns a small table
-- {l1 = ..., l2 = ...} a layer option reads (kernel_regularizer = ...); the
-- penalty and its gradient are computed in C (engine/layers/controls.h).
local M = {}

--- @api ember.regularizers
--- Keras's weight and activity penalties for layer options (kernel_regularizer = ember.regularizers.l2(0.01)).

local Regularizer = {}
Regularizer.__index = Regularizer
Regularizer.__name = "ember.Regularizer"
function Regularizer:__tostring() return ("<L1L2 l1=%g l2=%g>"):format(self.l1, self.l2) end

local function check_factor(who, arg, v)
  if v == nil then return 0.01 end
  if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then
    error(("%s: argument '%s' expected a finite number >= 0, got %s"):format(who, arg, tostring(v)), 3)
  end
  return v
end

local function make(l1, l2) return setmetatable({ l1 = l1, l2 = l2 }, Regularizer) end

--- @api ember.regularizers.l1([l]) -> Regularizer
--- An L1 penalty l * sum(|w|) (Keras's regularizers.l1).
--- @arg l = 0.01: the factor

function M.l1(l) return make(check_factor("regularizers.l1", "l", l), 0) end

--- @api ember.regularizers.l2([l]) -> Regularizer
--- An L2 penalty l * sum(w^2) (Keras's regularizers.l2).
--- @arg l = 0.01: the factor

function M.l2(l) return make(0, check_factor("regularizers.l2", "l", l)) end

--- @api ember.regularizers.l1_l2([opts]) -> Regularizer
--- Both penalties: l1 * sum(|w|) + l2 * sum(w^2) (Keras's regularizers.l1_l2).
--- @opt l1 = 0.01: the L1 factor
--- @opt l2 = 0.01: the L2 factor

function M.l1_l2(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(("regularizers.l1_l2: argument 'opts' expected a table such as {l1 = 0.01, l2 = 0.01}, got %s")
      :format(type(opts)), 2)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "l1" and k ~= "l2" then
      error(("regularizers.l1_l2: unknown option '%s' (valid: l1, l2)"):format(tostring(k)), 2)
    end
  end
  return make(check_factor("regularizers.l1_l2", "l1", opts.l1), check_factor("regularizers.l1_l2", "l2", opts.l2))
end

-- A layer option's value: a Regularizer, or Keras's names "l1", "l2",
-- "l1_l2" (their defaults) -> l1, l2; or an error message.
function M._resolve(v)
  if getmetatable(v) == Regularizer then return v.l1, v.l2 end
  if v == "l1" or v == "l2" or v == "l1_l2" then
    local r = M[v]()
    return r.l1, r.l2
  end
  return nil, nil, ("expected ember.regularizers.l1(x), l2(x) or l1_l2{...} (or the name 'l1', 'l2', 'l1_l2'), got %s")
    :format(type(v) == "string" and ("'" .. v .. "'") or type(v))
end

return M
