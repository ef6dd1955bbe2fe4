-- Every chapter-6 script built on scripts/ch06/common.lua runs end to end on tiny fixture data
-- (--epochs 1 --steps 2, EMBER_DATA pointing at fixtures made here):
-- a small aclImdb folder, a small GloVe file, a short Jena-shaped CSV.
-- It checks exit statuses, the results lines and the figures; the real
-- datasets are never needed.
local SCRIPTS = "scripts/ch06"

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function run(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  return tonumber(out:match("exit=(%d+)%s*$")), out
end

-- Reviews from a small vocabulary: positive ones lean on "good" words.
local GOOD = { "great", "wonderful", "best", "loved", "excellent", "fun" }
local BAD = { "awful", "boring", "worst", "hated", "terrible", "dull" }
local COMMON = { "the", "movie", "film", "was", "and", "a", "of", "it", "plot", "actors", "story", "i" }

local function review(rng, positive)
  local words = {}
  for i = 1, 30 + rng(40) do
    local r = rng(10)
    if r <= 2 then words[i] = (positive and GOOD or BAD)[rng(6)]
    else words[i] = COMMON[rng(#COMMON)] end
  end
  return table.concat(words, " ") .. ". <br /><br />The End!"
end

local function make_imdb(dir, rng)
  for _, subset in ipairs { "train", "test" } do
    for _, label in ipairs { "neg", "pos" } do
      local d = dir .. "/aclImdb/" .. subset .. "/" .. label
      assert(os.execute("mkdir -p " .. sh(d)))
      for i = 1, 60 do
        write(("%s/%d_%d.txt"):format(d, i, label == "pos" and 8 or 2), review(rng, label == "pos"))
      end
    end
  end
end

local function make_glove(dir, rng)
  local lines = {}
  local words = {}
  for _, list in ipairs { GOOD, BAD, COMMON } do for _, w in ipairs(list) do words[#words + 1] = w end end
  for _, w in ipairs(words) do
    local v = {}
    for j = 1, 100 do v[j] = ("%.4f"):format((rng(2001) - 1001) / 1000) end
    lines[#lines + 1] = w .. " " .. table.concat(v, " ")
  end
  write(dir .. "/glove.6B.100d.txt", table.concat(lines, "\n") .. "\n")
end

-- 8,000 ten-minute rows: enough for 6-34's 10-day lookback once the rows
-- are split at the book's proportions.
local HEADER = '"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)",'
  .. '"VPact (mbar)","VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)","wv (m/s)",'
  .. '"max. wv (m/s)","wd (deg)"'

local function make_jena(dir, rng)
  local rows = { HEADER }
  for i = 1, 8000 do
    local minutes = i * 10
    local day, hm = minutes // 1440, minutes % 1440
    local date = ("%02d.01.2009 %02d:%02d:00"):format(day + 1 > 31 and 31 or day + 1, hm // 60, hm % 60)
    local t = 5 * math.sin(2 * math.pi * i / 144) + (rng(100) - 50) / 50
    local v = { date, ("%.2f"):format(990 + rng(20)), ("%.2f"):format(t) }
    for c = 4, 15 do v[c] = ("%.2f"):format(t * (c % 3) + rng(100) / 10) end
    rows[#rows + 1] = table.concat(v, ",")
  end
  write(dir .. "/jena_climate_2009_2016.csv", table.concat(rows, "\n") .. "\n")
end

describe("chapter 6 scripts on fixture data", function()
  local tmp, data, out

  setup(function()
    tmp = os.tmpname()
    os.remove(tmp)
    data, out = tmp .. "/data", tmp .. "/out"
    assert(os.execute("mkdir -p " .. sh(data) .. " " .. sh(out)))
    local state = 12345
    local function rng(n)  -- a small LCG: fixtures independent of ember.seed
      state = (state * 1103515245 + 12345) % 2147483648
      return state % n + 1
    end
    make_imdb(data, rng)
    make_glove(data, rng)
    make_jena(data, rng)
  end)

  teardown(function()
    if tmp then os.execute("rm -rf " .. sh(tmp)) end
  end)

  local function script(name)
    return ("EMBER_DATA=%s ./ember %s/%s --epochs 1 --steps 2 --out %s"):format(sh(data), SCRIPTS, name, sh(out))
  end

  it("runs every script with --epochs 1 --steps 2", function()
    local names = {}
    local p = io.popen("ls " .. SCRIPTS)
    for name in p:lines() do
      -- the scripts built on common.lua; listings that only print the
      -- book's data shapes (6-1 .. 6-36 of the data and tensor work) need
      -- the full datasets and are covered by their own specs
      local f = io.open(SCRIPTS .. "/" .. name)
      local uses_common = f and f:read("a"):find('require "common"', 1, true)
      if f then f:close() end
      if name:match("^%d+%-%d+.*%.lua$") and uses_common then names[#names + 1] = name end
    end
    p:close()
    table.sort(names, function(a, b)  -- 6-14 before 6-15 and 6-18 (saved history, weights)
      local a1, a2 = a:match("^(%d+)%-(%d+)"); local b1, b2 = b:match("^(%d+)%-(%d+)")
      if a2 ~= b2 then return tonumber(a2) < tonumber(b2) end
      return a < b
    end)
    assert.is_true(#names >= 30)
    for _, name in ipairs(names) do
      local status, output = run(script(name))
      assert(status == 0, name .. " failed:\n" .. output)
    end
  end)

  it("runs the Jena listings that only print (6-28 .. 6-36) on the fixture file", function()
    for _, name in ipairs { "6-28_jena_inspect.lua", "6-29_jena_parse.lua", "6-32_jena_normalize.lua",
                            "6-33_generator.lua", "6-34_generators.lua", "6-35_naive_baseline.lua" } do
      local status, output = run(("EMBER_DATA=%s ./ember %s/%s"):format(sh(data), SCRIPTS, name))
      assert(status == 0, name .. " failed:\n" .. output)
    end
  end)

  it("6-36 prints the book's 0.29 x std, then 6-35's own MAE x the same std", function()
    local status, output = run(("EMBER_DATA=%s ./ember %s/6-36_mae_celsius.lua"):format(sh(data), SCRIPTS))
    assert(status == 0, output)
    local book = tonumber(output:match("^(%d+%.%d+)\nlisting 6%-35 on this file: %d+%.%d+\n"))
    local mae, std, degc = output:match("this file: ([%d.]+) %(6%-35%) x std ([%d.]+) = ([%d.]+) degC")
    assert.is_truthy(book and mae, output)
    assert.near(0.29 * std, book, 0.006)
    assert.near(mae * std, tonumber(degc), 0.006)
    local _, naive = run(("EMBER_DATA=%s ./ember %s/6-35_naive_baseline.lua"):format(sh(data), SCRIPTS))
    assert.equal(naive:match("(%d+%.%d+)"), mae)
  end)

  it("appends one results line per training run, with the seed and reduced settings", function()
    local f = assert(io.open(out .. "/results.jsonl"))
    local text = f:read("a")
    f:close()
    local line = text:match('[^\n]*"listing":"6%-27"[^\n]*')
    assert.is_truthy(line)
    assert.is_truthy(line:find('"metric":"val_acc"', 1, true))
    assert.is_truthy(line:find('"seed":1234', 1, true))
    assert.is_truthy(line:find('"settings":"epochs 1, steps 2"', 1, true))
    local jena = text:match('[^\n]*"listing":"6%-39"[^\n]*')
    assert.is_truthy(jena:find('"metric":"val_loss"', 1, true))
    assert.is_truthy(jena:match('"best":[%d.e-]+'))
    assert.is_truthy(text:find('"listing":"6%-18".-"test_acc":'))
  end)

  it("writes the figures as PNG files", function()
    for _, name in ipairs { "6-14_acc.png", "6-15_acc.png", "6-39_loss.png", "6-30_temperature.png" } do
      local f = io.open(out .. "/" .. name, "rb")
      assert(f, "missing " .. name)
      assert.equal("\137PNG", f:read(4))
      f:close()
    end
  end)

  it("the same seed gives the same result; --seed changes it", function()
    local function best(extra)
      local _, output = run(script("6-39_jena_gru.lua") .. " " .. extra)
      return output:match("best val_loss ([%d.]+)")
    end
    local a, b, c = best(""), best("--seed 1234"), best("--seed 7")
    assert.is_truthy(a)
    assert.equal(a, b)
    assert.not_equal(a, c)
  end)

  it("runs an IMDB (6-7) and a Jena (6-39) script unchanged under mpirun -np 2, with one process's result", function()
    if not os.execute("command -v mpirun >/dev/null 2>&1") then
      pending("mpirun is not installed (openmpi-bin)")
      return
    end
    local mpi_out = out .. "/mpi"
    for _, name in ipairs { "6-7_imdb_embedding_dense.lua", "6-39_jena_gru.lua" } do
      local one = script(name):gsub("%-%-out %S+", "--out " .. sh(out .. "/one"))
      local _, single = run("EMBER_NUM_THREADS=1 " .. one)
      local status, output = run(("EMBER_NUM_THREADS=1 EMBER_DATA=%s timeout 120 mpirun --oversubscribe "
        .. "--allow-run-as-root -np 2 ./ember %s/%s --epochs 1 --steps 2 --out %s")
        :format(sh(data), SCRIPTS, name, sh(mpi_out)))
      assert(status == 0, name .. " failed under mpirun:\n" .. output)
      local best = single:match("best %S+ ([%d.]+)")
      assert.is_truthy(best, single)
      local _, lines = output:gsub("best %S+ [%d.]+", "")
      assert.equal(1, lines, output)  -- rank 0 reports
      -- printed with 4 decimals: equal up to the last one (float sums in another order)
      assert.is_true(math.abs(tonumber(best) - tonumber(output:match("best %S+ ([%d.]+)"))) <= 1.5e-4, output)
    end
    local f = assert(io.open(mpi_out .. "/results.jsonl"))
    local _, results = f:read("a"):gsub("\n", "")
    f:close()
    assert.equal(2, results)  -- one line per run: rank 0's
  end)

  it("rejects unknown options and bad values with a message", function()
    local status, output = run(script("6-23_imdb_simple_rnn.lua") .. " --epoch 3")
    assert.not_equal(0, status)
    assert.is_truthy(output:find("6-23: unknown option '--epoch'", 1, true))
    status, output = run(script("6-23_imdb_simple_rnn.lua") .. " --steps zero")
    assert.not_equal(0, status)
    assert.is_truthy(output:find("--steps expects a positive integer, got 'zero'", 1, true))
  end)

  it("6-15 explains that 6-14 must run first when its history is missing", function()
    local status, output = run(("./ember %s/6-15_glove_plot.lua --out %s"):format(SCRIPTS, sh(tmp .. "/empty")))
    assert.not_equal(0, status)
    assert.is_truthy(output:find("run listing 6-14 first", 1, true))
  end)
end)
