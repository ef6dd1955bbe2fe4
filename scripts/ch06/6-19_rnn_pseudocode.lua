-- Listings 6-19 and 6-20: the RNN loop as pseudocode, made runnable on a
-- tiny example (listing 6-21, the tensor version, follows the same steps).
--   6-19: state_t = 0; for input_t in input_sequence: output_t = f(input_t, state_t); state_t = output_t
--   6-20: f(input_t, state_t) = activation(dot(W, input_t) + dot(U, state_t) + b)
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"

local run = ch06.setup("6-19")
local timesteps, input_features, output_features = 5, 3, 2

-- Listing 6-19, with f a plain Lua function of two numbers.
local input_sequence = { 1.0, 0.5, -0.25, 2.0, 0.0 }
local function f(input_t, state_t) return math.tanh(0.8 * input_t + 0.5 * state_t) end
local state_t = 0
for t, input_t in ipairs(input_sequence) do
  local output_t = f(input_t, state_t)
  state_t = output_t
  print(("6-19  t=%d  input %5.2f  output/state %.4f"):format(t, input_t, output_t))
end

-- Listing 6-20: the same loop with weight matrices W, U and a bias b.
local inputs = ember.randn { timesteps, input_features }
local W = ember.randn { output_features, input_features }
local U = ember.randn { output_features, output_features }
local b = ember.randn { output_features }
local state = ember.zeros { output_features }
for t = 1, timesteps do
  local input_t = inputs[t]
  local output_t = (W:dot(input_t) + U:dot(state) + b):tanh()
  state = output_t
  print(("6-20  t=%d  output %s"):format(t, tostring(output_t)))
end
