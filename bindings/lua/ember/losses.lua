-- Losses, computed in C (engine/train/losses.c).  Each is also callable
-- Keras-style: ember.losses.mse(y_true, y_pred) -> mean loss (a number).
-- ember.losses.compute(name, y_pred, y_true, grad) additionally writes
-- dLoss/dy_pred into the tensor `grad` (resized as needed); a fifth
-- argument, one weight per sample, weights it as fit's sample_weight does.
local core = require "ember.core"

local M = {}

local canonical = {
  binary_crossentropy = "binary_crossentropy",
  categorical_crossentropy = "categorical_crossentropy",
  sparse_categorical_crossentropy = "sparse_categorical_crossentropy",
  mse = "mse", mean_squared_error = "mse",
  mae = "mae", mean_absolute_error = "mae",
}
local valid = "binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, mse, mae"

local by_function = {}

-- The canonical loss name for a string or one of the ember.losses functions.
--- @private ember.losses.get: name resolution for compile
--- @private ember.losses.compute: loss kernel call for compile
--- @private ember.losses.custom: compile's check of a Lua loss {fn, grad}
--- @private ember.losses.step_function: the engine's callback around a Lua loss

function M.get(v, who)
  who = who or "losses.get"
  if type(v) == "string" and canonical[v] then return canonical[v] end
  if by_function[v] then return by_function[v] end
  error(("%s: unknown loss %s (valid: %s)%s"):format(who,
    type(v) == "string" and ("'" .. v .. "'") or type(v), valid, require("ember.calls").suggestion(v, canonical)), 3)
end

-- A loss written in Lua for compile: {fn = f, grad = g}, f(y_true, y_pred)
-- -> the mean loss (a number), g(y_true, y_pred) -> dLoss/dy_pred (a
-- float32 tensor of y_pred's shape).  A plain function is refused: ember
-- has no automatic differentiation of Lua code, and finite differences over
-- every prediction would be too slow and too inexact in float32 to train on.
-- Returns the spec, or raises an error naming who.
function M.custom(v, who)
  if type(v) == "function" and not by_function[v] then  -- ember.losses.mse etc. are built-ins
    error(("%s: option 'loss' is a plain function; give {fn = f, grad = g} with g(y_true, y_pred) returning "
      .. "dLoss/dy_pred (ember cannot differentiate a Lua function)"):format(who), 3)
  end
  if type(v) ~= "table" or getmetatable(v) ~= nil or type(v.fn) ~= "function" or type(v.grad) ~= "function" then
    return nil
  end
  for k in pairs(v) do
    if k ~= "fn" and k ~= "grad" and k ~= "name" then
      error(require("ember.calls").unknown_option(who .. ": option 'loss'", k, { "fn", "grad", "name" }), 3)
    end
  end
  return v
end

-- The engine's callback for a Lua loss (core.train.Model:set_loss):
-- (y_pred, y_true, want_grad) -> loss[, grad], the user's results checked.
function M.step_function(spec)
  local strip = require("ember.calls").strip_position
  return function(y_pred, y_true, want_grad)
    local ok, v = pcall(spec.fn, y_true, y_pred)
    if not ok then error("the loss function raised: " .. strip(tostring(v)), 0) end
    if type(v) ~= "number" then error(("the loss function must return a number, got %s"):format(type(v)), 0) end
    if not want_grad then return v end
    local ok2, g = pcall(spec.grad, y_true, y_pred)
    if not ok2 then error("the loss gradient function raised: " .. strip(tostring(g)), 0) end
    if not core.is_tensor(g) then
      error(("the loss gradient function must return a tensor, got %s"):format(type(g)), 0)
    end
    return v, g
  end
end

function M.compute(name, y_pred, y_true, grad, sample_weight)
  return core.train.loss(M.get(name, "losses.compute"), y_pred, y_true, grad, sample_weight)
end

--- @api ember.losses
--- Losses by name for compile ("binary_crossentropy", "mse", ...); each is also a function (y_true, y_pred) -> mean loss.

--- @api ember.losses.binary_crossentropy(y_true, y_pred) -> number
--- Mean binary cross-entropy of probabilities y_pred against 0/1 targets.
--- @arg y_true: targets
--- @arg y_pred: predicted probabilities

--- @api ember.losses.categorical_crossentropy(y_true, y_pred) -> number
--- Mean categorical cross-entropy against one-hot targets.
--- @arg y_true: one-hot targets
--- @arg y_pred: predicted distributions

--- @api ember.losses.sparse_categorical_crossentropy(y_true, y_pred) -> number
--- Mean categorical cross-entropy against integer class targets.
--- @arg y_true: class indices
--- @arg y_pred: predicted distributions

--- @api ember.losses.mse(y_true, y_pred) -> number
--- Mean squared error.
--- @arg y_true: targets
--- @arg y_pred: predictions

--- @api ember.losses.mean_squared_error(y_true, y_pred) -> number
--- Mean squared error (Keras's long name of mse).
--- @arg y_true: targets
--- @arg y_pred: predictions

--- @api ember.losses.mae(y_true, y_pred) -> number
--- Mean absolute error.
--- @arg y_true: targets
--- @arg y_pred: predictions

--- @api ember.losses.mean_absolute_error(y_true, y_pred) -> number
--- Mean absolute error (Keras's long name of mae).
--- @arg y_true: targets
--- @arg y_pred: predictions

for alias, name in pairs(canonical) do
  local fn = function(y_true, y_pred) return require("ember.calls").at(2, core.train.loss, name, y_pred, y_true) end
  M[alias] = fn
  by_function[fn] = name
end

return M
