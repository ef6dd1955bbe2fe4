-- Data parallelism over MPI: samples/s of two chapter-6 models (6-39 GRU,
-- 6-27 LSTM; synthetic inputs of the book's shapes, global batch 128) on
-- 1 and 2 ranks with EMBER_NUM_THREADS=1 each, and the gradient all-reduce
-- time per step (one fused float32 buffer).  Skipped without mpirun.
--   make bench BENCH=distributed      (BENCH_DIST_STEPS=n: steps timed, default 4)
local bench = require "bench"
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
local steps = tonumber(os.getenv("BENCH_DIST_STEPS") or "4")
local interpreter = arg[-1] or "./ember"

bench.section(("Data parallelism (mpirun, 1 thread per rank): %d steps of a global batch of 128"):format(steps))
if not os.execute("command -v mpirun >/dev/null 2>&1") then
  print("skipped: mpirun is not installed (openmpi-bin)")
  return
end

local function run(case, np, count)
  local env = "EMBER_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "
  count = count or steps
  local cmd = np == 1 and ("%s%s %s/dist_worker.lua %s %d"):format(env, interpreter, dir, case, count)
    or ("%smpirun --oversubscribe --allow-run-as-root -np %d %s %s/dist_worker.lua %s %d")
      :format(env, np, interpreter, dir, case, count)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  p:close()
  local sps, ms, bytes = out:match("result (%S+) (%S+) (%S+)")
  if not sps then error("bench_distributed: the run failed:\n" .. cmd .. "\n" .. out) end
  return tonumber(sps), tonumber(ms), tonumber(bytes)
end

print(("%-26s %12s %12s %9s %16s %14s"):format("model", "1 rank", "2 ranks", "speed-up", "all-reduce/step",
  "gradient bytes"))
for _, case in ipairs { { "gru", "6-39 GRU(32), Jena" }, { "lstm", "6-27 LSTM(32), IMDB" } } do
  local s1, _, bytes = run(case[1], 1)
  local s2, ms2 = run(case[1], 2)
  print(("%-26s %8.1f s/s %8.1f s/s %8.2fx %13.3f ms %14d"):format(case[2], s1, s2, s2 / s1, ms2, bytes))
end
print("(s/s: samples per second; the all-reduce time per step includes waiting for the slower rank)")
print()
print("All-reduce alone on 2 ranks of this machine (shared memory), after a barrier, median of 21:")
for _, size in ipairs { { 4545, "6-39 GRU gradients" }, { 328353, "6-27 LSTM gradients" },
                        { 1315937, "6-46 Conv1D IMDB gradients" } } do
  local ms = run("allreduce", 2, size[1])
  print(("  %-28s %9.2f MB %10.3f ms"):format(size[2], size[1] * 4 / 1e6, ms))
end
