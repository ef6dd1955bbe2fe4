-- The Tokenizer pinned to Keras 2.2.4 on tricky text.  Expected values come
-- from specs/fixtures/text_expected.lua, written by make_text_expected.py
-- with a Python re-implementation of keras_preprocessing's text.py.
local P = ember.preprocessing
local E = dofile("specs/fixtures/text_expected.lua")

local function keys_of(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function check_case(case, fit, texts)
  local tok = P.Tokenizer(case.config)
  tok:fit_on_texts(fit)
  assert.same(case.word_index, tok.word_index)
  assert.same(case.index_word, tok.index_word)
  assert.same(case.word_counts, tok.word_counts)
  assert.same(case.word_docs, tok.word_docs)
  assert.same(case.index_docs, tok.index_docs)
  assert.equal(case.document_count, tok.document_count)
  assert.same(case.sequences, tok:texts_to_sequences(texts):totable())
  return tok
end

local function check_matrix(expected, m)
  assert.same({ #expected, #expected[1] }, m.shape)
  for i = 1, #expected do
    for j = 1, #expected[1] do
      local want, got = expected[i][j], m:get(i, j)
      assert(math.abs(want - got) <= 1e-6 * math.max(1, math.abs(want)),
        ("row %d column %d: expected %.9g, got %.9g"):format(i, j, want, got))
    end
  end
end

describe("Tokenizer (Keras 2 semantics)", function()
  it("splits words as text_to_word_sequence: punctuation, <br />, apostrophes, tabs, spaces, accents", function()
    for i, text in ipairs(E.texts) do
      assert.same(E.words[i], P.text_to_word_sequence(text))
    end
  end)

  it("ranks words by count, ties by first appearance, with counts and document counts", function()
    local tok = check_case(E.default, E.texts, E.texts)
    assert.equal(1, tok.word_index["the"])
    -- "zeta alpha beta alpha beta zeta": all three counted twice, zeta seen first
    assert.truthy(tok.word_index["zeta"] < tok.word_index["alpha"])
    assert.truthy(tok.word_index["alpha"] < tok.word_index["beta"])
  end)

  it("lowercases UTF-8 as Python's str.lower (accented capitals, final sigma, dotted I)", function()
    local tok = check_case(E.default, E.texts, E.texts)
    assert.equal(2, tok.word_counts["\u{e9}cole"])
    assert.equal(2, tok.word_counts["na\u{ef}ve"])
    assert.is_number(tok.word_index["\u{3bf}\u{3b4}\u{3c5}\u{3c3}\u{3c3}\u{3b5}\u{3c5}\u{3c2}"])
    assert.is_number(tok.word_index["i\u{307}stanbul"])
  end)

  it("keeps indices < num_words in sequences and matrices", function()
    local tok = check_case(E.num_words, E.texts, E.texts)
    for _, mode in ipairs { "binary", "count", "freq", "tfidf" } do
      check_matrix(E.num_words["matrix_" .. mode], tok:texts_to_matrix(E.texts, mode))
    end
    check_matrix(E.num_words.matrix_count, tok:texts_to_matrix(E.texts, { mode = "count" }))
  end)

  it("builds all four matrix modes over the whole vocabulary without num_words", function()
    local tok = check_case(E.default, E.texts, E.texts)
    for _, mode in ipairs { "binary", "count", "freq", "tfidf" } do
      check_matrix(E.default["matrix_" .. mode], tok:texts_to_matrix(E.texts, mode))
      check_matrix(E.default["matrix_" .. mode], tok:sequences_to_matrix(tok:texts_to_sequences(E.texts), mode))
    end
  end)

  it("puts the oov_token at index 1 and maps unknown and rare words to it", function()
    local tok = check_case(E.oov, { table.unpack(E.texts, 1, 4) }, E.texts)
    assert.equal(1, tok.word_index["<unk>"])
  end)

  it("lets an oov_token that is also a word keep that word's index, as Keras's dict() does", function()
    check_case(E.oov_in_text, E.texts, { table.unpack(E.texts, 7) })
  end)

  it("honours lower = false, custom filters and a custom split", function()
    check_case(E.no_lower, E.texts, E.texts)
  end)

  it("counts characters with char_level", function()
    check_case(E.char_level, { table.unpack(E.texts, 1, 3) }, { table.unpack(E.texts, 1, 4) })
  end)

  it("accumulates over several fit_on_texts calls and refreshes word_index", function()
    local tok = P.Tokenizer()
    tok:fit_on_texts { "b b a" }
    assert.equal(1, tok.word_index["b"])
    tok:fit_on_texts { "a a" }
    assert.equal(1, tok.word_index["a"])
    assert.equal(2, tok.document_count)
    assert.equal(3, tok.word_counts["a"])
    assert.equal(2, keys_of(tok.word_index))
  end)

  it("turns sequences back into texts as sequences_to_texts (oov, num_words, indices with no word)", function()
    for _, name in ipairs { "default", "num_words", "oov", "oov_in_text", "no_lower", "char_level" } do
      local case = E[name]
      local tok = P.Tokenizer(case.config)
      tok:fit_on_texts(name == "oov" and { table.unpack(E.texts, 1, 4) }
        or name == "char_level" and { table.unpack(E.texts, 1, 3) } or E.texts)
      assert.same(case.texts_back, tok:sequences_to_texts(case.texts_back_input), name)
      assert.same(case.texts_back, tok:sequences_to_texts(P.Sequences(case.texts_back_input)), name)
    end
  end)

  it("reads padded rows of a 2-D int32 tensor in sequences_to_texts (0 is padding, no word)", function()
    local tok = P.Tokenizer { num_words = 10 }
    tok:fit_on_texts { "the cat sat on the mat" }
    local seqs = tok:texts_to_sequences { "the cat", "on the mat sat" }
    local padded = P.pad_sequences(seqs, { maxlen = 3 })
    assert.same({ "the cat", "the mat sat" }, tok:sequences_to_texts(padded))
    assert.same({ "cat", "sat" }, tok:sequences_to_texts(padded:narrow(2, 3, 1)))  -- a strided view
    local oov = P.Tokenizer { oov_token = "?" }
    oov:fit_on_texts { "a b" }
    assert.same({ "? a b" }, oov:sequences_to_texts(ember.tensor({ { 0, 2, 3 } }, { dtype = "int32" })))
  end)

  it("gives back words holding NUL bytes whole (fuzz_tokenizer's regress-nul-word-in-last-document)", function()
    local tok = P.Tokenizer()
    tok:fit_on_texts { "a\0b c", "\0" }
    assert.same({ "a\0b c", "\0" }, tok:sequences_to_texts(tok:texts_to_sequences { "a\0b c", "\0" }))
  end)

  it("accepts Tokenizer(n) and Tokenizer{n, ...}", function()
    for _, tok in ipairs { P.Tokenizer(3), P.Tokenizer { 3 } } do
      tok:fit_on_texts { "x x x y y z" }
      assert.same({ { 1, 1, 1, 2, 2 } }, tok:texts_to_sequences({ "x x x y y z" }):totable())
    end
  end)

  describe("bad input", function()
    it("refuses num_words of 0 and unknown options", function()
      assert.error_matches(function() P.Tokenizer { num_words = 0 } end,
        "Tokenizer: option 'num_words' must be in %[1, 2147483647%], got 0")
      assert.error_matches(function() P.Tokenizer { numwords = 10 } end, "Tokenizer: unknown option 'numwords'")
      assert.error_matches(function() P.Tokenizer { split = "" } end, "Tokenizer: option 'split' must not be empty")
      assert.error_matches(function() P.Tokenizer { lower = "yes" } end, "Tokenizer: option 'lower' expected a boolean")
      assert.error_matches(function() P.Tokenizer("x") end, "Tokenizer: argument 'options' expected a table, got string")
    end)
    it("checks texts before counting anything", function()
      local tok = P.Tokenizer()
      assert.error_matches(function() tok:fit_on_texts("one text") end,
        "fit_on_texts: argument 'texts' expected a list of strings, got string")
      assert.error_matches(function() tok:fit_on_texts { "ok", 3 } end,
        "fit_on_texts: argument 'texts' entry 2 must be a string, got number")
      assert.equal(0, tok.document_count)
      assert.same({}, tok.word_index)
      assert.error_matches(function() tok:texts_to_sequences { {} } end,
        "texts_to_sequences: argument 'texts' entry 1 must be a string, got table")
    end)
    it("refuses what sequences_to_texts cannot read, naming the argument", function()
      local tok = P.Tokenizer()
      tok:fit_on_texts { "a b" }
      assert.error_matches(function() tok:sequences_to_texts(ember.zeros { 2, 3 }) end,
        "sequences_to_texts: argument 'sequences' expected Sequences, a list of integer lists or a 2%-D int32 tensor, got float32 tensor")
      assert.error_matches(function() tok:sequences_to_texts(ember.tensor({ 1, 2 }, { dtype = "int32" })) end,
        "sequences_to_texts: argument 'sequences' expected .- got int32 tensor {2}")
      assert.error_matches(function() tok:sequences_to_texts("a b") end,
        "sequences_to_texts: argument 'sequences' expected .- got string")
      assert.error_matches(function() tok:sequences_to_texts { { 1, "b" } } end,
        "sequences_to_texts: argument 'sequences' entry 1, item 2 must be an int32 integer, got string")
      assert.error_matches(function() tok:sequences_to_texts { { 2 ^ 40 } } end,
        "sequences_to_texts: argument 'sequences' entry 1, item 1 must be an int32 integer")
    end)
    it("points errors at the caller's line, not inside ember", function()
      local tok = P.Tokenizer()
      local ok, err = pcall(function() tok:fit_on_texts { 3 } end)
      assert.is_false(ok)
      assert.matches("^specs/text_tokenizer_spec%.lua:%d+: fit_on_texts:", err)
      ok, err = pcall(function() P.Tokenizer { num_words = 0 } end)
      assert.matches("^specs/text_tokenizer_spec%.lua:%d+: Tokenizer:", err)
    end)
    it("refuses an unknown matrix mode and a matrix before fitting", function()
      local tok = P.Tokenizer()
      assert.error_matches(function() tok:texts_to_matrix({ "a" }, "binary") end,
        "sequences_to_matrix: specify a dimension %(num_words%), or fit on some text data first")
      tok:fit_on_texts { "a b" }
      assert.error_matches(function() tok:texts_to_matrix({ "a" }, "counts") end,
        "sequences_to_matrix: option 'mode' must be one of \"binary\", \"count\", \"freq\", \"tfidf\", got \"counts\"")
      local t2 = P.Tokenizer { num_words = 4 }
      assert.error_matches(function() t2:texts_to_matrix({ "a" }, "tfidf") end, "fit the Tokenizer on some data before using tfidf mode")
      assert.error_matches(function() tok:sequences_to_matrix({ { 1, -2 } }) end, "sequence 1 holds a negative index %-2")
    end)
  end)
end)
