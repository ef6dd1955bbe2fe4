-- Listing 6.21: pseudocode RNN made concrete with tensors (the book's numpy
-- forward pass).  Run: ./ember scripts/ch06/6-21_numpy_rnn.lua
ember.seed(42)

local timesteps = 100       -- number of timesteps in the input sequence
local input_features = 32   -- dimensionality of the input feature space
local output_features = 64  -- dimensionality of the output feature space

local inputs = ember.rand { timesteps, input_features } -- input data: random noise for the example
local state_t = ember.zeros { output_features }         -- initial state: all zeros

-- Random weight matrices.
local W = ember.rand { output_features, input_features }
local U = ember.rand { output_features, output_features }
local b = ember.rand { output_features }

local successive_outputs = {}
for t = 1, timesteps do
  local input_t = inputs[t] -- a vector of shape (input_features,)
  -- Combine the input with the current state (the previous output) to get the current output.
  local output_t = (W:dot(input_t) + U:dot(state_t) + b):tanh()
  successive_outputs[t] = output_t -- store this output in a list
  state_t = output_t               -- update the state for the next timestep
end

-- The final output is a 2D tensor of shape (timesteps, output_features).
-- (The book writes np.concatenate(successive_outputs, axis=0), which gives
-- a flat (6400,) vector; stacking gives the shape the text describes.)
local final_output_sequence = ember.stack(successive_outputs, 1)

local function shape(t) return "(" .. table.concat(t.shape, ", ") .. (#t.shape == 1 and ",)" or ")") end
print("inputs:", shape(inputs), "W:", shape(W), "U:", shape(U), "b:", shape(b))
print("output_t:", shape(successive_outputs[timesteps]))
print("final_output_sequence:", shape(final_output_sequence))
print("concatenated along axis 0 as the book writes it:", shape(ember.cat(successive_outputs, 1)))
