-- Listings 6-25 and 6-26: the LSTM cell as pseudocode.  The book writes
--   output_t = activation(dot(state_t, Uo) + dot(input_t, Wo) + dot(c_t, Vo) + bo)
--   i_t = activation(dot(state_t, Ui) + dot(input_t, Wi) + bi)
--   f_t = activation(dot(state_t, Uf) + dot(input_t, Wf) + bf)
--   k_t = activation(dot(state_t, Uk) + dot(input_t, Wk) + bk)
--   c_t+1 = i_t * k_t + c_t * f_t
-- Keras's LSTM (and Ember's, listing 6-27) computes, with sigmoid gates:
--   i = sigmoid(x Wi + h Ui + bi)   f = sigmoid(x Wf + h Uf + bf)
--   k = tanh(x Wc + h Uc + bc)      o = sigmoid(x Wo + h Uo + bo)
--   c' = f * c + i * k              h' = o * tanh(c')
-- (no Vo term: the output gate does not look at the carry).  This script
-- runs those equations by hand on a small input and checks them against
-- the LSTM layer with the same weights.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"

local run = ch06.setup("6-25")
local timesteps, features, units = 4, 3, 2
local lstm = ember.layers.LSTM(units, { return_sequences = true })
local x = ember.randn { 1, timesteps, features }
local y = lstm:forward(x)  -- builds the layer; {1, timesteps, units}

local kernel, recurrent, bias = table.unpack(lstm:get_weights())  -- gates in Keras order i, f, c, o
local function gate(m, g) return m:narrow(m:dim(), (g - 1) * units + 1, units) end
local h, c = ember.zeros { 1, units }, ember.zeros { 1, units }
local worst = 0
for t = 1, timesteps do
  local x_t = x:select(2, t)  -- {1, features}
  local function pre(g) return ember.matmul(x_t, gate(kernel, g)) + ember.matmul(h, gate(recurrent, g)) + gate(bias, g) end
  local i, f, k, o = pre(1):sigmoid(), pre(2):sigmoid(), pre(3):tanh(), pre(4):sigmoid()
  c = f * c + i * k           -- listing 6-26: c_t+1 = i_t * k_t + c_t * f_t
  h = o * c:tanh()
  local layer_h = y:select(2, t)
  local diff = (h - layer_h):abs():max()
  worst = math.max(worst, diff)
  print(("t=%d  by hand %s  layer %s"):format(t, tostring(h), tostring(layer_h)))
end
print(("largest difference between the hand-written cell and the LSTM layer: %.2e"):format(worst))
run:record(nil, { metric = "check", note = ("hand-written cell = LSTM layer within %.1e"):format(worst) })
if worst > 1e-5 then error("6-25: the LSTM layer does not follow the cell equations", 0) end
