-- Losses, computed in C (engine/train/losses.c).  Each is also callable
-- Keras-style: ember.losses.mse(y_true, y_pred) -> mean loss (a number).
-- ember.losses.compute(name, y_pred, y_true, grad) additionally writes
-- dLoss/dy_pred into the tensor `grad` (resized as needed).
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
function M.get(v, who)
  who = who or "losses.get"
  if type(v) == "string" and canonical[v] then return canonical[v] end
  if by_function[v] then return by_function[v] end
  error(("%s: unknown loss %s (valid: %s)%s"):format(who,
    type(v) == "string" and ("'" .. v .. "'") or type(v), valid, require("ember.calls").suggestion(v, canonical)), 3)
end

function M.compute(name, y_pred, y_true, grad)
  return core.train.loss(M.get(name, "losses.compute"), y_pred, y_true, grad)
end

for alias, name in pairs(canonical) do
  local fn = function(y_true, y_pred) return core.train.loss(name, y_pred, y_true) end
  M[alias] = fn
  by_function[fn] = name
end

return M
