-- make reproduce: run every chapter-6 listing at the book's settings, then
-- table the results beside the book's figures in out/ch06/RESULTS.md.
--
--   ./ember scripts/reproduce/ch06.lua [--only 6-23,6-27] [--resume]
--                                      [--args "--epochs 5"] [--table]
--   --only LIST   run only these listings (comma-separated ids: 6-23,6-41b)
--   --resume      skip listings that already have a book-settings result
--   --args "..."  extra options for every script (a reduced run; the
--                 table marks such results as reduced)
--   --table       do not run anything, only rewrite RESULTS.md
-- Each script appends its result line to out/ch06/results.jsonl (see
-- scripts/ch06/common.lua); its output goes to out/ch06/logs/<script>.log.
local OUT = "out/ch06"
local DIR = "scripts/ch06"

-- The book's figures (validation unless stated), in the order the runs go:
-- the IMDB listings first, then Jena from the fastest to the slowest.
local LISTINGS = {
  { "6-1", "word one-hot encoding", "results.shape" }, { "6-2", "character one-hot encoding" },
  { "6-3", "Keras one-hot encoding" }, { "6-4", "hashing trick" },
  { "6-5", "Embedding layer" }, { "6-6", "IMDB loaded for an Embedding layer" },
  { "6-7", "≈ 75 % val acc (reviews cut to 20 words)" },
  { "6-8", "raw IMDB labels" }, { "6-9", "Found 88,582 unique tokens", "unique tokens" },
  { "6-10", "Found 400,000 word vectors", "word vectors" },
  { "6-11", "GloVe embedding matrix" },
  { "6-12", "model summary", "Total params" }, { "6-13", "GloVe weights loaded, frozen" },
  { "6-14", "high-50s % val acc (200 samples, pretrained GloVe)" }, { "6-15", "figures 6-5, 6-6" },
  { "6-16", "low-50s % val acc (200 samples, no pretrained vectors)" },
  { "6-16b", "≈ 70 % val acc (2,000 samples, no pretrained vectors; footnote 17)" },
  { "6-17", "test data tokenized" }, { "6-18", "≈ 56 % test acc (book text; the issue quotes ≈ 50 %)" },
  { "6-19", "pseudocode" }, { "6-21", "numpy RNN" }, { "6-21b", "totals 322,080 / 322,080 / 328,320" },
  { "6-22", "input_train shape (25000, 500)", "input_train shape" }, { "6-23", "≈ 85 % val acc (SimpleRNN)" }, { "6-25", "pseudocode" },
  { "6-27", "≈ 88 % val acc (LSTM)" }, { "6-46", "a bit below the LSTM (≈ 83-84 % val acc)" },
  { "6-46b", "not given (4 epochs on all 25,000, test set)" },
  { "6-42", "≈ 6-27 (≈ 88 % val acc)" }, { "6-43", "≈ 88-89 % val acc (bidirectional LSTM)" },
  { "6-28", "420,551 lines, 15 columns" }, { "6-29", "float_data (420551, 14)", "shape" },
  { "6-30", "figure 6-18" }, { "6-31", "figure 6-19" }, { "6-32", "normalized data" },
  { "6-33", "generator" }, { "6-34", "generators" },
  { "6-35", "naive MAE 0.29 (stand-in file: 0.295)" }, { "6-36", "0.29 x std = 2.57 °C (real record)" }, { "6-48", "batch shapes", "train batch" },
  { "6-37", "val MAE near or above the naive 0.29, unstable" },
  { "6-47", "val MAE ≈ 0.40-0.45, well above the baseline" },
  { "6-39", "val MAE ≈ 0.265, below the baseline" },
  { "6-41b", "worse than the naive baseline (reversed GRU)" },
  { "6-49", "between 6-47 and 6-40 (≈ 0.27-0.28)" },
  { "6-40", "≈ 0.265, no overfitting until late (40 epochs)" },
  { "6-44", "≈ 6-39 (≈ 0.265-0.27)" },
  { "6-41", "a little better than 6-40 (≈ 0.26)" },
}
local BOOK, PICK = {}, {}
for _, l in ipairs(LISTINGS) do BOOK[l[1]], PICK[l[1]] = l[2], l[3] end

-- The line of a log that shows what a printing listing printed: the first
-- line containing PICK[id], else the last line that is not a note.
local function pick_line(id, log)
  local f = io.open(log)
  if not f then return nil end
  local last, found
  for line in f:lines() do
    if PICK[id] and not found and line:find(PICK[id], 1, true) then found = line end
    if line:match("%S") and not line:match("^note:") then last = line end
  end
  f:close()
  local line = found or last or ""
  if #line > 90 then line = line:sub(1, 87) .. "..." end
  return line
end

local function json_string(v)
  return '"' .. v:gsub('[%c"\\|]', function(c) return c == "|" and "/" or c:byte() < 32 and " " or "\\" .. c end) .. '"'
end

-- ---- options ----------------------------------------------------------------

local opts = { extra = "" }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--only" then i = i + 1; opts.only = arg[i]
    elseif a == "--args" then i = i + 1; opts.extra = arg[i] or ""
    elseif a == "--resume" then opts.resume = true
    elseif a == "--table" then opts.table_only = true
    else error("reproduce: unknown option '" .. tostring(a) .. "' (--only LIST, --args \"...\", --resume, --table)", 0) end
    i = i + 1
  end
end

local function sh_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function capture(cmd)
  local p = io.popen(cmd)
  local s = p:read("a")
  p:close()
  return s
end

-- listing id of a script: "6-27_imdb_lstm.lua" -> "6-27"
local function listing_of(script) return script:match("^(%d+%-%d+%a?)_") end

local function scripts()
  local list = {}
  for name in capture("ls " .. DIR):gmatch("[^\n]+") do
    if name:match("%.lua$") and listing_of(name) then list[listing_of(name)] = name end
  end
  return list
end

-- ---- results.jsonl ----------------------------------------------------------

-- A decoder for the flat objects common.lua writes.
local function decode(line)
  local obj, pos = {}, 1
  local function skip() pos = line:find("[^%s]", pos) or #line + 1 end
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local c = line:sub(pos, pos)
      if c == "" then error("unterminated string") end
      if c == '"' then pos = pos + 1; break end
      if c == "\\" then
        local e = line:sub(pos + 1, pos + 1)
        if e == "u" then out[#out + 1] = utf8.char(tonumber(line:sub(pos + 2, pos + 5), 16)); pos = pos + 6
        else out[#out + 1] = ({ n = "\n", t = "\t" })[e] or e; pos = pos + 2 end
      else out[#out + 1] = c; pos = pos + 1 end
    end
    return table.concat(out)
  end
  skip()
  if line:sub(pos, pos) ~= "{" then return nil end
  pos = pos + 1
  while true do
    skip()
    local c = line:sub(pos, pos)
    if c == "}" then break end
    if c == "," then pos = pos + 1; skip() end
    local key = str()
    skip(); pos = pos + 1; skip()  -- the colon
    local v
    c = line:sub(pos, pos)
    if c == '"' then v = str()
    else
      local word = line:match("^[^,}%s]+", pos)
      pos = pos + #word
      if word == "true" then v = true elseif word == "false" then v = false
      elseif word == "null" then v = nil else v = tonumber(word) end
    end
    obj[key] = v
  end
  return obj
end

-- The result per listing: the latest run at the book's settings, else the
-- latest reduced run.
local function read_results()
  local best = {}
  local f = io.open(OUT .. "/results.jsonl")
  if not f then return best end
  for line in f:lines() do
    local ok, r = pcall(decode, line)
    if ok and r and r.listing then
      local cur = best[r.listing]
      if not cur or r.settings == "book" or cur.settings ~= "book" then best[r.listing] = r end
    end
  end
  f:close()
  return best
end

-- ---- running ----------------------------------------------------------------

local function wanted(id)
  if not opts.only then return true end
  for part in opts.only:gmatch("[^,]+") do
    if id == part then return true end
  end
  return false
end

local function order(list)
  local ids, seen = {}, {}
  for _, l in ipairs(LISTINGS) do
    if list[l[1]] then ids[#ids + 1] = l[1]; seen[l[1]] = true end
  end
  local rest = {}
  for id in pairs(list) do if not seen[id] then rest[#rest + 1] = id end end
  table.sort(rest, function(a, b)
    local a1, a2 = a:match("(%d+)%-(%d+)"); local b1, b2 = b:match("(%d+)%-(%d+)")
    if tonumber(a2) ~= tonumber(b2) then return tonumber(a2) < tonumber(b2) end
    return a < b
  end)
  for _, id in ipairs(rest) do ids[#ids + 1] = id end
  return ids
end

-- The 1-minute load average now: how busy the machine was around a run
-- (the s/epoch column means little without it).
local function loadavg()
  local f = io.open("/proc/loadavg")
  if not f then return nil end
  local one = f:read("n")
  f:close()
  return one
end

local status = {}  -- id -> "ok" | "failed (exit N)"
local function run_all()
  os.execute("mkdir -p " .. OUT .. "/logs")
  local list = scripts()
  local done = opts.resume and read_results() or {}
  for _, id in ipairs(order(list)) do
    if wanted(id) and not (done[id] and done[id].settings == "book") then
      local script = list[id]
      local log = OUT .. "/logs/" .. script:gsub("%.lua$", ".log")
      io.write(("%-6s %-40s "):format(id, script)); io.flush()
      local t0, load_before = os.time(), loadavg()
      local ok, _, code = os.execute(("./ember %s --out %s %s > %s 2>&1"):format(
        sh_quote(DIR .. "/" .. script), OUT, opts.extra, sh_quote(log)))
      status[id] = ok and "ok" or ("failed (exit " .. tostring(code) .. ", see " .. log .. ")")
      print(("%s  %ds"):format(status[id], os.time() - t0))
      local f = assert(io.open(OUT .. "/runs.jsonl", "a"))
      f:write(('{"listing":"%s","status":"%s","seconds":%d,"args":%s,"output":%s,"date":"%s",'
        .. '"load_before":%.2f,"load_after":%.2f}\n'):format(id, ok and "ok" or "failed", os.time() - t0,
        json_string(opts.extra), json_string(pick_line(id, log) or ""), os.date("!%Y-%m-%d %H:%M UTC"),
        load_before or -1, loadavg() or -1))
      f:close()
    end
  end
end

-- ---- RESULTS.md ---------------------------------------------------------------

local function fmt_best(r)
  if not r or not r.best then return nil end
  if r.metric:find("acc") then
    return ("%.1f %% (epoch %d of %d)"):format(100 * r.best, r.epoch, r.epochs or r.epoch)
  end
  return ("%.3f (epoch %d of %d)"):format(r.best, r.epoch, r.epochs or r.epoch)
end

-- The latest runner status per listing (scripts that print rather than train).
local function read_runs()
  local runs = {}
  local f = io.open(OUT .. "/runs.jsonl")
  if not f then return runs end
  for line in f:lines() do
    local ok, r = pcall(decode, line)
    if ok and r and r.listing then runs[r.listing] = r end
  end
  f:close()
  return runs
end

local function describe(r, run)
  if not r then
    if run then
      if run.status ~= "ok" then return "**failed** (see logs/)" end
      return (run.output and run.output ~= "") and ("prints `" .. run.output:gsub("`", "'") .. "`") or "ran (exit 0)"
    end
    return "not run yet"
  end
  local parts = {}
  local b = fmt_best(r)
  if b then
    local name = ({ val_loss = "val MAE", val_acc = "val acc", acc = "train acc" })[r.metric] or r.metric
    parts[#parts + 1] = name .. " " .. b
  end
  if r.test_acc then parts[#parts + 1] = ("test acc %.1f %%"):format(100 * r.test_acc) end
  if r.test_mae then parts[#parts + 1] = ("test MAE %.3f"):format(r.test_mae) end
  if #parts == 0 then parts[1] = r.note or (r.figure and "figure written") or "ran" end
  return table.concat(parts, "; ")
end

local function machine()
  local cpu = capture("grep -m1 'model name' /proc/cpuinfo"):match(":%s*(.-)%s*$") or "?"
  return ("%s, %s cores"):format(cpu, capture("nproc"):gsub("%s", ""))
end

-- "1.0-2.1": the 1-minute load average just before and just after a run
-- (older runs.jsonl lines have none).
local function load_range(run)
  if not run or not run.load_before or run.load_before < 0 then return "" end
  return ("%.1f-%.1f"):format(run.load_before, run.load_after)
end

-- When the listings in the table ran, and how long they took in all.
local function run_span(runs)
  local first, last, seconds = nil, nil, 0
  for _, r in pairs(runs) do
    if r.date then
      if not first or r.date < first then first = r.date end
      if not last or r.date > last then last = r.date end
    end
    seconds = seconds + (r.seconds or 0)
  end
  if not first then return "No runs recorded yet." end
  return ("The runs behind this table started between %s and %s and took %d min in all."):format(
    first, last, seconds // 60)
end

local function write_table()
  local results = read_results()
  local runs = read_runs()
  local list = scripts()
  local rows = {
    "# Chapter 6 results: Ember beside the book",
    "",
    ("Written %s by `make reproduce` (scripts/reproduce/ch06.lua) from %s/results.jsonl."):format(
      os.date("!%Y-%m-%d %H:%M UTC"), OUT),
    "Machine: " .. machine() .. ". " .. run_span(runs),
    "Load: the 1-minute load average just before and after each run (2 means both cores busy).",
    "Each row is the latest run of the listing at the book's settings, or, where there is none, the",
    "latest reduced run (the Settings column says what was reduced). Figures are under " .. OUT .. "/.",
    "The Jena data here is the synthetic stand-in (datasets/README.md): its naive baseline (6-35) is",
    "0.295, the book's 0.29; only the ordering of the Jena models is expected to carry over.",
    "",
    "| Listing | Book | Ember | Settings | s/epoch | Load | Figure | Seed |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  }
  for _, id in ipairs(order(list)) do
    local r = results[id]
    local settings = r and (r.settings == "book" and "book" or "**reduced: " .. r.settings .. "**")
      or runs[id] and (runs[id].args == "" and "book" or "**" .. runs[id].args .. "**") or "—"
    if runs[id] and runs[id].status ~= "ok" then
      settings = r and settings .. "; a later run failed or was stopped (logs/)" or "**last run failed** (logs/)"
    end
    local fig = r and r.figure and r.figure:gsub("^" .. OUT:gsub("%p", "%%%0") .. "/", "") or ""
    rows[#rows + 1] = ("| %s | %s | %s | %s | %s | %s | %s | %s |"):format(id, BOOK[id] or "", describe(r, runs[id]),
      settings, r and r.seconds_per_epoch and (r.seconds_per_epoch < 1 and "%.2f" or "%.1f"):format(r.seconds_per_epoch) or "", load_range(runs[id]), fig,
      r and r.seed or "")
  end
  local notes = io.open("scripts/reproduce/ch06_notes.md")
  if notes then
    rows[#rows + 1] = ""
    rows[#rows + 1] = notes:read("a")
    notes:close()
  end
  os.execute("mkdir -p " .. OUT)
  local f = assert(io.open(OUT .. "/RESULTS.md", "w"))
  f:write(table.concat(rows, "\n"), "\n")
  f:close()
  print("wrote " .. OUT .. "/RESULTS.md")
end

if not opts.table_only then run_all() end
write_table()
local failed = false
for _, s in pairs(status) do if s ~= "ok" then failed = true end end
if failed then os.exit(1) end
