-- Outputs against an independent implementation: PyTorch 1.13's RNN, LSTM,
-- GRU and bidirectional LSTM on a small input, weights converted to Keras
-- layout (specs/fixtures/recurrent/make_torch_fixtures.py made the .npz
-- once; PyTorch is not needed to run this spec).  PyTorch's GRU is Keras's
-- GRU with reset_after = true.
local gradcheck = require "support.gradcheck"
local L = ember.layers

local fixture = ember.load("specs/fixtures/recurrent/torch_rnn.npz")

local function check(prefix, layer, nweights)
  local x = fixture[prefix .. "_x"]
  layer:build({ ember.None, ember.None, x.shape[3] })
  local weights = {}
  for i = 1, nweights do weights[i] = fixture[("%s_w%d"):format(prefix, i)] end
  layer:set_weights(weights)
  local got, want = gradcheck.values(layer:forward(x)), gradcheck.values(fixture[prefix .. "_y"])
  assert.are.equal(#want, #got)
  for i = 1, #want do
    if math.abs(got[i] - want[i]) > 1e-5 then
      error(("%s output %d: ember %.7f, PyTorch %.7f"):format(prefix, i, got[i], want[i]))
    end
  end
end

describe("recurrent layers agree with PyTorch", function()
  it("SimpleRNN", function() check("simple_rnn", L.SimpleRNN(4, { return_sequences = true }), 3) end)
  it("LSTM", function() check("lstm", L.LSTM(4, { return_sequences = true }), 3) end)
  it("GRU(reset_after = true)", function()
    check("gru", L.GRU(4, { return_sequences = true, reset_after = true }), 3)
  end)
  it("Bidirectional(LSTM), concat", function()
    check("bilstm", L.Bidirectional(L.LSTM(2, { return_sequences = true })), 6)
  end)
end)
