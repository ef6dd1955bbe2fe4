-- The layer protocol's io entry points (engine/layers/layer.h), at the C
-- level: several inputs and gradients through call hooks, masks handed on
-- by the layers that keep timesteps and refused by name by the others.
local c_program = require "support.c_program"

describe("layer protocol (C)", function()
  it("carries several tensors and a mask, and refuses what a layer cannot take", function()
    local sources = "specs/c/layer_call_test.c engine/layers/layer.c engine/layers/layer_util.c engine/layers/dense.c "
      .. "engine/layers/flatten.c engine/layers/lstm.c engine/layers/recurrent.c engine/layers/recurrent_cell.c "
      .. "engine/layers/recurrent_steps.c engine/layers/options.c engine/layers/initializers.c engine/layers/controls.c "
      .. "engine/ops/activations.c engine/ops/gemm.c engine/core/tensor.c engine/core/bigalloc.c engine/core/error.c engine/core/names.c "
      .. "engine/core/random.c engine/core/parallel.c engine/core/fpmode.c "
      .. "$(pkg-config --cflags --libs openblas) -lm -lpthread"
    local out, why = c_program.output("layer_call_test", "-O1 " .. sources)
    if not out then
      pending(why)
      return
    end
    assert.equal("Dense: rc 0, mask passed on yes\n" ..
      "Flatten: rc -1, Flatten: cannot take a mask (a layer before it, e.g. Embedding with mask_zero, makes one)\n" ..
      "LSTM: rc 0, output mask consumed\n" ..
      "Dense with two inputs: rc -1, Dense: takes one input tensor, got 2\n" ..
      "Add2: rc 0, y[0] 3\n" ..
      "Add2 backward: rc 0, 2 gradients\n" ..
      "Add2 through forward: rc -1, Add2: takes several inputs or a mask; call it through em_layer_call\n", out)
  end)
end)
