-- ember.so: the library as a Lua C module for a plain lua5.4 (`make` builds
-- it beside ./ember from the same objects; bindings/module.c).  Each check
-- runs lua5.4 in a child process, as a user would:
--   lua5.4 -e 'package.cpath = "./?.so;" .. package.cpath; local ember = require "ember"; ...'
-- and compares with the ./ember host where they must agree.  Also: two Lua
-- states one after the other in one C program, `make install`, and
-- `luarocks make` from a copy of the working tree.
local c_program = require "support.c_program"

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs a shell command; returns its stdout+stderr and its exit code.
local function run(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

local function have(cmd) return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true end

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p " .. quote(d)))
  return d
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local root = assert(io.popen("pwd")):read("l")
local prelude = 'package.cpath = "./?.so;" .. package.cpath'

-- lua5.4 -e PRELUDE SCRIPT, from the repository root, on 2 threads.
local function lua_module(script_text, pre)
  local path = os.tmpname()
  write(path, script_text)
  local out, code = run("EMBER_NUM_THREADS=2 lua5.4 -e " .. quote(pre or prelude) .. " " .. quote(path))
  os.remove(path)
  return out, code
end

local function host(script_text)
  local path = os.tmpname()
  write(path, script_text)
  local out, code = run("EMBER_NUM_THREADS=2 ./ember " .. quote(path))
  os.remove(path)
  return out, code
end

-- A tiny model: a Dense net on 2 threads (the GEMMs split over OpenBLAS's
-- threads) and an LSTM (the batch's blocks over the engine's pool); prints
-- the losses and every weight in hex.
local training = [[
local ember = require "ember"
ember.set_num_threads(2)
ember.seed(5)
local L = ember.layers
local x = ember.randn{256, 64}
local y = ember.randint(0, 1, {256})
local m = ember.Sequential{L.Dense(256, {activation = "relu", input_dim = 64}), L.Dropout(0.3),
                           L.Dense(1, {activation = "sigmoid"})}
m:compile{optimizer = "adam", loss = "binary_crossentropy", metrics = {"acc"}}
local h = m:fit(x, y, {epochs = 4, batch_size = 32, verbose = 0})
local r = ember.Sequential{L.LSTM(16, {input_shape = {5, 3}}), L.Dense(1)}
r:compile{optimizer = "rmsprop", loss = "mse"}
r:fit(ember.randn{64, 5, 3}, ember.randn{64}, {epochs = 2, batch_size = 64, verbose = 0})
io.write(("pool_threads %d\n"):format(ember.debug.pool_threads()))
for i, l in ipairs(h.history.loss) do io.write(("loss %d %a\n"):format(i, l)) end
for _, model in ipairs{m, r} do
  for _, w in ipairs(model:get_weights()) do
    for _, v in ipairs(w:reshape{w:numel()}:totable()) do io.write(("%a "):format(v)) end
  end
end
io.write("\nend\n")
]]

describe("ember.so from plain lua5.4", function()
  local lua_ok = have("lua5.4")

  before_each(function()
    if not lua_ok then pending("no lua5.4 on this machine (vendor/packages.txt lists it)") end
  end)

  it("is built by make beside ./ember", function()
    if not lua_ok then return end
    assert.is_truthy(io.open("ember.so"), "no ./ember.so: run make (it builds ./ember and ember.so)")
  end)

  it("trains a tiny model on 2 threads, bit for bit as the host, and exits with status 0", function()
    if not lua_ok then return end
    local out, code = lua_module(training)
    assert.equal(0, code, out)
    assert.truthy(out:find("\nend\n$"), out)
    assert.truthy(out:find("pool_threads 2\n", 1, true), out)
    local first = tonumber(out:match("loss 1 (%S+)"))
    local last = tonumber(out:match("loss 4 (%S+)"))
    assert.is_true(last < first, out)  -- it learned something
    local weights = out:match("loss 4 %S+\n(.*)\nend")
    assert.is_true(#weights > 10000, out)
    local host_out, host_code = host(training)
    assert.equal(0, host_code, host_out)
    assert.equal(host_out, out)
  end)

  it("raises the library's errors as ordinary Lua errors, naming the function and argument", function()
    if not lua_ok then return end
    local out, code = lua_module([[
local ember = require "ember"
print(pcall(ember.zeros, "x"))
local m = ember.Sequential{ember.layers.Dense(1, {input_dim = 3})}
m:compile{optimizer = "sgd", loss = "mse"}
print(pcall(m.fit, m, ember.randn{4, 5}, ember.randn{4}, {verbose = 0}))
ember.load("/nonexistent/weights.npz")
]])
    assert.equal(1, code, out)
    assert.truthy(out:find("false\tzeros: argument 'shape' expected a shape table", 1, true), out)
    assert.truthy(out:find("false\tfit: argument 'x': ", 1, true), out)
    -- uncaught: the interpreter's own report and status 1
    assert.truthy(out:find("lua5.4: [^\n]*load: [^\n]*/nonexistent/weights.npz"), out)
  end)

  it("loads once per state, sets no global, and loads again after package.loaded is cleared", function()
    if not lua_ok then return end
    local out, code = lua_module([[
local a = require "ember"
assert(require "ember" == a, "a second require returned another table")
assert(rawget(_G, "ember") == nil, "the module set a global")
assert(type(package.preload["ember.core"]) == "function", "no preload for ember.core")
for name in pairs(package.loaded) do
  if name == "ember" or name:sub(1, 6) == "ember." then package.loaded[name] = nil end
end
local b = require "ember"
assert(b ~= a and type(b.Sequential) == "function", "the second load is not a library")
-- both copies train
for _, e in ipairs{a, b} do
  e.seed(1)
  local m = e.Sequential{e.layers.Dense(4, {input_dim = 3}), e.layers.Dense(1)}
  m:compile{optimizer = "sgd", loss = "mse"}
  local h = m:fit(e.randn{32, 3}, e.randn{32}, {epochs = 2, batch_size = 8, verbose = 0})
  io.write(("%a\n"):format(h.history.loss[2]))
end
]])
    assert.equal(0, code, out)
    local l1, l2 = out:match("^(%S+)\n(%S+)\n$")
    assert.is_truthy(l1, out)
    assert.equal(l1, l2)
  end)

  it("lets the interpreter's Ctrl-C stop fit after the batch in progress, as the host's does", function()
    if not lua_ok then return end
    if not have("timeout") then return pending("no timeout (coreutils)") end
    local path = os.tmpname()
    write(path, [[
local ember = require "ember"
local L = ember.layers
local m = ember.Sequential{L.Dense(64, {input_dim = 32}), L.Dense(1)}
m:compile{optimizer = "sgd", loss = "mse"}
local h = m:fit(ember.randn{4096, 32}, ember.randn{4096}, {epochs = 1000000, verbose = 0})
print("epochs done", #h.history.loss)
]])
    -- SIGINT after 3 s (lua5.4 catches it only once the script runs: a
    -- loaded machine may take over a second to start); --foreground: the
    -- signal goes to lua5.4 once (without it timeout also signals its whole
    -- process group, and lua.c's handler lets a second SIGINT kill, 130,
    -- whenever the two do not merge); --preserve-status: lua5.4's own
    -- status, not timeout's 124
    local out, code = run("timeout --foreground --preserve-status -s INT 3 lua5.4 -e " .. quote(prelude) .. " " .. quote(path))
    os.remove(path)
    assert.equal(0, code, out)
    assert.truthy(out:find("fit: interrupted during epoch %d+"), out)
    assert.truthy(out:find("epochs done\t%d+\n$"), out)
  end)

  it("links no Lua library, no readline, and exports only luaopen_ember", function()
    if not lua_ok then return end
    if not have("nm") or not have("ldd") then return pending("no nm or ldd") end
    local deps = run("ldd ./ember.so")
    assert.falsy(deps:find("liblua"), deps)
    assert.falsy(deps:find("libreadline"), deps)
    assert.truthy(deps:find("libopenblas"), deps)
    local exported = run("nm -D --defined-only ./ember.so")
    local names = {}
    for name in exported:gmatch("%x+ %a (%S+)") do names[#names + 1] = name end
    assert.same({ "luaopen_ember" }, names)
  end)

  it("stays mapped after lua_close, so a second state loads it again and its threads keep their code", function()
    local prog, why = c_program.build("module_states_test",
      "specs/c/module_states_test.c $(pkg-config --cflags --libs lua5.4)")
    if not prog then return pending(why) end
    local ok, code, out = prog:run(quote(root))
    prog:remove()
    assert.is_true(ok, "exit " .. tostring(code) .. ":\n" .. out)
    local loss1 = out:match("state 1: ok loss (%S+) threads")
    local loss2 = out:match("state 2: ok loss (%S+) threads")
    assert.is_truthy(loss1, out)
    assert.equal(loss1, loss2)
    assert.truthy(out:find("unreached 0\n", 1, true), out)
    local _, mapped = out:gsub("mapped after close: yes", "")
    assert.equal(2, mapped, out)
  end)
end)

describe("make install", function()
  it("installs the host, the module and a man page under PREFIX, and make uninstall removes them", function()
    if not have("make") then return pending("no make") end
    local prefix = tmpdir()
    -- -o: treat the built files as up to date (the spec never relinks the
    -- binary it runs under).
    local out, code = run("make --no-print-directory -o ember -o ember.so install PREFIX=" .. quote(prefix))
    assert.equal(0, code, out)
    local version = run(quote(prefix .. "/bin/ember") .. " -v")
    assert.truthy(version:find("^ember %d+%.%d+%.%d+ %(Lua 5%.4"), version)
    if have("lua5.4") then
      local loaded, lcode = run("cd / && lua5.4 -e " .. quote('package.cpath = "' .. prefix
        .. '/lib/lua/5.4/?.so;" .. package.cpath; print(require("ember").version)'))
      assert.equal(0, lcode, loaded)
      assert.equal(version:match("^ember (%S+)"), loaded:match("^(%S+)\n$"))
    end
    local man = prefix .. "/share/man/man1/ember.1"
    assert.is_truthy(io.open(man), "no " .. man)
    if have("groff") then
      -- -ww: every warning; -z: no output.  A warning is a failure.
      local warnings, gcode = run("groff -man -Tutf8 -ww -z " .. quote(man))
      assert.equal(0, gcode, warnings)
      assert.equal("", warnings)
      local text = run("groff -man -Tutf8 -P-cbou " .. quote(man))
      for _, word in ipairs{ "EMBER_NUM_THREADS", "EMBER_DATA", "-e code", "--version", "ember.so" } do
        assert.truthy(text:find(word, 1, true), word .. " not in the man page")
      end
    end
    out, code = run("make --no-print-directory -o ember -o ember.so uninstall PREFIX=" .. quote(prefix))
    assert.equal(0, code, out)
    local left = run("find " .. quote(prefix) .. " -type f")
    assert.equal("", left)
    os.execute("rm -rf " .. quote(prefix))
  end)
end)

describe("luarocks make", function()
  -- Builds the whole library once more (-O3, one job): about 15 s here.
  it("in a copy of the working tree builds ember.so and installs it into a rocks tree", function()
    for _, cmd in ipairs{ "luarocks", "git", "lua5.4" } do
      if not have(cmd) then return pending("no " .. cmd) end
    end
    local files, gcode = run("git ls-files --cached --others --exclude-standard")
    if gcode ~= 0 then return pending("not a git checkout: " .. files) end
    local dir = tmpdir()
    local src, tree = dir .. "/src", dir .. "/tree"
    -- the tracked and untracked (not ignored) files that exist: a fresh clone with this tree's edits
    local out, code = run("mkdir -p " .. quote(src) .. " && git ls-files -z --cached --others --exclude-standard"
      .. " | xargs -0 sh -c 'for f; do [ -f \"$f\" ] && printf \"%s\\0\" \"$f\"; done' sh"
      .. " | tar --null -T - -cf - | tar -xf - -C " .. quote(src))
    assert.equal(0, code, out)
    assert.is_falsy(io.open(src .. "/ember.so"), "the copy holds a built ember.so")
    out, code = run("cd " .. quote(src) .. " && luarocks --lua-version 5.4 make --tree " .. quote(tree)
      .. " ember-scm-1.rockspec")
    assert.equal(0, code, out)
    local installed = tree .. "/lib/lua/5.4/ember.so"
    assert.is_truthy(io.open(installed), "no " .. installed .. "\n" .. out)
    local trained, tcode = lua_module(training, 'package.cpath = "' .. tree .. '/lib/lua/5.4/?.so;" .. package.cpath')
    assert.equal(0, tcode, trained)
    local here = lua_module(training)
    assert.equal(here, trained)
    os.execute("rm -rf " .. quote(dir))
  end)
end)
