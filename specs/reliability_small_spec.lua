-- Reliability, round two (issue 14), class 11: smaller silent mistakes, each
-- now an error naming the call and the option (before: fit_generator's
-- errors said "fit:", shuffle = "no" shuffled, an empty validation_data
-- reported val_loss 0).
local L = ember.layers

local function model()
  ember.seed(1)
  local m = ember.Sequential { L.Dense(1, { input_dim = 3 }) }
  m:compile { optimizer = "sgd", loss = "mse" }
  return m
end

describe("smaller mistakes", function()
  it("fit_generator's batch errors name fit_generator", function()
    local m = model()
    local function gen() return ember.randn { 4, 5 }, ember.randn { 4 } end
    local ok, err = pcall(m.fit_generator, m, gen, { steps_per_epoch = 1, verbose = 0 })
    assert.is_false(ok)
    assert.matches("^fit_generator: argument 'x': dense_%d+ %(Dense%): expected input of shape", err)
  end)

  it("refuses a shuffle option that is not a boolean", function()
    local m = model()
    for _, bad in ipairs { "no", 0, {} } do
      local ok, err = pcall(m.fit, m, ember.randn { 8, 3 }, ember.randn { 8 }, { shuffle = bad, verbose = 0 })
      assert.is_false(ok)
      assert.matches("fit: option 'shuffle' expected true or false", err)
    end
    assert.is_truthy(m:fit(ember.randn { 8, 3 }, ember.randn { 8 }, { shuffle = false, verbose = 0 }).history)
  end)

  it("refuses an empty validation_data instead of reporting val_loss 0", function()
    local m = model()
    local ok, err = pcall(m.fit, m, ember.randn { 8, 3 }, ember.randn { 8 },
      { validation_data = { ember.zeros { 0, 3 }, ember.zeros { 0 } }, verbose = 0 })
    assert.is_false(ok)
    assert.matches("fit: option 'validation_data' holds no samples", err)
  end)
end)
