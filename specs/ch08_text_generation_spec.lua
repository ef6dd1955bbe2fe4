-- Listing 8-1's script (scripts/ch08/8-1_char_lstm_text_generation.lua) on a
-- tiny text fixture written here, and its helpers (scripts/ch08/textgen.lua)
-- against hand computations.  A few seconds; no dataset needed.
local SCRIPT = "scripts/ch08/8-1_char_lstm_text_generation.lua"
local textgen = dofile("scripts/ch08/textgen.lua")

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function run(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  return tonumber(out:match("exit=(%d+)%s*$")), out
end

-- A corpus of words (one with a two-byte character) in a fixed order.
local WORDS = { "the", "film", "was", "a", "great", "story", "and", "café", "i", "loved", "it", "plot", "Actors" }
local function corpus(n_words)
  local state, words = 4242, {}
  for i = 1, n_words do
    state = (state * 1103515245 + 12345) % 2147483648
    words[i] = WORDS[state % #WORDS + 1]
  end
  return table.concat(words, " ") .. ".\n"
end

local function char_set(text)
  local set = {}
  for _, c in utf8.codes(text) do set[utf8.char(c)] = true end
  return set
end

describe("listing 8-1 (character-level LSTM text generation)", function()
  local tmp, text_file, corpus_text

  setup(function()
    tmp = os.tmpname()
    os.remove(tmp)
    assert(os.execute("mkdir -p " .. sh(tmp)))
    text_file = tmp .. "/corpus.txt"
    corpus_text = corpus(400)
    write(text_file, corpus_text)
  end)

  teardown(function()
    if tmp then os.execute("rm -rf " .. sh(tmp)) end
  end)

  local function script(out, extra)
    return ("./ember %s --text %s --chars 1200 --epochs 2 --generate 50 --out %s %s")
      :format(SCRIPT, sh(text_file), sh(out), extra or "")
  end

  describe("a 2-epoch run on the fixture", function()
    local out, status, output, samples

    setup(function()
      out = tmp .. "/a"
      status, output = run(script(out, "--seed 7"))
      if status == 0 then samples = dofile(out .. "/8-1_samples.lua") end
    end)

    it("exits 0 and prints the book's lines", function()
      assert(status == 0, output)
      assert.matches("Corpus length: 1200\n", output)
      assert.matches("Number of sequences: 380\n", output)  -- range(0, 1200 - 60, 3)
      assert.matches("Unique characters: %d+\n", output)
      assert.matches('%-%-%- Generating with seed: "', output)
      assert.matches("8%-1: final loss [%d.]+ after 2 epochs; [%d.]+ s/epoch .*peak RSS %d+ MiB", output)
    end)

    it("the loss is finite and falls over the 2 epochs", function()
      local h = dofile(out .. "/8-1_history.lua")
      assert.equal(2, #h.loss)
      for _, l in ipairs(h.loss) do assert.is_true(l == l and l > 0 and l < math.huge) end
      assert.is_true(h.loss[2] < h.loss[1], ("loss %g then %g"):format(h.loss[1], h.loss[2]))
    end)

    it("generates --generate characters per temperature, 0.2 0.5 1.0 1.2 after each epoch", function()
      assert.equal(8, #samples)
      local corpus_chars = char_set(corpus_text:lower())
      for i, s in ipairs(samples) do
        assert.equal((i - 1) // 4 + 1, s.epoch)
        assert.equal(({ 0.2, 0.5, 1.0, 1.2 })[(i - 1) % 4 + 1], s.temperature)
        assert.equal(50, utf8.len(s.text))
        assert.equal(60, utf8.len(s.seed))
        assert.truthy(corpus_text:lower():find(s.seed, 1, true), "the seed is a window of the corpus")
        for ch in pairs(char_set(s.text)) do
          assert.truthy(corpus_chars[ch], ("generated %q, not in the corpus"):format(ch))
        end
      end
      for _, t in ipairs { "0.2", "0.5", "1.0", "1.2" } do
        assert.matches("%-%-%-%-%-%- temperature: " .. t:gsub("%.", "%%.") .. "\n", output)
      end
      local txt = read(out .. "/8-1_samples.txt")
      assert.matches("=== epoch 2, seed: ", txt)
      assert.truthy(txt:find(samples[8].text, 1, true))
    end)

    it("writes the loss figure and a results line", function()
      assert.equal("\137PNG", read(out .. "/8-1_loss.png"):sub(1, 4))
      local line = read(out .. "/results.jsonl")
      assert.matches('"listing":"8%-1"', line)
      assert.matches('"windows":380', line)
      assert.matches('"seed":7', line)
      assert.matches('"peak_rss_mib":%d+', line)
    end)

    it("the same seed gives the same samples; another seed others", function()
      local status_b, output_b = run(script(tmp .. "/b", "--seed 7"))
      assert(status_b == 0, output_b)
      assert.equal(read(out .. "/8-1_samples.lua"), read(tmp .. "/b/8-1_samples.lua"))
      assert.equal(read(out .. "/8-1_history.lua"), read(tmp .. "/b/8-1_history.lua"))
      local status_c, output_c = run(script(tmp .. "/c", "--seed 8 --epochs 1"))
      assert(status_c == 0, output_c)
      assert.are_not.equal(samples[1].text, dofile(tmp .. "/c/8-1_samples.lua")[1].text)
    end)
  end)

  describe("bad options and inputs: an error naming them, exit status 1", function()
    local function fails(extra, pattern, text)
      local status, output = run(("./ember %s --out %s %s"):format(SCRIPT, sh(tmp .. "/bad"), extra))
      assert.equal(1, status, output)
      assert.matches(pattern, output)
    end
    it("an unknown option", function() fails("--temperature 2", "8%-1: unknown option '%-%-temperature'") end)
    it("a non-positive count", function() fails("--chars 0", "8%-1: %-%-chars expects a positive integer, got '0'") end)
    it("a missing value", function() fails("--generate", "8%-1: %-%-generate needs a value") end)
    it("a missing text file", function() fails("--text /nonexistent/x.txt", "%-%-text: cannot open /nonexistent/x.txt") end)
    it("a text shorter than one window", function()
      write(tmp .. "/short.txt", "too short")
      fails("--text " .. sh(tmp .. "/short.txt"), "the corpus has 9 characters: it needs at least 61")
    end)
    it("a file that is not UTF-8", function()
      write(tmp .. "/latin1.txt", ("caf\233 "):rep(30))
      fails("--text " .. sh(tmp .. "/latin1.txt"), "is not UTF%-8 text %(invalid byte at position 4%)")
    end)
  end)
end)

describe("scripts/ch08/textgen.lua", function()
  it("vectorize: the book's windows (start 0, 3, 6, ...) and next characters, sorted characters", function()
    local text = "hello, world; the quick brown fox jumps over the lazy dog!"  -- 58 characters
    local v = textgen.vectorize(text, { maxlen = 10, step = 3 })
    assert.same({ " ", "!", ",", ";", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
                  "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z" }, v.chars)
    local n = (#text - 10 + 2) // 3  -- len(range(0, len(text) - maxlen, 3))
    assert.same({ n, 10 }, v.x.shape)
    assert.same({ n }, v.y.shape)
    local x, y = v.x:totable(), v.y:totable()
    for k = 1, n do
      local start = (k - 1) * 3
      for t = 1, 10 do
        assert.equal(v.char_indices[text:sub(start + t, start + t)], x[k][t])
      end
      assert.equal(v.char_indices[text:sub(start + 11, start + 11)], y[k])
    end
  end)

  it("vectorize counts characters, not bytes", function()
    local v = textgen.vectorize(("é"):rep(5) .. "abcde", { maxlen = 4, step = 1 })
    assert.equal(10, v.length)
    assert.same({ "a", "b", "c", "d", "e", "é" }, v.chars)
    assert.same({ 5, 5, 5, 5 }, v.x:totable()[1])
  end)

  it("batches: every window once per epoch, one-hot, the last batch smaller, buffers reused", function()
    ember.seed(3)
    local v = textgen.vectorize(corpus(40), { maxlen = 8, step = 2 })
    local n, c = v.x:size(1), #v.chars
    local gen, steps = textgen.batches(v, 16)
    assert.equal((n + 15) // 16, steps)
    local seen = {}
    local first_x
    for s = 1, steps do
      local xb, yb = gen()
      first_x = first_x or xb
      assert.equal(first_x, xb)
      local rows = s < steps and 16 or n - 16 * (steps - 1)
      assert.same({ rows, 8, c }, xb.shape)
      assert.same({ rows, c }, yb.shape)
      assert.equal(rows * 8, xb:sum())
      local ids, targets = (xb:argmax(3) - 1):totable(), (yb:argmax(2) - 1):totable()
      for r = 1, rows do
        -- find which window this is: its ids and target match a row of x and y
        local key = table.concat(ids[r], ",") .. ">" .. targets[r]
        seen[key] = (seen[key] or 0) + 1
      end
    end
    local expected = {}
    local x, y = v.x:totable(), v.y:totable()
    for k = 1, n do
      local key = table.concat(x[k], ",") .. ">" .. y[k]
      expected[key] = (expected[key] or 0) + 1
    end
    assert.same(expected, seen)
  end)
end)
