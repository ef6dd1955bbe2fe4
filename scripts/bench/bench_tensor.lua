-- Tensor benchmarks: matmul at OpenBLAS speed, elementwise ops memory-bound.
--   make bench BENCH=tensor
-- Elementwise figures are compared with a plain copy of the same number of
-- bytes (clone of a 10^7 float32 tensor): an op that moves bytes as fast as
-- a copy is memory-bound, not compute-bound.  numpy's figures are printed
-- side by side when python3 has numpy (never required).
local bench = require "bench"

local function gbps(bytes, seconds) return bytes / seconds / 1e9 end

bench.section(("tensor: matmul (OpenBLAS, %d threads)"):format(ember.num_threads()))
ember.seed(1)
local n = 1024
local a, b = ember.randn { n, n }, ember.randn { n, n }
local t = bench.time(("matmul %dx%d float32"):format(n, n), function() return ember.matmul(a, b) end, { runs = 7 })
print(("  -> %.1f GFLOP/s"):format(2 * n ^ 3 / t / 1e9))
local at = a:t()
t = bench.time(("matmul %dx%d, transposed view (no copy)"):format(n, n), function() return ember.matmul(at, b) end, { runs = 7 })
print(("  -> %.1f GFLOP/s"):format(2 * n ^ 3 / t / 1e9))

bench.section("tensor: elementwise on 1e7 float32 (40 MB per operand)")
local N = 10000000
local x, y = ember.rand { N }, ember.rand { N }
local bytes = N * 4
-- Let the heap reach its steady state first: until Lua's collector has
-- freed a few dead 40 MB results, each new one takes fresh pages from the
-- kernel (a page fault per 4 KiB), which would be charged to the first row.
for _ = 1, 10 do local _ = x:clone() end
local rows = {
  { "copy (clone), the memory-bound reference", function() return x:clone() end, 2 },
  { "x + y (new tensor)", function() return x + y end, 3 },
  { "x * y (new tensor)", function() return x * y end, 3 },
  { "x:tanh() (new tensor)", function() return x:tanh() end, 2 },
  { "x:add_(y) (in place)", function() return x:add_(y) end, 3 },
  { "x:mul_(y) (in place)", function() return x:mul_(y) end, 3 },
  { "x + 1 (broadcast scalar)", function() return x + 1 end, 2 },
  { "x:sum()", function() return x:sum() end, 1 },
}
for _, r in ipairs(rows) do
  local s = bench.time(r[1], r[2], { warmup = 3, runs = 7 })
  print(("  -> %.1f GB/s (%d x 40 MB moved)"):format(gbps(r[3] * bytes, s), r[3]))
  collectgarbage()
end

local function numpy_python()
  for _, py in ipairs { "python3", "/usr/bin/python3" } do
    if os.execute(py .. ' -c "import numpy" >/dev/null 2>&1') then return py end
  end
end
local py = numpy_python()
if py then
  bench.section("numpy, same machine, same sizes (median of 7)")
  local script = [[
import numpy as np, time
def med(f, runs=7):
    f(); ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]
n = 1024; a = np.random.randn(n, n).astype(np.float32); b = np.random.randn(n, n).astype(np.float32)
t = med(lambda: a @ b); print("numpy matmul 1024x1024 float32 %9.3f ms  -> %.1f GFLOP/s" % (t * 1e3, 2 * n**3 / t / 1e9))
N = 10**7; x = np.random.rand(N).astype(np.float32); y = np.random.rand(N).astype(np.float32)
for name, f, k in [("copy", lambda: x.copy(), 2), ("x + y", lambda: x + y, 3), ("x * y", lambda: x * y, 3),
                   ("np.tanh(x)", lambda: np.tanh(x), 2), ("x += y", lambda: np.add(x, y, out=x), 3), ("x.sum()", lambda: x.sum(), 1)]:
    t = med(f); print("numpy %-12s %9.3f ms  -> %.1f GB/s" % (name, t * 1e3, k * N * 4 / t / 1e9))
]]
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(script)
  f:close()
  local p = io.popen(py .. " " .. path)
  for line in p:lines() do print(line) end
  p:close()
  os.remove(path)
end
