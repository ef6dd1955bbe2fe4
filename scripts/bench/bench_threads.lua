-- Thread scaling: the recurrent and Conv1D training rows at 1, 2 and all
-- cores (ember.set_num_threads between runs, same process, same inputs),
-- and how much faster than 1 thread each count is.  More threads must
-- never be slower: the last column says so when it is.
--   make bench BENCH=threads
local bench = require "bench"
local machine = require "machine"

local counts = { 1 }
local cores = machine.cores() or 1
if cores >= 2 then counts[#counts + 1] = 2 end
if cores > 2 then counts[#counts + 1] = math.min(cores, 16) end

local rows = {}
for _, group in ipairs { (require "cases_recurrent"), (require "cases_conv") } do
  for _, case in ipairs(group.cases) do rows[#rows + 1] = { case = case, inputs = group.inputs } end
end

bench.section(("Thread scaling: one training batch of 128, medians of 5 runs, threads %s")
  :format(table.concat(counts, ", ")))
local saved = ember.num_threads()
local header = { ("%-44s"):format("model") }
for _, n in ipairs(counts) do header[#header + 1] = ("%9s"):format(n .. " thr") end
header[#header + 1] = "  speed-up over 1 thread"
print(table.concat(header))
for _, row in ipairs(rows) do
  local case = row.case
  ember.seed(1)
  local model = case.model()
  model:compile { optimizer = ember.optimizers.RMSprop { lr = case.lr or 1e-3 }, loss = case.loss or "binary_crossentropy" }
  local x, y = row.inputs(case)
  local line, ms = { ("%-44s"):format(case.label:match("^[^:]+")) }, {}
  for i, n in ipairs(counts) do
    ember.set_num_threads(n)
    local median = bench.time_quiet(function() model:train_on_batch(x, y) end, { warmup = 1, runs = 5 })
    ms[i] = median * 1e3
    line[#line + 1] = ("%8.1f "):format(ms[i])
  end
  local ups, slower = {}, false
  for i = 2, #counts do
    ups[#ups + 1] = ("%.2fx at %d"):format(ms[1] / ms[i], counts[i])
    if ms[i] > ms[i - 1] * 1.03 then slower = true end
  end
  line[#line + 1] = "  " .. table.concat(ups, ", ") .. (slower and "  SLOWER with more threads" or "")
  print(table.concat(line))
  model = nil
  collectgarbage()
end
ember.set_num_threads(saved)
