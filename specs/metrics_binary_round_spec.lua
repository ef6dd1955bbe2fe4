-- binary_accuracy as Keras 2 computes it: mean(equal(y_true, round(y_pred))),
-- which matters when a model's last layer is linear (listing 6-46).
describe("binary_accuracy on outputs outside [0, 1]", function()
  local train = ember.core.train

  it("counts a prediction as right only when it rounds to the label", function()
    -- 1.7 rounds to 2 (wrong for 1), -0.3 to 0 (right for 0), -0.7 to -1 (wrong for 0)
    local p = ember.tensor { 1.7, 0.9, -0.3, -0.7, 1.4, 0.2 }
    local t = ember.tensor { 1, 1, 0, 0, 1, 0 }
    assert.near(4 / 6, train.metric("binary_accuracy", p, t), 1e-12)
  end)

  it("rounds halves to even, as tf.round", function()
    local p = ember.tensor { 0.5, 1.5, 2.5 }
    local t = ember.tensor { 0, 2, 2 }
    assert.near(1, train.metric("binary_accuracy", p, t), 1e-12)
  end)

  it("is unchanged for sigmoid outputs", function()
    local p = ember.tensor { 0.51, 0.49, 0.99, 0.01 }
    local t = ember.tensor { 1, 0, 0, 0 }
    assert.near(0.75, train.metric("binary_accuracy", p, t), 1e-12)
  end)
end)
