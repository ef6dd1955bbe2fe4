-- A training loop written by hand: forward, loss and its gradient,
-- backward, one optimizer step.  Everything fit() does, minus the bookkeeping.
ember.seed(1)
local L = ember.layers
local x = ember.randn{512, 10}                              -- toy data: is the sum positive?
local y = ember.zeros{512}
for i = 1, 512 do local s = 0; for j = 1, 10 do s = s + x:get(i, j) end; y:set(i, s > 0 and 1 or 0) end

local model = ember.Sequential{L.Dense(16, {activation = "relu", input_dim = 10}), L.Dense(1, {activation = "sigmoid"})}
local opt = ember.optimizers.Adam{lr = 0.01}
local grad = ember.zeros{0}                                 -- reused dLoss/dPredictions buffer
for epoch = 1, 20 do
  for first = 1, 512, 64 do
    local xb, yb = x:narrow(1, first, 64), y:narrow(1, first, 64)
    model:zero_grads()
    local pred = model:forward(xb, true)
    local loss = ember.losses.compute("binary_crossentropy", pred, yb, grad)
    model:backward(grad)
    opt:step(model)
    if first == 1 and epoch % 5 == 0 then print(("epoch %2d  loss %.4f"):format(epoch, loss)) end
  end
end
print(("accuracy %.3f"):format(ember.core.train.metric("binary_accuracy", model:predict(x), y)))
