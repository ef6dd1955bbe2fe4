-- Optimizers: thin Lua objects over the C kernels (engine/train/optimizers.c).
--   local opt = ember.optimizers.RMSprop{lr = 1e-4}      -- or learning_rate = 1e-4
--   opt:step(model)                 -- one update from the gradients in the model's layers
--   opt:step(params, grads)         -- or from explicit lists of tensors
-- `opt.lr` may be changed between steps (read at every step).  The Keras 2
-- defaults live in one place, engine/train/optimizers.c.
local core = require "ember.core"
local calls = require "ember.calls"

local M = {}

local Optimizer = {}
Optimizer.__index = Optimizer
M.Optimizer = Optimizer

-- Each kind's options are declared once in C (engine/train/optimizers.c);
-- learning_rate is the Lua-side alias of lr (Keras 2.3's name).
local specs = {}
for kind, class in pairs { sgd = "SGD", rmsprop = "RMSprop", adam = "Adam" } do
  local options = core.train.optimizer_options(kind)
  options[#options + 1] = "learning_rate"
  specs[kind] = { class = class, options = options }
end

local function make(kind, opts)
  local spec = specs[kind]
  local class = spec.class
  opts = calls.check_options(class, opts, spec.options, 2)
  if opts.lr ~= nil and opts.learning_rate ~= nil and opts.lr ~= opts.learning_rate then
    error(("%s: options 'lr' (%s) and 'learning_rate' (%s) disagree; give one"):format(class, tostring(opts.lr),
      tostring(opts.learning_rate)), 3)
  end
  local config = {}
  for k, v in pairs(opts) do config[k] = v end
  config.lr = opts.lr or opts.learning_rate
  config.learning_rate = nil
  local ok, c = pcall(core.train.Optimizer, kind, config)
  if not ok then error(calls.strip_position(c), 3) end
  local self = setmetatable({ kind = kind, class = class, core = c, config = config }, Optimizer)
  self.lr = c:lr()  -- the given lr, or Keras's default for the kind (engine/train/optimizers.c)
  return self
end

--- @api ember.optimizers.SGD([opts]) -> Optimizer
--- Stochastic gradient descent with optional (Nesterov) momentum.
--- @opt learning_rate: Keras 2.3's name for lr
--- @options optimizer:sgd

--- @api ember.optimizers.RMSprop([opts]) -> Optimizer
--- RMSprop: divides the gradient by a running average of its magnitude.
--- @opt learning_rate: Keras 2.3's name for lr
--- @options optimizer:rmsprop

--- @api ember.optimizers.Adam([opts]) -> Optimizer
--- Adam: adaptive moment estimation.
--- @opt learning_rate: Keras 2.3's name for lr
--- @options optimizer:adam

--- @api ember.optimizers.is_optimizer(v) -> boolean
--- Whether v is an optimizer object.
--- @arg v: any value

function M.SGD(opts) return make("sgd", opts) end
function M.RMSprop(opts) return make("rmsprop", opts) end
function M.Adam(opts) return make("adam", opts) end

function M.is_optimizer(v) return getmetatable(v) == Optimizer end

-- An optimizer from a name ("rmsprop", case-insensitive) or an object.
--- @api ember.optimizers.get(v) -> Optimizer
--- An optimizer from a name ("sgd", "rmsprop", "adam", defaults) or an optimizer object.
--- @arg v: a name or an optimizer

function M.get(v, who)
  who = who or "optimizers.get"
  if M.is_optimizer(v) then return v end
  if type(v) == "string" and specs[v:lower()] then return make(v:lower(), nil) end
  error(("%s: unknown optimizer %s (valid: sgd, rmsprop, adam, or an ember.optimizers object)%s")
    :format(who, type(v) == "string" and ("'" .. v .. "'") or type(v), require("ember.calls").suggestion(v, specs)), 3)
end

-- The learning rate of the next step (opt.lr may be changed between steps).
--- @api Optimizer
--- An optimizer object (SGD, RMSprop, Adam): fields lr, kind; methods below.

--- @api Optimizer:current_lr() -> number
--- The learning rate after decay at the current iteration.

function Optimizer:current_lr(who)
  if type(self.lr) ~= "number" or self.lr < 0 or self.lr ~= self.lr then
    error(("%s: %s.step: lr must be a number >= 0, got %s"):format(who or "step", self.class, tostring(self.lr)), 3)
  end
  return self.lr
end

-- step(model) or step(params, grads): one update.
--- @api Optimizer:step(params, grads)
--- One update of the weights params from grads (custom training loops).
--- @arg params: a list of weight tensors
--- @arg grads: the list of their gradients

function Optimizer:step(params, grads)
  if type(params) == "table" and params.trainable_params then
    local m = params.core_model and params:core_model()
    if m then
      local lr = self:current_lr(self.class .. ".step")
      local ok, err = pcall(m.apply, m, self.core, lr)
      if not ok then error(calls.strip_position(err), 2) end
      return
    end
    params, grads = params:trainable_params()
  end
  if type(params) ~= "table" or type(grads) ~= "table" then
    error(("%s.step: expected a model or lists of parameters and gradients"):format(self.class), 2)
  end
  if type(self.lr) ~= "number" or self.lr < 0 then
    error(("%s.step: lr must be a number >= 0, got %s"):format(self.class, tostring(self.lr)), 2)
  end
  self.core:step(params, grads, self.lr)
end

--- @api Optimizer:iterations() -> integer
--- Steps taken so far.

function Optimizer:iterations() return self.core:iterations() end

--- @api Optimizer:get_config() -> table
--- The optimizer's settings (Keras's get_config).

function Optimizer:get_config()
  local c = { lr = self.lr }
  for k, v in pairs(self.config) do if k ~= "lr" then c[k] = v end end
  return c
end

function Optimizer:__tostring() return ("<%s lr=%g>"):format(self.class, self.lr) end

return M
