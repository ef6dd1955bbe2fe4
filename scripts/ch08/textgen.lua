-- What listing 8-1's script (8-1_char_lstm_text_generation.lua) and its
-- bench row (scripts/bench/bench_textgen.lua) share: the corpus, its
-- windows as character ids, the batch generator that one-hots them, the
-- model, and the sampling loop of listings 8-6 and 8-7.
--
-- Memory: the book vectorizes every window at once, x of shape (windows,
-- 60, chars) in bool (numpy) -- as float32 that is ~2.7 GB for 200,000
-- windows of 57 characters.  Here the windows stay int32 character ids,
-- (windows, 60), ~48 MB, and each batch of 128 is one-hot encoded in C
-- (ember.utils.to_categorical with option out) into the same two buffers.
local ember = ember or require "ember"

local M = {}

M.MAXLEN = 60  -- listing 8-2: extract sequences of 60 characters
M.STEP = 3     -- sample a new sequence every 3 characters
M.TEMPERATURES = { 0.2, 0.5, 1.0, 1.2 }

-- ---- the corpus --------------------------------------------------------

-- The first `limit` characters (UTF-8 code points) of text; all of it when
-- it is shorter or limit is nil.
local function head_chars(text, limit)
  if not limit then return text end
  local cut = utf8.offset(text, limit + 1)
  return cut and text:sub(1, cut - 1) or text
end

-- The IMDB training reviews, lowercased and concatenated (one review a
-- line), until `limit` characters.  load_raw lists every negative review,
-- then every positive one: they are taken alternately (negative 1,
-- positive 1, negative 2, ...) so a short corpus holds both kinds.  The
-- reviews' HTML line breaks ("<br />") become newlines.
function M.imdb_text(limit)
  local texts = ember.datasets.imdb.load_raw { subset = "train" }
  local half = (#texts + 1) // 2
  local parts, count = {}, 0
  local function add(review)
    if not review or (limit and count >= limit) then return end
    review = review:gsub("<br%s*/?>", "\n"):lower()
    parts[#parts + 1] = review
    count = count + (utf8.len(review) or #review) + 1
  end
  for i = 1, half do
    add(texts[i])
    add(texts[half + i])
  end
  return head_chars(table.concat(parts, "\n"), limit)
end

-- A text file, lowercased (listing 8-1: open(path).read().lower()).
function M.file_text(path, limit)
  local f, err = io.open(path, "rb")
  if not f then error(("--text: cannot open %s"):format(err), 0) end
  local text = f:read("a")
  f:close()
  if not utf8.len(text) then
    local _, bad = utf8.len(text)
    error(("--text: %s is not UTF-8 text (invalid byte at position %d)"):format(path, bad), 0)
  end
  return head_chars(text:lower(), limit)
end

-- ---- vectorization (listing 8-2) --------------------------------------

-- vectorize(text, {maxlen = 60, step = 3}) -> v with
--   v.chars          the sorted unique characters (Lua strings, one code point each)
--   v.char_indices   character -> 0-based id (the book's char_indices)
--   v.ids            the text as int32 ids, 0-based (#text characters)
--   v.x              int32 (windows, maxlen): window k is characters (k-1)*step .. +maxlen-1
--   v.y              int32 (windows): the character after each window
function M.vectorize(text, o)
  o = o or {}
  local maxlen, step = o.maxlen or M.MAXLEN, o.step or M.STEP
  -- chars = sorted(list(set(text))), by code point as Python sorts them
  local seen, codes = {}, {}
  for _, c in utf8.codes(text) do
    if not seen[c] then
      seen[c] = true
      codes[#codes + 1] = c
    end
  end
  table.sort(codes)
  local chars, index_of = {}, {}
  for i, c in ipairs(codes) do
    chars[i] = utf8.char(c)
    index_of[c] = i - 1
  end
  local list, n = {}, 0
  for _, c in utf8.codes(text) do
    n = n + 1
    list[n] = index_of[c]
  end
  -- for i in range(0, len(text) - maxlen, step): windows start at 0, step, ...
  local windows = (n - maxlen + step - 1) // step
  if windows < 1 then
    error(("the corpus has %d characters: it needs at least %d (one window of %d and its next character)")
      :format(n, maxlen + 1, maxlen), 0)
  end
  local ids = ember.tensor(list, { dtype = "int32" })
  list = nil
  -- x[k][t] = ids[(k - 1) * step + t] and y[k] = ids[(k - 1) * step + maxlen + 1],
  -- gathered in C through one index tensor (1-based positions).
  local starts = ember.arange(0, windows - 1):view(windows, 1) * step
  local positions = starts + ember.arange(1, maxlen):view(1, maxlen)
  local x = ids:index(1, positions:view(windows * maxlen)):view(windows, maxlen)
  local y = ids:index(1, starts:view(windows) + (maxlen + 1))
  local char_indices = {}
  for i, ch in ipairs(chars) do char_indices[ch] = i - 1 end
  return { chars = chars, char_indices = char_indices, ids = ids, x = x, y = y, maxlen = maxlen,
           step = step, length = n }
end

-- ---- batches -------------------------------------------------------------

-- batches(v, batch_size) -> gen, steps: fit_generator's generator over
-- the windows in a new random order each epoch (model.fit(shuffle=True)
-- as the book calls it): steps batches of batch_size (the last one
-- smaller), each one-hot encoded into two reused buffers.
function M.batches(v, batch_size)
  local n, nchars = v.x:size(1), #v.chars
  local steps = (n + batch_size - 1) // batch_size
  local xbuf, ybuf = ember.zeros { 0 }, ember.zeros { 0 }
  local order, next_row = nil, n + 1
  local function gen()
    if next_row > n then
      order, next_row = ember.permutation(n), 1
    end
    local count = math.min(batch_size, n - next_row + 1)
    local rows = order:narrow(1, next_row, count)
    next_row = next_row + count
    ember.utils.to_categorical(v.x:index(1, rows), nchars, { out = xbuf })
    ember.utils.to_categorical(v.y:index(1, rows), nchars, { out = ybuf })
    return xbuf, ybuf
  end
  return gen, steps
end

-- ---- the model (listings 8-3 and 8-4) -----------------------------------

function M.model(maxlen, nchars, lr)
  local layers = ember.layers
  local model = ember.Sequential()
  model:add(layers.LSTM(128, { input_shape = { maxlen, nchars } }))
  model:add(layers.Dense(nchars, { activation = "softmax" }))
  model:compile { optimizer = ember.optimizers.RMSprop { lr = lr or 0.01 }, loss = "categorical_crossentropy" }
  return model
end

-- ---- generation (listings 8-5 .. 8-7) -------------------------------------

-- A random seed window of the corpus: start_index = random.randint(0,
-- len(text) - maxlen - 1), drawn from Ember's seeded generator.  Returns
-- its 0-based ids (a Lua list) and its text.
function M.seed_window(v)
  local start = ember.randint(1, v.length - v.maxlen, { 1 }):totable()[1]
  local ids = v.ids:narrow(1, start, v.maxlen):totable()
  local text = {}
  for i, id in ipairs(ids) do text[i] = v.chars[id + 1] end
  return ids, table.concat(text)
end

-- generate(model, v, seed_ids, temperatures, n) -> list of n-character
-- strings, one per temperature.  The book's loop -- one-hot the last
-- maxlen characters, predict, ember.sample(preds, temperature), append --
-- run for every temperature at once: row r of each predict batch is
-- temperature r's text, each row starting from the same seed.
function M.generate(model, v, seed_ids, temperatures, n)
  local rows, maxlen, nchars = #temperatures, v.maxlen, #v.chars
  local windows, out = {}, {}
  for r = 1, rows do
    windows[r] = table.move(seed_ids, 1, maxlen, 1, {})
    out[r] = {}
  end
  local sampled = ember.zeros { 0 }
  for i = 1, n do
    ember.utils.to_categorical(ember.tensor(windows, { dtype = "int32" }), nchars, { out = sampled })
    local preds = model:predict(sampled, { batch_size = rows })
    for r = 1, rows do
      local next_index = ember.sample(preds[r], temperatures[r])  -- 1-based
      out[r][i] = v.chars[next_index]
      table.move(windows[r], 2, maxlen, 1)  -- generated_text = generated_text[1:] + next_char
      windows[r][maxlen] = next_index - 1
    end
  end
  for r = 1, rows do out[r] = table.concat(out[r]) end
  return out
end

return M
