-- ember.datasets.imdb on the tiny aclImdb-shaped fixture zip.
local imdb = ember.datasets.imdb
local P = ember.preprocessing
local ROOT = "specs/fixtures/aclImdb_tiny.zip/aclImdb"

-- Keras's transform of one review, written out plainly.
local function keras_encode(ranks, o)
  local x = { o.start_char or 1 }
  for _, w in ipairs(ranks) do x[#x + 1] = w < 0 and -1 or w + (o.index_from or 3) end
  local out = {}
  for _, w in ipairs(x) do
    if w >= (o.skip_top or 0) and (not o.num_words or w < o.num_words) then out[#out + 1] = w
    else out[#out + 1] = o.oov_char or 2 end
  end
  return out
end

local function key(t) return table.concat(t, ",") end

describe("imdb.load_raw", function()
  it("reads neg then pos, files in bytewise order, only .txt files", function()
    local texts, labels = imdb.load_raw { subset = "train", path = ROOT }
    assert.equal(5, #texts)
    assert.same({ 0, 0, 0, 1, 1 }, labels:totable())
    assert.equal("int32", labels.dtype)
    assert.equal("A dull, DULL film.<br /><br />I left early.", texts[1])          -- neg/0_3.txt
    assert.equal("Boring.\tThe end was the worst part of the film.", texts[2])      -- neg/10_2.txt
    assert.equal("Terrible acting; terrible plot. Not good!", texts[3])            -- neg/1_1.txt
    local test_texts, test_labels = imdb.load_raw { subset = "test", path = ROOT }
    assert.equal(4, #test_texts)
    assert.same({ 0, 0, 1, 1 }, test_labels:totable())
  end)

  it("finds aclImdb.zip in the data folder", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. " && cp specs/fixtures/aclImdb_tiny.zip " .. dir .. "/aclImdb.zip"))
    ember.datasets.set_data_dir(dir)
    local ok, texts = pcall(imdb.load_raw)
    ember.datasets.set_data_dir(nil)
    os.execute("rm -rf " .. dir)
    assert.is_true(ok, texts)
    assert.equal(5, #texts)
  end)

  it("names the places looked and the download address when the reviews are missing", function()
    local empty = os.tmpname()
    os.remove(empty)
    ember.datasets.set_data_dir(empty)
    local ok, err = pcall(imdb.load_raw)
    ember.datasets.set_data_dir(nil)
    assert.is_false(ok)
    assert.matches("imdb.load_raw: cannot find the IMDB reviews", err, 1, true)
    assert.matches(empty .. "/aclImdb\n", err, 1, true)
    assert.matches(empty .. "/aclImdb.zip/aclImdb", err, 1, true)
    assert.matches("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz", err, 1, true)
  end)

  it("refuses a bad subset, a bad path and unknown options", function()
    assert.error_matches(function() imdb.load_raw { subset = "dev", path = ROOT } end,
      "imdb.load_raw: option 'subset' must be \"train\" or \"test\", got dev")
    assert.error_matches(function() imdb.load_raw { path = "specs/nowhere" } end, "option 'path': no folder 'specs/nowhere'")
    assert.error_matches(function() imdb.load_raw { path = "specs/fixtures" } end, "no folder 'specs/fixtures/train/neg'")
    assert.error_matches(function() imdb.load_raw { subest = "train" } end, "imdb.load_raw: unknown option 'subest'")
    assert.error_matches(function() imdb.load_raw { path = "specs/fixtures/corrupt.zip/aclImdb" } end, "cannot open zip archive")
  end)
end)

describe("imdb.load_data", function()
  local train_texts, train_labels, test_texts, test_labels, tok, rank_of
  setup(function()
    train_texts, train_labels = imdb.load_raw { subset = "train", path = ROOT }
    test_texts, test_labels = imdb.load_raw { subset = "test", path = ROOT }
    tok = P.Tokenizer()
    tok:fit_on_texts(train_texts)
    -- ranks of a review; -1 for words the training reviews never use
    rank_of = function(text)
      local r = {}
      for _, w in ipairs(P.text_to_word_sequence(text)) do r[#r + 1] = tok.word_index[w] or -1 end
      return r
    end
  end)

  local function check(opts, x, y, texts, labels)
    -- every output review is the Keras encoding of exactly one raw review with its label
    local expected = {}
    for i, text in ipairs(texts) do
      local e = keras_encode(rank_of(text), opts)
      if not opts.maxlen or #e < opts.maxlen then expected[key(e)] = (expected[key(e)] or 0) + 1 end
      expected[key(e) .. "#label"] = labels:get(i)
    end
    local n = 0
    for k, v in pairs(expected) do if not k:find("#", 1, true) then n = n + v end end
    assert.equal(n, #x)
    assert.equal(#x, y.shape[1])
    for i = 1, #x do
      local k = key(x[i]:totable())
      assert.truthy(expected[k], "unexpected review " .. k)
      assert.equal(expected[k .. "#label"], y:get(i))
      expected[k] = expected[k] - 1
    end
  end

  it("encodes with Keras's ranks, start marker, index_from and oov_char; unseen test words are oov", function()
    local opts = { path = ROOT, cache = false }
    local xtr, ytr, xte, yte = imdb.load_data(opts)
    check({}, xtr, ytr, train_texts, train_labels)
    check({}, xte, yte, test_texts, test_labels)
    -- "zorblax" appears only in a test review: it becomes oov_char 2
    local found = false
    for i = 1, #xte do for _, w in ipairs(xte[i]:totable()) do found = found or w == 2 end end
    assert.is_true(found)
  end)

  it("applies num_words, skip_top, maxlen and custom markers", function()
    local o = { num_words = 8, skip_top = 4, start_char = 5, oov_char = 7, index_from = 2 }
    local xtr, ytr, xte, yte = imdb.load_data { path = ROOT, cache = false, num_words = 8, skip_top = 4,
      start_char = 5, oov_char = 7, index_from = 2 }
    check(o, xtr, ytr, train_texts, train_labels)
    check(o, xte, yte, test_texts, test_labels)
    local m = { maxlen = 8 }
    local xa, ya, xb, yb = imdb.load_data { path = ROOT, cache = false, maxlen = 8 }
    check(m, xa, ya, train_texts, train_labels)
    check(m, xb, yb, test_texts, test_labels)
    assert.truthy(#xa < 5)
  end)

  it("drops the start marker and out-of-range words for start_char = false, oov_char = false", function()
    local xtr = imdb.load_data { path = ROOT, cache = false, start_char = false, oov_char = false, num_words = 6 }
    for i = 1, #xtr do
      for _, w in ipairs(xtr[i]:totable()) do assert.truthy(w >= 3 and w < 6) end
    end
  end)

  it("shuffles with the seed, reproducibly, without touching the engine's RNG", function()
    ember.seed(5)
    local before = ember.rand({ 1 }):get(1)
    ember.seed(5)
    local a = imdb.load_data { path = ROOT, cache = false }
    assert.equal(before, ember.rand({ 1 }):get(1))
    local b = imdb.load_data { path = ROOT, cache = false }
    local c = imdb.load_data { path = ROOT, cache = false, seed = 1 }
    assert.same(a:totable(), b:totable())
    local differs = false
    for _, seed in ipairs { 1, 2, 3, 4 } do
      local d = imdb.load_data { path = ROOT, cache = false, seed = seed }
      differs = differs or key(d[1]:totable()) ~= key(a[1]:totable())
    end
    assert.is_true(differs)
    assert.equal(5, #c)
  end)

  it("caches the ranked reviews as an .npz beside the data when ember.save exists", function()
    if not (ember.save and ember.load) then
      -- ember.save / ember.load arrive from the tensor branch; until then load_data builds every time
      assert.is_nil(ember.save)
      return
    end
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. " && cp specs/fixtures/aclImdb_tiny.zip " .. dir .. "/aclImdb.zip"))
    local root = dir .. "/aclImdb.zip/aclImdb"
    local a, ya = imdb.load_data { path = root }
    assert.is_true(ember.fs.exists(dir .. "/aclImdb_ranks.npz"))
    local b, yb = imdb.load_data { path = root }
    os.execute("rm -rf " .. dir)
    assert.same(a:totable(), b:totable())
    assert.same(ya:totable(), yb:totable())
  end)

  it("refuses num_words of 0 and unknown options before any reading", function()
    assert.error_matches(function() imdb.load_data { num_words = 0, path = "specs/nowhere" } end,
      "imdb.load_data: option 'num_words' must be in %[1, 2147483647%], got 0")
    assert.error_matches(function() imdb.load_data { maxlen = 0 } end, "option 'maxlen' must be in")
    assert.error_matches(function() imdb.load_data { nb_words = 10 } end, "imdb.load_data: unknown option 'nb_words'")
    assert.error_matches(function() imdb.load_data { path = "specs/nowhere" } end, "no folder 'specs/nowhere'")
  end)
end)
