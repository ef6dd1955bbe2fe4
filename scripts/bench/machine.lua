-- What makes a benchmark figure comparable: the CPU, its cores, the
-- OpenBLAS build and core type it chose, the FTZ/DAZ state and the thread
-- counts.  make bench prints this first.
local machine = {}

local function first_match(path, pattern)
  local f = io.open(path)
  if not f then return nil end
  for line in f:lines() do
    local m = line:match(pattern)
    if m then
      f:close()
      return m
    end
  end
  f:close()
end

function machine.cpu() return first_match("/proc/cpuinfo", "^model name%s*:%s*(.-)%s*$") or "unknown CPU" end

function machine.cores()
  local p = io.popen("nproc 2>/dev/null")
  local n = p and tonumber(p:read("l") or "")
  if p then p:close() end
  return n
end

function machine.load_average()
  local f = io.open("/proc/loadavg")
  if not f then return "unknown" end
  local s = f:read("l")
  f:close()
  return s:match("^(%S+ %S+ %S+)")
end

function machine.report()
  local blas = ember.debug.blas()
  print(("machine: %s, %s online cores"):format(machine.cpu(), tostring(machine.cores() or "?")))
  print(("OpenBLAS: %s; core type %s; OPENBLAS_CORETYPE=%s"):format(blas.config, blas.core,
    os.getenv("OPENBLAS_CORETYPE") or "(unset)"))
  print(("threads: Ember %d (EMBER_NUM_THREADS=%s), OpenBLAS %d; flush-to-zero/denormals-are-zero %s")
    :format(ember.num_threads(), os.getenv("EMBER_NUM_THREADS") or "(unset)", blas.threads,
      ember.flush_denormal() and "on" or "off"))
  print(("load average before: %s"):format(machine.load_average()))
end

return machine
