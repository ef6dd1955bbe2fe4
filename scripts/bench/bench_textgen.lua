-- Listing 8-1's model (scripts/ch08/8-1_char_lstm_text_generation.lua): one
-- training epoch through fit_generator -- LSTM(128) -> Dense(57, softmax),
-- RMSprop(lr = 0.01), batch 128, windows one-hot encoded per batch -- on a
-- fixed synthetic corpus of 20,000 windows of 60 characters (57 distinct
-- characters, the book's Nietzsche count), and the same model, data and
-- epoch in PyTorch (scripts/bench/torch_textgen.py) when it is importable.
-- Runs alternate (Ember, PyTorch, Ember, ...) on the shared machine;
-- medians are reported.  PyTorch runs with OMP_WAIT_POLICY=PASSIVE unless
-- the variable is set (see torch_textgen.py: spinning workers on a loaded
-- machine cost it 7x).
--   make bench BENCH=textgen     (EMBER_BENCH_TORCH=0 skips PyTorch;
--                                  EMBER_BENCH_TEXTGEN_RUNS=N, default 3)
local bench = require "bench"
local machine = require "machine"
local bench_dir = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "scripts/bench"
local textgen = dofile(bench_dir .. "/../ch08/textgen.lua")

local WINDOWS, CHARS = 20000, 57
local runs = math.tointeger(tonumber(os.getenv("EMBER_BENCH_TEXTGEN_RUNS") or "3")) or 3

bench.section(("Text generation (8-1): one epoch of %d windows of 60 characters, LSTM(128), batch 128")
  :format(WINDOWS))
print(("machine shared with other jobs (load average %s): medians of %d alternating runs")
  :format(machine.load_average(), runs))

-- The corpus: ids 0..56 from the seeded generator, as a string of characters
-- so that it goes through the script's own vectorization.
ember.seed(8)
local length = (WINDOWS - 1) * textgen.STEP + textgen.MAXLEN + 1
local ids = ember.randint(0, CHARS - 1, { length })
ids[{ 1 }], ids[{ 2 }] = 0, CHARS - 1  -- every id present, so the alphabet has CHARS characters
local alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 .,;:!?'\"()-ABCDEFGHIJ"
local chars = {}
for i, id in ipairs(ids:totable()) do chars[i] = alphabet:sub(id + 1, id + 1) end
local v = textgen.vectorize(table.concat(chars))
assert(v.x:size(1) == WINDOWS and #v.chars == CHARS, "bench_textgen: unexpected corpus shape")

local ids_file = os.tmpname() .. ".npy"
ember.save(ids_file, v.ids)

local model = textgen.model(v.maxlen, CHARS, 0.01)
local gen, steps = textgen.batches(v, 128)
model:train_on_batch(gen())  -- build and warm up

local function ember_epoch()
  local t0 = ember.clock()
  model:fit_generator(gen, { steps_per_epoch = steps, epochs = 1, verbose = 0 })
  return (ember.clock() - t0) * 1e3
end

local function torch_epoch()
  local out, why = bench.torch_times("torch_textgen.py",
    ("%s %d %d %d"):format(ids_file, ember.num_threads(), WINDOWS, CHARS))
  if not out then return nil, why end
  if not out.textgen_epoch then return nil, "torch_textgen.py gave no figure" end
  return out.textgen_epoch, out.version
end

local function ms_list(list)
  local t = {}
  for k, x in ipairs(list) do t[k] = ("%.0f"):format(x) end
  return table.concat(t, ", ")
end

local function median(list)
  local t = table.move(list, 1, #list, 1, {})
  table.sort(t)
  return t[(#t + 1) // 2]
end

local ember_ms, torch_ms, torch_version, why = {}, {}, nil, nil
for i = 1, runs do
  ember_ms[i] = ember_epoch()
  if not why then
    local ms, info = torch_epoch()
    if ms then torch_ms[#torch_ms + 1], torch_version = ms, info else why = info end
  end
end
os.remove(ids_file)

local e = median(ember_ms)
print(("%-58s %10.0f ms  (%d steps: %.1f ms per batch; runs %s ms), peak RSS %.0f MiB")
  :format("Ember, fit_generator, one epoch", e, steps, e / steps,
    ms_list(ember_ms),
    bench.mib(ember.peak_rss())))
if #torch_ms > 0 then
  local t = median(torch_ms)
  print(("%-58s %10.0f ms  (%.1f ms per batch; runs %s ms)"):format("PyTorch " .. (torch_version or "?") ..
    ", same data, one epoch (OMP_WAIT_POLICY=" .. (os.getenv("OMP_WAIT_POLICY") or "PASSIVE") .. ")", t, t / steps,
    ms_list(torch_ms)))
  print(("textgen epoch: Ember %.0f ms vs PyTorch %.0f ms (%d threads each): ratio %.2fx; load average after %s")
    :format(e, t, ember.num_threads(), t / e, machine.load_average()))
else
  print("PyTorch side by side: " .. tostring(why))
end
