-- Recurrent layers inside Sequential: the summaries of the book's section
-- 6.2.1 and listing 6-41, and a small model that learns.
local L = ember.layers

local function summary_rows(model)
  local lines = {}
  model:summary { print_fn = function(line) lines[#lines + 1] = line end }
  local rows, totals = {}, {}
  for _, line in ipairs(lines) do
    -- Keras cuts "name (Type)" at 28 characters: "bidirectional_1 (Bidirection"
    local name, kind, shape, params = line:match("^(%S+) %((%a+)%)?%s+(%(None.-%))%s+(%d+)%s*$")
    if name then rows[#rows + 1] = { name = name, type = kind, shape = shape, params = tonumber(params) } end
    local key, n = line:match("^(%a+) params: ([%d,]+)$")
    if key then totals[key] = n end
  end
  return rows, totals
end

local function expect_rows(rows, want)
  assert.are.equal(#want, #rows)
  for i, w in ipairs(want) do
    assert.are.equal(w[1], rows[i].type)
    assert.are.equal(w[2], rows[i].shape)
    assert.are.equal(w[3], rows[i].params)
  end
end

describe("recurrent models", function()
  it("summary of Embedding + SimpleRNN (section 6.2.1)", function()
    local model = ember.Sequential()
    model:add(L.Embedding(10000, 32))
    model:add(L.SimpleRNN(32))
    local rows, totals = summary_rows(model)
    expect_rows(rows, { { "Embedding", "(None, None, 32)", 320000 }, { "SimpleRNN", "(None, 32)", 2080 } })
    assert.are.equal("322,080", totals.Total)
    assert.are.equal("322,080", totals.Trainable)
    assert.matches("^simple_rnn_%d+$", rows[2].name)
  end)

  it("summary of Embedding + 3 SimpleRNN(return_sequences) + SimpleRNN (section 6.2.1)", function()
    local model = ember.Sequential()
    model:add(L.Embedding(10000, 32))
    model:add(L.SimpleRNN(32, { return_sequences = true }))
    model:add(L.SimpleRNN(32, { return_sequences = true }))
    model:add(L.SimpleRNN(32, { return_sequences = true }))
    model:add(L.SimpleRNN(32))
    local rows, totals = summary_rows(model)
    expect_rows(rows, {
      { "Embedding", "(None, None, 32)", 320000 },
      { "SimpleRNN", "(None, None, 32)", 2080 },
      { "SimpleRNN", "(None, None, 32)", 2080 },
      { "SimpleRNN", "(None, None, 32)", 2080 },
      { "SimpleRNN", "(None, 32)", 2080 },
    })
    assert.are.equal("328,320", totals.Total)
  end)

  it("summary of listing 6-41's stacked GRU with dropout", function()
    local model = ember.Sequential()
    model:add(L.GRU(32, { dropout = 0.1, recurrent_dropout = 0.5, return_sequences = true,
      input_shape = { ember.None, 14 } }))
    model:add(L.GRU(64, { activation = "relu", dropout = 0.1, recurrent_dropout = 0.5 }))
    model:add(L.Dense(1))
    local rows, totals = summary_rows(model)
    expect_rows(rows, {
      { "GRU", "(None, None, 32)", 4512 },
      { "GRU", "(None, 64)", 18624 },
      { "Dense", "(None, 1)", 65 },
    })
    assert.are.equal("23,201", totals.Total)
  end)

  it("summary of the bidirectional LSTM of listing 6-43", function()
    local model = ember.Sequential { L.Embedding(10000, 32), L.Bidirectional(L.LSTM(32)),
      L.Dense(1, { activation = "sigmoid" }) }
    local rows, totals = summary_rows(model)
    assert.matches("^Bidirectio", rows[2].type)  -- cut at 28 characters
    assert.are.equal("(None, 64)", rows[2].shape)
    assert.are.equal(16640, rows[2].params)
    assert.are.equal("336,705", totals.Total)
  end)

  it("an LSTM learns the sign of a sequence's sum", function()
    ember.seed(1)
    local n, T = 256, 6
    local xs, ys = {}, {}
    for i = 1, n do
      local seq, s = {}, 0
      for t = 1, T do
        local v = (((i * 37 + t * 11) % 19) - 9) / 9
        seq[t] = { v }
        s = s + v
      end
      xs[i], ys[i] = seq, s > 0 and 1 or 0
    end
    local x, y = ember.tensor(xs), ember.tensor(ys)
    local model = ember.Sequential { L.LSTM(8, { input_shape = { ember.None, 1 } }), L.Dense(1, { activation = "sigmoid" }) }
    model:compile { optimizer = ember.optimizers.RMSprop { lr = 0.01 }, loss = "binary_crossentropy", metrics = { "acc" } }
    local history = model:fit(x, y, { epochs = 15, batch_size = 32, verbose = 0 })
    local loss = history.history.loss
    assert.is_true(loss[#loss] < 0.5 * loss[1])
    assert.is_true(history.history.acc[#loss] > 0.85)
  end)
end)
