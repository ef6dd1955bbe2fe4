-- ember.data.timeseries_generator against a line-by-line Lua transcription
-- of the book's listing 6-33 (0-based, as in Python), on small data,
-- sequential and shuffled, for several lookback / step / delay values.
local D = ember.data

-- Listing 6-33, transcribed: data is a Lua list of rows (data[i + 1] is the
-- book's data[i]); np.random.randint(lo, hi) is ember.randint(lo, hi - 1),
-- which draws from the same engine RNG.
local function book_generator(data, lookback, delay, min_index, max_index, shuffle, batch_size, step)
  if max_index == nil then max_index = #data - delay - 1 end
  local i = min_index + lookback
  return function()
    local rows = {}
    if shuffle then
      rows = ember.randint(min_index + lookback, max_index - 1, { batch_size }):totable()
    else
      if i + batch_size >= max_index then i = min_index + lookback end
      for r = i, math.min(i + batch_size, max_index) - 1 do rows[#rows + 1] = r end
      i = i + #rows
    end
    local samples, targets = {}, {}
    for j, row in ipairs(rows) do
      local sample = {}
      for idx = row - lookback, row - 1, step do sample[#sample + 1] = data[idx + 1] end
      samples[j] = sample
      targets[j] = data[row + delay + 1][2]
    end
    return samples, targets
  end
end

local function reversed(samples)
  local out = {}
  for j, s in ipairs(samples) do
    out[j] = {}
    for t = 1, #s do out[j][t] = s[#s + 1 - t] end
  end
  return out
end

local CASES = {
  { lookback = 10, step = 2, delay = 3, batch_size = 4, min_index = 1, max_index = 40 },
  { lookback = 12, step = 3, delay = 0, batch_size = 7, min_index = 5 },
  { lookback = 6, step = 1, delay = 5, batch_size = 5, min_index = 3, max_index = 30 },
  { lookback = 8, step = 4, delay = 1, batch_size = 16, min_index = 1, max_index = 27 },
}

describe("timeseries_generator", function()
  local data
  setup(function()
    ember.seed(7)
    data = ember.rand { 50, 3 }
  end)

  for _, shuffle in ipairs { false, true } do
    for _, reverse in ipairs { false, true } do
      it(("gives listing 6-33's batches (%s%s)"):format(shuffle and "shuffled" or "sequential",
        reverse and ", reversed" or ""), function()
        local rows = data:totable()
        for _, c in ipairs(CASES) do
          -- Ember's 1-based min_index is the book's min_index + 1; max_index is the same number
          ember.seed(123)
          local book = book_generator(rows, c.lookback, c.delay, c.min_index - 1, c.max_index, shuffle, c.batch_size, c.step)
          local want = {}
          for k = 1, 12 do want[k] = table.pack(book()) end
          ember.seed(123)
          local gen = D.timeseries_generator(data, { lookback = c.lookback, delay = c.delay, min_index = c.min_index,
            max_index = c.max_index, shuffle = shuffle, batch_size = c.batch_size, step = c.step, reverse = reverse })
          for k = 1, 12 do
            local samples, targets = gen()
            local ws = reverse and reversed(want[k][1]) or want[k][1]
            assert.same({ #ws, c.lookback // c.step, 3 }, samples.shape)
            assert.same(ws, samples:totable())
            assert.same(want[k][2], targets:totable())
          end
        end
      end)
    end
  end

  it("never overwrites a batch the caller still holds (buffers are recycled only when dropped)", function()
    local rows = data:totable()
    ember.seed(9)
    local book = book_generator(rows, 10, 2, 0, 45, true, 8, 2)
    local want = {}
    for k = 1, 10 do want[k] = table.pack(book()) end
    ember.seed(9)
    local gen = D.timeseries_generator(data, { lookback = 10, delay = 2, max_index = 45, shuffle = true, batch_size = 8, step = 2 })
    local kept = {}
    for k = 1, 10 do
      kept[k] = table.pack(gen())
      if k % 3 == 0 then collectgarbage() end
    end
    for k = 1, 10 do
      assert.same(want[k][1], kept[k][1]:totable())
      assert.same(want[k][2], kept[k][2]:totable())
    end
    -- dropped batches are recycled: many batches, little memory
    local before = ember.peak_rss()
    local big = D.timeseries_generator(ember.rand { 2000, 14 }, { lookback = 1000, delay = 10, step = 1, batch_size = 64 })
    for _ = 1, 200 do big() end  -- 3.6 MB per batch, 730 MB if none were reused
    assert.truthy(ember.peak_rss() - before < 200 * 2 ^ 20)
  end)

  it("uses #data - delay - 1 as the default max_index, exposes its settings, and works as gen:next()", function()
    local gen = D.timeseries_generator(data, { lookback = 4, delay = 2, step = 2, batch_size = 3 })
    assert.equal(47, gen.max_index)
    assert.equal(2, gen.timesteps)
    assert.is_false(gen.shuffle)
    local s, t = gen:next()
    assert.same({ 3, 2, 3 }, s.shape)
    assert.equal(data:get(5 + 2, 2), t:get(1))
    assert.matches("timeseries_generator%(rows 1%.%.47", tostring(gen))
  end)

  it("takes ceil(lookback / step) timesteps when step does not divide lookback", function()
    local gen = D.timeseries_generator(data, { lookback = 7, delay = 0, step = 3, batch_size = 2, target_column = 1 })
    local s, t = gen()
    assert.same({ 2, 3, 3 }, s.shape)
    -- first row r = 8: rows 1, 4, 7; target data[8][1]
    assert.same({ data[1]:totable(), data[4]:totable(), data[7]:totable() }, s[1]:totable())
    assert.equal(data:get(8, 1), t:get(1))
  end)

  it("clips a sequential batch at max_index", function()
    local gen = D.timeseries_generator(data, { lookback = 2, delay = 0, step = 1, batch_size = 10, min_index = 1, max_index = 6 })
    local s = gen()
    assert.same({ 4, 2, 3 }, s.shape)  -- rows 3..6
  end)

  it("feeds Sequential:fit_generator directly", function()
    local L = ember.layers
    local model = ember.Sequential()
    model:add(L.Flatten { input_shape = { 5, 3 } })
    model:add(L.Dense(1))
    model:compile { optimizer = "rmsprop", loss = "mae" }
    local train = D.timeseries_generator(data, { lookback = 10, delay = 2, max_index = 30, shuffle = true, step = 2, batch_size = 8 })
    local val = D.timeseries_generator(data, { lookback = 10, delay = 2, min_index = 31, step = 2, batch_size = 4 })
    local history = model:fit_generator(train, { steps_per_epoch = 3, epochs = 2, validation_data = val,
      validation_steps = 2, verbose = 0 })
    assert.equal(2, #history.history.loss)
    assert.is_number(history.history.val_loss[2])
  end)

  describe("bad input", function()
    it("refuses arguments that leave no rows", function()
      assert.error_matches(function() D.timeseries_generator(data, { lookback = 30, delay = 1, min_index = 20, max_index = 45 }) end,
        "timeseries_generator: min_index 20 %+ lookback 30 > max_index 45 leaves no rows to draw")
    end)
    it("refuses a max_index whose targets would be past the end", function()
      assert.error_matches(function() D.timeseries_generator(data, { lookback = 3, delay = 5, max_index = 46 }) end,
        "max_index 46 %+ delay 5 is past the last row %(50%)")
    end)
    it("checks every setting", function()
      local G = D.timeseries_generator
      assert.error_matches(function() G(data, { delay = 1 }) end, "option 'lookback' is required")
      assert.error_matches(function() G(data, { lookback = 3 }) end, "option 'delay' is required")
      assert.error_matches(function() G(data, { lookback = 0, delay = 1 }) end, "lookback must be >= 1, got 0")
      assert.error_matches(function() G(data, { lookback = 3, delay = 1, step = 0 }) end, "step must be >= 1, got 0")
      assert.error_matches(function() G(data, { lookback = 3, delay = -1 }) end, "delay must be >= 0, got %-1")
      assert.error_matches(function() G(data, { lookback = 3, delay = 1, batch_size = 0 }) end, "batch_size must be >= 1")
      assert.error_matches(function() G(data, { lookback = 3, delay = 1, target_column = 4 }) end,
        "target_column must be in %[1, 3%], got 4")
      assert.error_matches(function() G(data, { lookback = 3, delay = 1, min_index = 0 }) end, "min_index must be >= 1, got 0")
      assert.error_matches(function() G(data, { lookback = 3, delay = 1, lookbak = 2 }) end, "unknown option 'lookbak'")
      assert.error_matches(function() G(data, { lookback = 3, delay = 1, shuffle = 1 }) end, "option 'shuffle' expected a boolean")
      assert.error_matches(function() G(ember.zeros { 10 }, { lookback = 3, delay = 1 }) end, "data must be a 2%-D float32 tensor")
      assert.error_matches(function() G({}, { lookback = 3, delay = 1 }) end, "argument 'data' expected a float32 tensor, got table")
      assert.error_matches(function() G(data) end, "argument 'options' expected a table")
    end)
  end)
end)
