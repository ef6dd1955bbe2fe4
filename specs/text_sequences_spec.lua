-- Sequences (ragged int32), pad_sequences on every padding/truncating
-- combination (expectations from Keras's algorithm, specs/fixtures/
-- text_expected.lua), one_hot / hashing_trick with md5.
local P = ember.preprocessing
local E = dofile("specs/fixtures/text_expected.lua")

describe("Sequences", function()
  it("stores ragged lists compactly, with #, indexing and totable", function()
    local s = P.Sequences { { 1, 2, 3 }, {}, { 7 } }
    assert.equal(3, #s)
    assert.same({ 1, 2, 3 }, s[1]:totable())
    assert.equal("int32", s[1].dtype)
    assert.same({ 0 }, s[2].shape)
    assert.same({ { 1, 2, 3 }, {}, { 7 } }, s:totable())
    assert.same({ 3, 0, 1 }, s:lengths():totable())
    assert.same({ 1, 2, 3, 7 }, s:values():totable())
    assert.same({ 0, 3, 3, 4 }, s:offsets():totable())
    assert.same(s:totable(), ember.core.text.sequences_from_flat(s:values(), s:offsets()):totable())
    assert.matches("Sequences%(3 sequences, 4 values%)", tostring(s))
  end)

  it("accepts int32 tensors as entries", function()
    local s = P.Sequences { ember.tensor({ 4, 5 }, { dtype = "int32" }), { 6 } }
    assert.same({ { 4, 5 }, { 6 } }, s:totable())
  end)

  it("reverses every sequence (listing 6-42)", function()
    local s = P.Sequences { { 1, 2, 3 }, {}, { 7, 8 } }
    assert.same({ { 3, 2, 1 }, {}, { 8, 7 } }, s:reversed():totable())
    assert.same({ { 1, 2, 3 }, {}, { 7, 8 } }, s:totable())
  end)

  it("returns copies: changing an element tensor leaves the sequences alone", function()
    local s = P.Sequences { { 1, 2 } }
    s[1]:set(1, 99)
    assert.equal(1, s[1]:get(1))
  end)

  describe("bad input", function()
    it("names the bad entry", function()
      assert.error_matches(function() P.Sequences { { 1, 2.5 } } end,
        "Sequences: argument 'sequences' entry 1, item 2 must be an int32 integer, got 2.5")
      assert.error_matches(function() P.Sequences { { 1 }, "x" } end,
        "Sequences: argument 'sequences' entry 2 must be a list of integers or an int32 tensor, got string")
      assert.error_matches(function() P.Sequences { ember.zeros { 2 } } end, "entry 1 must be a 1%-D int32 tensor")
      assert.error_matches(function() P.Sequences(5) end,
        "Sequences: argument 'sequences' expected Sequences or a list of integer lists, got 5")
      assert.error_matches(function() P.Sequences { { 2 ^ 31 } } end, "must be an int32 integer")
    end)
    it("refuses out-of-range indices", function()
      local s = P.Sequences { { 1 } }
      assert.error_matches(function() return s[2] end, "Sequences: argument 'index' must be in %[1, 1%], got 2")
      assert.error_matches(function() return s[0] end, "must be in %[1, 1%], got 0")
      assert.error_matches(function() return P.Sequences({})[1] end, "out of range %(no sequences%)")
    end)
    it("checks flat offsets", function()
      local v = ember.tensor({ 1, 2 }, { dtype = "int32" })
      assert.error_matches(function() ember.core.text.sequences_from_flat(v, ember.tensor({ 0, 3 }, { dtype = "int32" })) end,
        "argument 'offsets' must start at 0 and end at the number of values")
      assert.error_matches(function() ember.core.text.sequences_from_flat(v, ember.tensor({ 0, 2, 1, 2 }, { dtype = "int32" })) end,
        "argument 'offsets' must not decrease")
    end)
    it("names sequences_from_flat (its real name) and the argument at fault", function()
      local from_flat = ember.text.sequences_from_flat
      assert.equal(ember.core.text.sequences_from_flat, from_flat)
      local i32 = function(t, shape)
        local x = ember.tensor(t, { dtype = "int32" })
        return shape and x:reshape(shape) or x
      end
      local v = i32 { 1, 2 }
      local cases = {
        { function() from_flat(v, i32 { 0, 3 }) end,
          "sequences_from_flat: argument 'offsets' must start at 0 and end at the number of values (2), got 0 .. 3" },
        { function() from_flat(v, i32 { 0, 2, 1, 2 }) end,
          "sequences_from_flat: argument 'offsets' must not decrease (entry 3)" },
        { function() from_flat(i32({ 1, 2, 3, 4 }, { 2, 2 }), i32 { 0, 4 }) end,
          "sequences_from_flat: argument 'values' expected a 1-D contiguous int32 tensor, got shape {2,2}" },
        { function() from_flat(v, ember.zeros({ 0 }, { dtype = "int32" })) end,
          "sequences_from_flat: argument 'offsets' expected a 1-D contiguous int32 tensor of n + 1 entries, got shape {0}" },
        { function() from_flat(ember.tensor { 1, 2 }, i32 { 0, 2 }) end,
          "sequences_from_flat: argument 'values' expected an int32 tensor, got float32 tensor {2}" },
        { function() from_flat(v) end, "sequences_from_flat: argument 'offsets' expected an int32 tensor, got no value" },
      }
      for _, c in ipairs(cases) do
        local ok, err = pcall(c[1])
        assert.is_false(ok)
        assert.equal("specs/text_sequences_spec.lua:" .. debug.getinfo(c[1], "S").linedefined .. ": " .. c[2], err)
      end
    end)
  end)
end)

describe("pad_sequences", function()
  it("matches Keras on every maxlen / padding / truncating combination", function()
    local n = 0
    for key, expected in pairs(E.pad) do
      local maxlen, padding, truncating = key:match("^(%w+)_(%w+)_(%w+)$")
      local opts = { maxlen = tonumber(maxlen), padding = padding, truncating = truncating, value = -1 }
      local x = P.pad_sequences(E.pad_input, opts)
      assert.equal("int32", x.dtype)
      assert.same(expected, x:totable(), key)
      assert.same(expected, P.pad_sequences(P.Sequences(E.pad_input), opts):totable(), key)
      n = n + 1
    end
    assert.equal(16, n)
  end)

  it("defaults to pre padding and pre truncating (keeps the last maxlen tokens)", function()
    assert.same({ { 3, 4, 5 }, { 0, 6, 7 } }, P.pad_sequences({ { 1, 2, 3, 4, 5 }, { 6, 7 } }, { maxlen = 3 }):totable())
    assert.same({ { 1, 2, 3 }, { 0, 0, 4 } }, P.pad_sequences({ { 1, 2, 3 }, { 4 } }):totable())
  end)

  it("gives float32 on request, with a fractional value", function()
    local x = P.pad_sequences({ { 1 } }, { maxlen = 2, dtype = "float32", value = 0.5 })
    assert.equal("float32", x.dtype)
    assert.same({ { 0.5, 1 } }, x:totable())
  end)

  it("handles an all-empty input like Keras: shape {n, 0}", function()
    assert.same({ 2, 0 }, P.pad_sequences({ {}, {} }).shape)
  end)

  describe("bad input", function()
    it("refuses maxlen <= 0, unknown modes and unknown options", function()
      assert.error_matches(function() P.pad_sequences({ { 1 } }, { maxlen = 0 }) end,
        "pad_sequences: option 'maxlen' must be in %[1, 2147483647%], got 0")
      assert.error_matches(function() P.pad_sequences({ { 1 } }, { maxlen = -3 }) end, "option 'maxlen' must be in")
      assert.error_matches(function() P.pad_sequences({ { 1 } }, { padding = "middle" }) end,
        "pad_sequences: option 'padding' must be one of \"pre\", \"post\", got \"middle\"")
      assert.error_matches(function() P.pad_sequences({ { 1 } }, { truncating = "both" }) end,
        "pad_sequences: option 'truncating' must be one of \"pre\", \"post\", got \"both\"")
      assert.error_matches(function() P.pad_sequences({ { 1 } }, { max_len = 3 }) end, "pad_sequences: unknown option 'max_len'")
      assert.error_matches(function() P.pad_sequences({ { 1 } }, { value = 0.5 }) end, "does not fit an int32 result")
      assert.error_matches(function() P.pad_sequences("abc") end, "pad_sequences: argument 'sequences' expected Sequences")
    end)
  end)
end)

describe("one_hot / hashing_trick", function()
  local text = E.texts[1] .. " " .. E.texts[3]
  it("hash words with md5 like Keras's hashing_trick(hash_function='md5')", function()
    for n, expected in pairs(E.hashing) do
      assert.same(expected, P.hashing_trick(text, tonumber(n)))
      assert.same(expected, P.one_hot(text, tonumber(n)))
    end
  end)
  it("keeps every index in [1, n - 1] and is deterministic", function()
    local a = P.one_hot("the quick brown fox jumps over the lazy dog", 10)
    assert.same(a, P.one_hot("the quick brown fox jumps over the lazy dog", 10))
    assert.equal(a[1], a[7])
    for _, v in ipairs(a) do assert.truthy(v >= 1 and v <= 9) end
  end)
  it("refuses n < 2 and non-string text", function()
    assert.error_matches(function() P.one_hot("a", 1) end, "one_hot: argument 'n' must be in %[2, 2147483647%], got 1")
    assert.error_matches(function() P.hashing_trick(3, 10) end, "hashing_trick: argument 'text' expected a string, got 3")
    assert.error_matches(function() P.hashing_trick("a", 10, { lowercase = true }) end, "hashing_trick: unknown option 'lowercase'")
  end)
end)
