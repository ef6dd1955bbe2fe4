-- Listings 8-1 .. 8-7: character-level text generation with an LSTM.
-- The book trains LSTM(128) -> Dense(chars, softmax) on 60-character
-- windows of Nietzsche's writings (600,893 characters) taken every 3
-- characters, RMSprop(lr = 0.01), batch 128, and after each of 60 epochs
-- writes 400 characters from a random seed window at temperatures 0.2, 0.5,
-- 1.0 and 1.2.  The corpus here: the IMDB training reviews, lowercased and
-- concatenated, capped at --chars characters (the Nietzsche text's size by
-- default), or any UTF-8 text file given with --text.
--
--   ./ember scripts/ch08/8-1_char_lstm_text_generation.lua [options]
--     --epochs N     epochs (the book's 60)
--     --chars N      corpus size in characters (default 600000)
--     --text FILE    train on this text file instead of the IMDB reviews
--     --generate N   characters generated per temperature (the book's 400)
--     --seed N       the one seed for weights, shuffles and sampling
--     --data DIR     where the datasets are (default datasets/ or $EMBER_DATA)
--     --out DIR      where the samples, history, figure and results go (out/ch08)
--     --quick        --epochs 1 --chars 20000 --generate 100
--
-- The windows are kept as character ids and each batch is one-hot encoded
-- in C (scripts/ch08/textgen.lua), not the book's (windows, 60, chars)
-- array, so memory stays near 200 MB instead of several GB.
local dir = arg[0]:match("^(.*/)") or "./"
package.path = dir .. "?.lua;" .. dir .. "../ch06/?.lua;" .. package.path
local textgen = require "textgen"
local json_line = require("common").json_line

local LISTING = "8-1"
local USAGE = "options: --epochs N  --chars N  --text FILE  --generate N  --seed N  --data DIR  --out DIR  --quick"
local BOOK = { epochs = 60, chars = 600000, generate = 400 }

local function usage_error(msg) error(("%s: %s\n%s"):format(LISTING, msg, USAGE), 0) end

local function parse_args(argv)
  local o = {}
  local numeric = { ["--epochs"] = "epochs", ["--chars"] = "chars", ["--generate"] = "generate", ["--seed"] = "seed" }
  local text = { ["--text"] = "text", ["--data"] = "data", ["--out"] = "out" }
  local i = 1
  while i <= #argv do
    local a, value = argv[i], nil
    local key, v = a:match("^(%-%-[%w-]+)=(.*)$")
    if key then a, value = key, v end
    if a == "--quick" then
      o.quick = true
    elseif a == "--help" or a == "-h" then
      print(USAGE); os.exit(0)
    elseif numeric[a] or text[a] then
      if value == nil then i = i + 1; value = argv[i] end
      if value == nil then usage_error(a .. " needs a value") end
      if numeric[a] then
        local n = math.tointeger(tonumber(value))
        if n == nil or n < (a == "--seed" and 0 or 1) then
          usage_error(("%s expects a positive integer, got '%s'"):format(a, value))
        end
        o[numeric[a]] = n
      else
        o[text[a]] = value
      end
    else
      usage_error(("unknown option '%s'"):format(a))
    end
    i = i + 1
  end
  if o.quick then
    o.epochs, o.chars, o.generate = o.epochs or 1, o.chars or 20000, o.generate or 100
  end
  return o
end

local o = parse_args(arg or {})
local epochs, limit, n_generate = o.epochs or BOOK.epochs, o.chars or BOOK.chars, o.generate or BOOK.generate
local seed = o.seed or 1234
local out = (o.out or "out/ch08"):gsub("/+$", "")
local changed = {}
for _, k in ipairs { "epochs", "chars", "generate" } do
  if o[k] and o[k] ~= BOOK[k] then changed[#changed + 1] = k .. " " .. o[k] end
end
if o.text then changed[#changed + 1] = "text " .. o.text end
local settings = #changed == 0 and "book" or table.concat(changed, ", ")
if o.data then ember.datasets.set_data_dir(o.data) end
assert(os.execute("mkdir -p '" .. out .. "'"), "cannot create " .. out)
ember.seed(seed)
local started = ember.clock()
print(("Listing %s (%s): seed %d, %s settings, output in %s/"):format(LISTING, arg[0]:match("([^/]*)$"), seed,
  settings == "book" and "the book's" or "reduced: " .. settings, out))

-- Listing 8-1: the corpus.
local text = o.text and textgen.file_text(o.text, limit) or textgen.imdb_text(limit)
local v = textgen.vectorize(text)
text = nil
print(("Corpus length: %d%s"):format(v.length, o.text and "" or " (IMDB training reviews, lowercased)"))
-- Listing 8-2: the windows.
print(("Number of sequences: %d"):format(v.x:size(1)))
print(("Unique characters: %d"):format(#v.chars))
print("Vectorization...")
local gen, steps = textgen.batches(v, 128)
print(("(one-hot per batch: %d steps of 128 windows of (%d, %d))"):format(steps, v.maxlen, #v.chars))

-- Listings 8-3, 8-4: the model.
local model = textgen.model(v.maxlen, #v.chars, 0.01)
model:summary()

-- Listing 8-7 after each epoch: a seed window, then n_generate characters
-- per temperature, printed and appended to the samples files.
local samples_txt = out .. "/" .. LISTING .. "_samples.txt"
local samples_lua = out .. "/" .. LISTING .. "_samples.lua"
local ftxt, flua = assert(io.open(samples_txt, "w")), assert(io.open(samples_lua, "w"))
flua:write("return {\n")
local function generate(epoch)
  local seed_ids, seed_text = textgen.seed_window(v)
  print(('--- Generating with seed: "%s"'):format(seed_text))
  ftxt:write(('=== epoch %d, seed: "%s"\n'):format(epoch, seed_text))
  local texts = textgen.generate(model, v, seed_ids, textgen.TEMPERATURES, n_generate)
  for r, temperature in ipairs(textgen.TEMPERATURES) do
    print("------ temperature: " .. temperature)
    print(seed_text .. texts[r])
    ftxt:write(("--- temperature %s\n%s\n"):format(temperature, texts[r]))
    flua:write(("  { epoch = %d, temperature = %s, seed = %q, text = %q },\n")
      :format(epoch, temperature, seed_text, texts[r]))
  end
  ftxt:flush()
  flua:flush()
end

local times = {}
local timer = {
  on_epoch_begin = function(self) self.t0 = ember.clock() end,
  on_epoch_end = function(self) times[#times + 1] = ember.clock() - self.t0 end,
}
local sampler = { on_epoch_end = function(self, epoch) generate(epoch + 1) end }
local history = model:fit_generator(gen, { steps_per_epoch = steps, epochs = epochs, verbose = 2,
  callbacks = { timer, sampler } })
flua:write("}\n")
ftxt:close()
flua:close()

-- Results: the loss curve, the history, one results line.
local figure = ember.plot.history(history, { metrics = { "loss" }, file = out .. "/" .. LISTING .. "_loss.png" })
print("figure: " .. figure)
print("samples: " .. samples_txt)
local losses = history.history.loss
local hf = assert(io.open(out .. "/" .. LISTING .. "_history.lua", "w"))
local vals = {}
for i, l in ipairs(losses) do vals[i] = ("%.8g"):format(l) end
hf:write(("return {\n  loss = {%s},\n}\n"):format(table.concat(vals, ", ")))
hf:close()
local sum = 0
for _, t in ipairs(times) do sum = sum + t end
local per_epoch = #times > 0 and sum / #times or nil
local peak_mib = ember.peak_rss() / 1048576
local best, best_epoch = math.huge, nil
for i, l in ipairs(losses) do if l < best then best, best_epoch = l, i end end
local line = json_line {
  { "listing", LISTING }, { "script", arg[0]:match("([^/]*)$") }, { "metric", "loss" },
  { "best", best_epoch and best }, { "epoch", best_epoch }, { "epochs", #losses },
  { "seconds_per_epoch", per_epoch }, { "corpus_chars", v.length }, { "windows", v.x:size(1) },
  { "unique_chars", #v.chars }, { "peak_rss_mib", math.floor(peak_mib + 0.5) }, { "figure", figure },
  { "seed", seed }, { "settings", settings }, { "wall_seconds", ember.clock() - started },
  { "date", os.date("!%Y-%m-%d %H:%M UTC") },
}
local rf = assert(io.open(out .. "/results.jsonl", "a"))
rf:write(line, "\n")
rf:close()
if per_epoch then
  print(("%s: final loss %.4f after %d epochs; %.1f s/epoch (training only, %d threads); peak RSS %.0f MiB")
    :format(LISTING, losses[#losses], #losses, per_epoch, ember.num_threads(), peak_mib))
end
