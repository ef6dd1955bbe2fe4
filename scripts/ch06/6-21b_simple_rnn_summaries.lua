-- Section 6.2.1: SimpleRNN layers in a model, and their summaries.  The
-- book's totals: 322,080 for the last-output and full-sequence versions,
-- 328,320 for the stack of four SimpleRNNs.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"
local layers = ember.layers

local run = ch06.setup("6-21b")

-- Only the last output of the sequence.
local model = ember.Sequential()
model:add(layers.Embedding(10000, 32))
model:add(layers.SimpleRNN(32))
model:summary()
local totals = { model:count_params() }

-- The full sequence of outputs.
model = ember.Sequential()
model:add(layers.Embedding(10000, 32))
model:add(layers.SimpleRNN(32, { return_sequences = true }))
model:summary()
totals[2] = model:count_params()

-- Stacked recurrent layers: every one but the last returns full sequences.
model = ember.Sequential()
model:add(layers.Embedding(10000, 32))
model:add(layers.SimpleRNN(32, { return_sequences = true }))
model:add(layers.SimpleRNN(32, { return_sequences = true }))
model:add(layers.SimpleRNN(32, { return_sequences = true }))
model:add(layers.SimpleRNN(32))  -- this last layer only returns the last output
model:summary()
totals[3] = model:count_params()
run:record(nil, { metric = "params", note = "totals " .. table.concat(totals, " / ") })
