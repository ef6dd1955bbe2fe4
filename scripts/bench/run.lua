-- make bench: runs every scripts/bench/bench_*.lua (or those whose name
-- contains the first argument) and prints their figures.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local filter = arg[1]
local files = {}
local p = io.popen('ls "' .. dir .. '"')
for name in p:lines() do
  if name:match("^bench_.*%.lua$") and (not filter or name:find(filter, 1, true)) then files[#files + 1] = name end
end
p:close()
table.sort(files)
print(("Ember benchmarks, %s, %s"):format(os.date("!%Y-%m-%d %H:%M UTC"), ember.version))
require("machine").report()
for _, name in ipairs(files) do dofile(dir .. "/" .. name) end
