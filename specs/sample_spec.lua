-- ember.sample (issue 16 part 6, issue 17's "one sampler"): the book's
-- text-generation sample -- log(p) / T, softmax, one multinomial draw --
-- from the seeded generator.
describe("ember.sample", function()
  -- the book's reweighting, in plain Lua (double precision)
  local function reweighted(p, t)
    local w, sum = {}, 0
    for i, v in ipairs(p) do w[i] = v > 0 and math.exp(math.log(v) / t) or 0; sum = sum + w[i] end
    for i = 1, #w do w[i] = w[i] / sum end
    return w
  end

  local function frequencies(probs, t, n)
    local counts = {}
    for i = 1, #probs do counts[i] = 0 end
    local tensor = ember.tensor(probs)
    for _ = 1, n do
      local k = ember.sample(tensor, t)
      counts[k] = counts[k] + 1
    end
    return counts
  end

  it("draws with the reweighted probabilities at several temperatures", function()
    ember.seed(7)
    local p, n = { 0.05, 0.15, 0.3, 0.5 }, 20000
    for _, t in ipairs { 0.2, 0.5, 1.0, 1.2 } do
      local want, got = reweighted(p, t), frequencies(p, t, n)
      for i = 1, #p do
        -- 5 standard deviations of a binomial count: fails on a wrong formula, not by chance
        local sd = math.sqrt(n * want[i] * (1 - want[i]))
        assert.is_true(math.abs(got[i] - n * want[i]) <= 5 * sd + 1,
          ("T = %g, class %d: %d draws, expected %.0f"):format(t, i, got[i], n * want[i]))
      end
    end
  end)

  it("is repeatable under ember.seed, takes lists and 2-D tensors (one draw per row), 1-based", function()
    local p = ember.tensor { 0.25, 0.25, 0.25, 0.25 }
    ember.seed(3)
    local a = {}
    for i = 1, 20 do a[i] = ember.sample(p, 0.7) end
    ember.seed(3)
    for i = 1, 20 do assert.equal(a[i], ember.sample(p, 0.7)) end
    assert.equal(3, ember.sample { 0, 0, 1 })
    assert.equal(1, ember.sample({ 1, 0, 0 }, 5))
    local rows = ember.sample(ember.tensor { { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0 } }, 0.2)
    assert.equal("int32", rows.dtype)
    assert.same({ 2, 3, 1 }, rows:totable())
    -- a non-contiguous view is read as its values
    local t = ember.tensor { { 0, 0, 1 }, { 1, 0, 0 }, { 0, 1, 0 } }:t()
    assert.same({ 2, 3, 1 }, ember.sample(t):totable())
    -- rows need not sum exactly to 1 (float32 softmax output)
    assert.equal(2, ember.sample { 0, 3, 0 })
  end)

  it("refuses bad probabilities and temperatures, naming the argument", function()
    local p = ember.tensor { 0.5, 0.5 }
    for _, case in ipairs {
      { { ember.tensor { 1, -1 } }, "probabilities must be finite and >= 0, got %-1 at row 1, index 2" },
      { { ember.tensor { 0 / 0, 1 } }, "probabilities must be finite and >= 0" },
      { { ember.tensor { 0, 0 } }, "row 1 of the probabilities sums to 0" },
      { { ember.tensor { { 1, 0 }, { 0, 0 } } }, "row 2 of the probabilities sums to 0" },
      { { p, 0 }, "temperature must be a finite number > 0, got 0" },
      { { p, -1 }, "temperature must be a finite number > 0" },
      { { p, 1 / 0 }, "temperature must be a finite number > 0" },
      { { p, "hot" }, "sample: argument 'temperature'" },
      { { "x" }, "sample: argument 'probs' expected a float32 tensor or a list of numbers, got string" },
      { { { 1, "a" } }, "sample: argument 'probs' entry 2 expected a number, got string" },
      { { ember.zeros({ 3 }, { dtype = "int32" }) }, "argument 'probs' must be a float32 tensor, got int32" },
      { { ember.zeros { 2, 2, 2 } }, "must be 1%-D %(one distribution%) or 2%-D %(one per row%), got 3%-D" },
      { { ember.zeros { 0 } }, "no probabilities to sample from" },
      { { {} }, "no probabilities to sample from" },
    } do
      local ok, err = pcall(ember.sample, case[1][1], case[1][2])
      assert.is_false(ok)
      assert.matches(case[2], err)
    end
  end)
end)
