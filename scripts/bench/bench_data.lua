-- Data pipeline benchmarks (issue 6): tokenizing the IMDB training reviews
-- from the zip, imdb.load_data from its cache, the Jena CSV from its zip,
-- one timeseries batch.  Needs the datasets (make datasets); skips without.
local bench = require "bench"
local D, P, fs = ember.datasets, ember.preprocessing, ember.fs

bench.section("data (issue 6)")

-- Like bench.time, plus the median process CPU time (os.clock): on a
-- shared machine the wall time also counts other jobs' time slices.
local function time(label, fn, runs)
  fn()
  local walls, cpus = {}, {}
  for i = 1, runs do
    local w, c = ember.clock(), os.clock()
    fn()
    walls[i], cpus[i] = ember.clock() - w, os.clock() - c
  end
  table.sort(walls)
  table.sort(cpus)
  local mid = (runs + 1) // 2
  print(("%-58s %10.3f ms wall (min %.3f), %.3f ms cpu, %d runs"):format(label, walls[mid] * 1e3, walls[1] * 1e3,
    cpus[mid] * 1e3, runs))
end

local ok, root = pcall(D.imdb.find)
if not ok then
  print("skipped: no IMDB data (make datasets)")
  return
end

local function read_train()
  local texts = {}
  for _, label in ipairs { "neg", "pos" } do
    local dir = fs.join(root, "train", label)
    for _, name in ipairs(fs.listdir(dir)) do
      if name:sub(-4) == ".txt" then texts[#texts + 1] = fs.read(dir .. "/" .. name) end
    end
  end
  return texts
end

local function tokenize(texts)
  local tok = P.Tokenizer { num_words = 10000 }
  tok:fit_on_texts(texts)
  return tok:texts_to_sequences(texts)
end

-- once cold: the first call also opens the archive and indexes its 50,001 names
local t0, c0 = ember.clock(), os.clock()
local texts = read_train()
local seqs = tokenize(texts)
print(("%-58s %10.3f ms wall, %.3f ms cpu (1 cold run: %d reviews, %d tokens)"):format(
  "imdb: read 25,000 train reviews from zip + tokenize", (ember.clock() - t0) * 1e3, (os.clock() - c0) * 1e3,
  #texts, seqs:values():numel()))

time("imdb: read 25,000 train reviews from the zip", read_train, 3)
time("imdb: fit_on_texts + texts_to_sequences (num_words 10000)", function() tokenize(texts) end, 3)
time("imdb: read from zip + fit + texts_to_sequences", function() tokenize(read_train()) end, 3)

D.imdb.load_data { num_words = 10000 }  -- makes sure the cache exists
time("imdb.load_data{num_words = 10000} from the .npz cache", function()
  D.imdb.load_data { num_words = 10000 }
end, 3)

local _, float_data
time("jena_climate.load (43 MB CSV inside its zip)", function()
  _, float_data = D.jena_climate.load()
end, 3)

local gen = ember.data.timeseries_generator(float_data, { lookback = 1440, delay = 144, min_index = 1,
  max_index = 200000, shuffle = true, step = 6, batch_size = 128 })
time("timeseries_generator: one {128, 240, 14} shuffled batch", function() gen() end, 51)
local seq = ember.data.timeseries_generator(float_data, { lookback = 1440, delay = 144, min_index = 200002,
  max_index = 300000, step = 6, batch_size = 128 })
time("timeseries_generator: one {128, 240, 14} sequential batch", function() seq() end, 51)
