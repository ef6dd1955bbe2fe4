-- What the chapter-6 scripts share: command-line options, the data set-ups
-- the book reuses (IMDB for 6-22/6-45, GloVe for 6-12..6-18, Jena's
-- generators from 6-34 for 6-37..6-49), figures, and a results line per run.
--
-- A script finds this file next to itself:
--   package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
--   local ch06 = require "common"
--   local run = ch06.setup("6-27", {epochs = 10})      -- the book's settings
--
-- Options every script takes (defaults = the book's settings):
--   --epochs N    epochs to train
--   --steps N     steps_per_epoch for generator training, and the cap on
--                 validation/test steps (a quick smoke run: --steps 2)
--   --samples N   use only the first N training (and test) samples
--   --seed N      the one seed for weights, shuffles and dropout (printed)
--   --data DIR    where the datasets are (default datasets/ or $EMBER_DATA)
--   --out DIR     where figures, weights and results go (default out/ch06)
--   --quick       the same as --epochs 1 --steps 2 --samples 256
local ember = ember or require "ember"

local M = {}
M.DEFAULT_SEED = 1234

local USAGE = "options: --epochs N  --steps N  --samples N  --seed N  --data DIR  --out DIR  --quick"

local function usage_error(listing, msg)
  error(("%s: %s\n%s"):format(listing, msg, USAGE), 0)
end

local function parse_args(listing, argv)
  local o = {}
  local numeric = { ["--epochs"] = "epochs", ["--steps"] = "steps", ["--samples"] = "samples", ["--seed"] = "seed" }
  local text = { ["--data"] = "data", ["--out"] = "out" }
  local i = 1
  while i <= #argv do
    local a = argv[i]
    local key, value = a:match("^(%-%-[%w-]+)=(.*)$")
    if key then a = key end
    if a == "--quick" then
      o.quick = true
    elseif a == "--help" or a == "-h" then
      print(USAGE); os.exit(0)
    elseif numeric[a] or text[a] then
      if value == nil then i = i + 1; value = argv[i] end
      if value == nil then usage_error(listing, a .. " needs a value") end
      if numeric[a] then
        local n = math.tointeger(tonumber(value))
        if n == nil or n < (a == "--seed" and 0 or 1) then
          usage_error(listing, ("%s expects a positive integer, got '%s'"):format(a, value))
        end
        o[numeric[a]] = n
      else
        o[text[a]] = value
      end
    else
      usage_error(listing, ("unknown option '%s'"):format(a))
    end
    value = nil
    i = i + 1
  end
  if o.quick then
    o.epochs, o.steps, o.samples = o.epochs or 1, o.steps or 2, o.samples or 256
  end
  return o
end

-- ---- the run object -----------------------------------------------------

local Run = {}
Run.__index = Run

-- setup(listing, book) -> run.  book: the book's settings {epochs = 10}.
function M.setup(listing, book)
  book = book or {}
  local o = parse_args(listing, arg or {})
  local run = setmetatable({
    listing = listing,
    script = (arg and arg[0] or "?"):match("([^/]*)$"),
    epochs = o.epochs or book.epochs or 1,
    steps_override = o.steps,
    samples = o.samples,
    seed = o.seed or M.DEFAULT_SEED,
    out = (o.out or "out/ch06"):gsub("/+$", ""),
    started = ember.clock(),
  }, Run)
  local changed = {}
  if o.epochs and book.epochs and o.epochs ~= book.epochs then changed[#changed + 1] = "epochs " .. o.epochs end
  if o.steps then changed[#changed + 1] = "steps " .. o.steps end
  if o.samples then changed[#changed + 1] = "samples " .. o.samples end
  run.settings = #changed == 0 and "book" or table.concat(changed, ", ")
  if o.data then ember.datasets.set_data_dir(o.data) end
  assert(os.execute("mkdir -p '" .. run.out .. "'"), "cannot create " .. run.out)
  ember.seed(run.seed)
  print(("Listing %s (%s): seed %d, %s settings, output in %s/"):format(listing, run.script, run.seed,
    run.settings == "book" and "the book's" or "reduced: " .. run.settings, run.out))
  -- An epoch timer every fit passes in its callbacks.
  run.timer = {
    times = {},
    on_epoch_begin = function(self) self.t0 = ember.clock() end,
    on_epoch_end = function(self) self.times[#self.times + 1] = ember.clock() - self.t0 end,
  }
  run.callbacks = { run.timer }
  return run
end

-- steps_per_epoch (the book's unless --steps); validation steps are capped
-- by --steps too.
function Run:steps(book_steps)
  return self.steps_override or book_steps
end

function Run:val_steps(book_steps)
  return self.steps_override and math.min(self.steps_override, book_steps) or book_steps
end

function Run:path(name)
  return self.out .. "/" .. name
end

-- First `--samples` rows of a tensor (all rows without the option).
function Run:head(x)
  if self.samples and x:size(1) > self.samples then return x:sub(1, self.samples) end
  return x
end

-- ---- figures --------------------------------------------------------------

-- The book's two figures for a training run: accuracy (when there is one)
-- and loss, "bo" training dots and a "b" validation line.  Returns the
-- paths, the main figure first.
function Run:plot(history, name)
  name = name or self.listing
  local h = history.history or history
  local files = {}
  for _, metric in ipairs { "acc", "mae" } do
    if h[metric] and h["val_" .. metric] then
      files[#files + 1] = ember.plot.history(history, { metrics = { metric, "val_" .. metric },
        file = self:path(name .. "_" .. metric .. ".png") })
    end
  end
  local loss = { "loss" }
  if h.val_loss then loss[2] = "val_loss" end
  files[#files + 1] = ember.plot.history(history, { metrics = loss, file = self:path(name .. "_loss.png") })
  for _, f in ipairs(files) do print("figure: " .. f) end
  return files
end

-- ---- results --------------------------------------------------------------

local function json_value(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return math.type(v) == "integer" and tostring(v) or ("%.6g"):format(v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c)
      return ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t" })[c] or ("\\u%04x"):format(c:byte())
    end) .. '"'
  elseif t == "boolean" then
    return tostring(v)
  elseif v == nil then
    return "null"
  end
  error("json: cannot encode a " .. t)
end

-- One flat JSON object, keys in the given order.
local function json_line(fields)
  local parts = {}
  for _, kv in ipairs(fields) do
    if kv[2] ~= nil then parts[#parts + 1] = json_value(kv[1]) .. ":" .. json_value(kv[2]) end
  end
  return "{" .. table.concat(parts, ",") .. "}"
end
M.json_line = json_line

-- The best value of a metric and its (1-based) epoch: max for accuracies,
-- min for losses and errors.
function M.best(history, metric)
  local values = (history.history or history)[metric]
  if not values or #values == 0 then return nil end
  local maximize = metric:find("acc") ~= nil
  local best, epoch = values[1], 1
  for i = 2, #values do
    if (maximize and values[i] > best) or (not maximize and values[i] < best) then best, epoch = values[i], i end
  end
  return best, epoch
end

local function save_history(path, history)
  local h = history.history or history
  local keys = {}
  for k in pairs(h) do keys[#keys + 1] = k end
  table.sort(keys)
  local f = assert(io.open(path, "w"))
  f:write("return {\n")
  for _, k in ipairs(keys) do
    local vals = {}
    for i, v in ipairs(h[k]) do vals[i] = ("%.8g"):format(v) end
    f:write(("  %s = {%s},\n"):format(k, table.concat(vals, ", ")))
  end
  f:write("}\n")
  f:close()
end

-- A History saved by an earlier run (listing 6-15 plots 6-14's).
function Run:load_history(listing)
  local path = self:path(listing .. "_history.lua")
  local chunk = loadfile(path)
  if not chunk then
    error(("%s: no saved history %s: run listing %s first"):format(self.listing, path, listing), 0)
  end
  return { history = chunk() }
end

-- record(history, {metric = "val_acc", figure = path, test = {loss =, acc =}, note = ...})
-- saves the History beside the figures and appends one JSON line to
-- <out>/results.jsonl: listing, metric, best value and epoch, seconds per
-- epoch, figure, seed, settings.  `make reproduce` tables these lines.
function Run:record(history, r)
  r = r or {}
  local best, epoch
  -- under mpirun every rank holds the same History: rank 0 writes the files
  local main = ember.distributed.is_main()
  if history then
    if main then save_history(self:path(self.listing .. "_history.lua"), history) end
    best, epoch = M.best(history, r.metric)
  end
  local times = self.timer.times
  local per_epoch
  if #times > 0 then
    local sum = 0
    for _, t in ipairs(times) do sum = sum + t end
    per_epoch = sum / #times
  end
  local test = r.test or {}
  local line = json_line {
    { "listing", self.listing }, { "script", self.script }, { "metric", r.metric },
    { "best", best }, { "epoch", epoch }, { "epochs", history and #(history.epoch or {}) or nil },
    { "seconds_per_epoch", per_epoch }, { "test_loss", test.loss }, { "test_acc", test.acc },
    { "test_mae", test.mae }, { "figure", r.figure }, { "seed", self.seed }, { "settings", self.settings },
    { "wall_seconds", ember.clock() - self.started }, { "note", r.note }, { "date", os.date("!%Y-%m-%d %H:%M UTC") },
  }
  if main then
    local f = assert(io.open(self:path("results.jsonl"), "a"))
    f:write(line, "\n")
    f:close()
  end
  if best and main then
    print(("%s: best %s %.4f at epoch %d%s"):format(self.listing, r.metric, best, epoch,
      per_epoch and ((per_epoch < 1 and "; %.2f s/epoch" or "; %.1f s/epoch"):format(per_epoch)) or ""))
  end
  return line
end

-- ---- IMDB as integer sequences (listings 6-22, 6-45, 6-42) ----------------

-- imdb(run, {max_features = 10000, maxlen = 500, reverse = false})
--   -> input_train, y_train, input_test, y_test (padded int32, int32 labels)
function M.imdb(run, o)
  o = o or {}
  local max_features, maxlen = o.max_features or 10000, o.maxlen or 500
  print("Loading data...")
  local x_train, y_train, x_test, y_test = ember.datasets.imdb.load_data { num_words = max_features }
  print(#x_train .. " train sequences")
  print(#x_test .. " test sequences")
  if o.reverse then  -- listing 6-42: x_train = [x[::-1] for x in x_train]
    x_train, x_test = x_train:reversed(), x_test:reversed()
  end
  print("Pad sequences (samples x time)")
  local pad = ember.preprocessing.pad_sequences
  local input_train = run:head(pad(x_train, { maxlen = maxlen }))
  local input_test = run:head(pad(x_test, { maxlen = maxlen }))
  y_train, y_test = run:head(y_train), run:head(y_test)
  print(("input_train shape: (%d, %d)"):format(input_train:size(1), input_train:size(2)))
  print(("input_test shape: (%d, %d)"):format(input_test:size(1), input_test:size(2)))
  return input_train, y_train, input_test, y_test
end

-- ---- raw IMDB + GloVe (listings 6-8 .. 6-11, 6-17) -------------------------

-- glove_data(run, {training_samples = 200, validation_samples = 10000,
--                  maxlen = 100, max_words = 10000, embeddings = true})
-- -> {x_train, y_train, x_val, y_val, tokenizer, embedding_matrix, ...}
function M.glove_data(run, o)
  o = o or {}
  local maxlen, max_words = o.maxlen or 100, o.max_words or 10000
  local training_samples = o.training_samples or 200
  local validation_samples = o.validation_samples or 10000
  local texts, labels = ember.datasets.imdb.load_raw { subset = "train" }
  local tokenizer = ember.preprocessing.Tokenizer { num_words = max_words }
  tokenizer:fit_on_texts(texts)
  local sequences = tokenizer:texts_to_sequences(texts)
  local n_words = 0
  for _ in pairs(tokenizer.word_index) do n_words = n_words + 1 end
  print(("Found %d unique tokens."):format(n_words))
  local data = ember.preprocessing.pad_sequences(sequences, { maxlen = maxlen })
  print(("Shape of data tensor: (%d, %d)"):format(data:size(1), data:size(2)))
  print(("Shape of label tensor: (%d)"):format(labels:size(1)))
  -- np.random.shuffle(indices): a seeded permutation
  local indices = ember.core.train.permutation(data:size(1))
  data, labels = data:index(1, indices), labels:index(1, indices)
  local n = data:size(1)
  if training_samples >= n then  -- small data (test fixtures): train on half
    print(("note: only %d reviews; training on %d instead of %d"):format(n, n // 2, training_samples))
    training_samples = n // 2
  end
  local n_val = math.min(validation_samples, n - training_samples)
  if n_val < validation_samples then print(("note: only %d validation samples in this data"):format(n_val)) end
  local d = {
    x_train = data:sub(1, training_samples), y_train = labels:sub(1, training_samples),
    x_val = data:sub(training_samples + 1, training_samples + n_val),
    y_val = labels:sub(training_samples + 1, training_samples + n_val),
    tokenizer = tokenizer, maxlen = maxlen, max_words = max_words, embedding_dim = 100,
  }
  if o.embeddings ~= false then
    local index = ember.datasets.glove.load()
    print(("Found %d word vectors (%s)."):format(#index, index.path))
    d.embedding_dim = index.dim
    d.embedding_matrix = ember.datasets.glove.embedding_matrix(index, tokenizer.word_index, max_words)
  end
  return d
end

-- Listing 6-17: the test reviews, tokenized with the training tokenizer.
function M.glove_test_data(run, d)
  local texts, labels = ember.datasets.imdb.load_raw { subset = "test" }
  local sequences = d.tokenizer:texts_to_sequences(texts)
  local x_test = ember.preprocessing.pad_sequences(sequences, { maxlen = d.maxlen })
  return run:head(x_test), run:head(labels)
end

-- ---- Jena (listings 6-28, 6-32, 6-33, 6-34) --------------------------------

-- The book's split rows (1-based, inclusive): train 1..200000, validation
-- 200002..300000, test 300002..end.  Smaller data (test fixtures) is split
-- at the same proportions of its length.
local BOOK_ROWS = 420551

local float_cache = nil
local function jena_normalized()
  if float_cache then return float_cache end
  local header, float_data = ember.datasets.jena_climate.load()
  local n = float_data:size(1)
  local train_end, val_end = 200000, 300000
  if n < BOOK_ROWS then
    train_end, val_end = math.floor(n * 200000 / BOOK_ROWS), math.floor(n * 300000 / BOOK_ROWS)
    print(("note: %d rows (the real record has %d); splitting at rows %d and %d"):format(n, BOOK_ROWS, train_end, val_end))
  end
  -- Listing 6-32: normalize with the training rows' mean and std.
  local mean = float_data:sub(1, train_end):mean(1)
  float_data:sub_(mean)
  local std = float_data:sub(1, train_end):std(1)
  float_data:div_(std)
  float_cache = { header = header, float_data = float_data, mean = mean, std = std,
                  train_end = train_end, val_end = val_end }
  return float_cache
end
M.jena_data = jena_normalized

-- jena(run, {lookback = 1440, step = 6, delay = 144, batch_size = 128, reverse = false})
-- -> {train_gen, val_gen, test_gen, val_steps, test_steps, float_data, std, lookback, step}
-- Listing 6-34's three generators; 6-48 passes step = 3, lookback = 720.
function M.jena(run, o)
  o = o or {}
  local J = jena_normalized()
  local lookback, step, delay = o.lookback or 1440, o.step or 6, o.delay or 144
  local batch_size = o.batch_size or 128
  local n = J.float_data:size(1)
  local function gen(min_index, max_index, shuffle)
    return ember.data.timeseries_generator(J.float_data, {
      lookback = lookback, delay = delay, min_index = min_index, max_index = max_index,
      shuffle = shuffle, step = step, batch_size = batch_size, reverse = o.reverse or false })
  end
  local g = {
    -- the book's 0-based min_index 0 / 200001 / 300001 are rows 1, 200002,
    -- 300002 here (it skips one row between the sets)
    train_gen = gen(1, J.train_end, true),
    val_gen = gen(J.train_end + 2, J.val_end, false),
    test_gen = gen(J.val_end + 2, nil, false),
    -- the book's counts: how many batches to draw to see the whole set
    val_steps = (J.val_end - (J.train_end + 1) - lookback) // batch_size,
    test_steps = (n - (J.val_end + 1) - lookback) // batch_size,
    float_data = J.float_data, std = J.std, lookback = lookback, step = step, delay = delay,
  }
  return g
end

-- After training: the figures, the best validation figure, one results
-- line.  o: {metric = "val_acc" | "val_loss", test = {loss =, acc =, mae =},
-- degc = temperature std (Jena: the MAE in degrees too), note = ...}.
function Run:finish(history, o)
  o = o or {}
  local figures = self:plot(history)
  local note = o.note
  local best = M.best(history, o.metric)
  if o.degc and best then  -- listing 6-35: MAE x the temperature column's std
    note = (note and note .. "; " or "") .. ("best val MAE %.3f = %.2f degC"):format(best, best * o.degc)
    print(note)
  end
  self:record(history, { metric = o.metric, figure = figures[1], test = o.test, note = note })
  return figures
end

return M
