-- The API reference (docs/api/, generated from the doc comments by
-- scripts/tools/gen_api.lua) covers everything public, is up to date, and the
-- stable names of ../shared/docs/API.md still exist; help() prints entries.
package.path = "scripts/tools/?.lua;" .. package.path
local ember = require "ember"
local api_ref = require "api_ref"
local walk = require "ember.api_walk"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

describe("API reference", function()
  local entries, privates, problems = api_ref.parse(".")

  it("has well-formed doc blocks", function()
    assert.same({}, problems)
  end)

  it("has an entry for every public function, method and declared option", function()
    local missing, stale = api_ref.coverage(entries, privates)
    assert.same({}, missing)
    assert.same({}, stale)
  end)

  it("reports a public function whose entry is removed, and an entry naming nothing", function()
    local copy = {}
    for k, v in pairs(entries) do copy[k] = v end
    copy["Tensor:narrow"] = nil
    copy["ember.layers.LSTM"] = nil
    copy["ember.no_such_function"] = { name = "ember.no_such_function", where = "x:1", args = {}, opts = {},
                                       option_rows = {}, aliases = {} }
    local missing, stale = api_ref.coverage(copy, privates)
    assert.same({ "Tensor:narrow", "ember.layers.LSTM" }, missing)
    assert.same({ "ember.no_such_function (x:1)" }, stale)
  end)

  it("reports a declared option without a purpose, and a constructor option without an entry", function()
    local lstm = entries["ember.layers.LSTM"]
    local saved_rows, saved_common = lstm.option_rows, entries["ember.layers"].opts
    local rows = {}
    for i, r in ipairs(saved_rows) do rows[i] = setmetatable({ doc = r.name == "dropout" and "" or r.doc }, { __index = r }) end
    lstm.option_rows = rows
    entries["ember.layers"].opts = {}
    local ok, missing = pcall(api_ref.coverage, entries, privates)
    lstm.option_rows, entries["ember.layers"].opts = saved_rows, saved_common
    assert.is_true(ok, tostring(missing))
    local set = {}
    for _, m in ipairs(missing) do set[m] = true end
    assert.is_true(set["ember.layers.LSTM option 'dropout'"])
    assert.is_true(set["ember.layers.LSTM option 'input_shape'"])
  end)

  it("treats @private names and ember.core as internal", function()
    assert.is_true(api_ref.is_private("ember.core.zeros", privates))
    assert.is_true(api_ref.is_private("ember.train.rows", privates))
    assert.is_false(api_ref.is_private("ember.zeros", privates))
  end)

  it("docs/api and the help() index are what the generator writes now", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local ok = os.execute("./ember scripts/tools/gen_api.lua --out " .. dir)
    assert.is_true(ok == true or ok == 0)
    for name, path in pairs(api_ref.outputs) do
      local fresh, committed = read(dir .. "/" .. name), read(path)
      os.remove(dir .. "/" .. name)
      assert.is_truthy(fresh, name)
      assert.is_true(fresh == committed, path .. " is stale: run `make docs`")
    end
    os.remove(dir)
  end)

  it("the staleness comparison sees a changed purpose", function()
    local e = entries["ember.zeros"]
    local before = api_ref.render(entries, select(3, api_ref.coverage(entries, privates)), privates)["README.md"]
    local saved = e.summary
    e.summary = "changed"
    local after = api_ref.render(entries, select(3, api_ref.coverage(entries, privates)), privates)["README.md"]
    e.summary = saved
    assert.are_not.equal(before, after)
    assert.are.equal(before, read("docs/api/README.md"))
  end)
end)

describe("the stable names of shared/docs/API.md", function()
  local names, options = {}, {}
  for line in io.lines("specs/fixtures/api_md_names.txt") do
    if not line:match("^#") and line ~= "" then
      local fn, key = line:match("^option (%S+) (%S+)$")
      if fn then options[#options + 1] = { fn, key } else names[#names + 1] = line end
    end
  end
  local items, aliases = walk.items()
  local exists = {}
  for _, item in ipairs(items) do exists[item.name] = item end
  for alias, target in pairs(aliases) do exists[alias] = exists[alias] or exists[target] or true end

  it("all still exist", function()
    assert.is_true(#names > 100)
    local gone = {}
    for _, n in ipairs(names) do
      if not exists[n] then gone[#gone + 1] = n end
    end
    assert.same({}, gone)
  end)

  it("all their listed options are still accepted", function()
    local refused = {}
    for _, o in ipairs(options) do
      local f = exists[o[1]] and exists[o[1]].value
      local probe = o[1] == "ember.layers.Bidirectional" and { ember.layers.LSTM(1) } or {}
      local accepted = f and walk.accepted_options(f, table.unpack(probe)) or {}
      local set = {}
      for _, a in ipairs(accepted) do set[a] = true end
      if not set[o[2]] then refused[#refused + 1] = o[1] .. " " .. o[2] end
    end
    assert.same({}, refused)
  end)

  it("a name that does not exist is caught", function()
    assert.is_nil(exists["ember.no_such_name"])
    assert.is_nil(exists["Tensor:no_such_method"])
  end)

  -- ../shared as CI lays it out, or $EMBER_SHARED (as the Makefile's datasets).
  local shared = os.getenv("EMBER_SHARED")
  local api_md = read("../shared/docs/API.md") or (shared and read(shared .. "/docs/API.md"))
  local check = api_md and it or pending
  check("the fixture lists every ember.x name API.md mentions (when ../shared is there)", function()
    local listed = {}
    for _, n in ipairs(names) do listed[n] = true end
    local unlisted = {}
    for n in api_md:gmatch("ember%.[%a_][%w_.]*") do
      n = n:gsub("%.$", "")
      if not listed[n] then unlisted[#unlisted + 1] = n end
    end
    assert.same({}, unlisted)
  end)
end)

describe("help", function()
  local function captured(f, ...)
    local lines = {}
    local saved = _G.print
    _G.print = function(...) lines[#lines + 1] = table.concat({ ... }, "\t") end
    local ok, err = pcall(f, ...)
    _G.print = saved
    assert(ok, err)
    return table.concat(lines, "\n")
  end

  it("prints a layer constructor's entry with its declared options", function()
    local out = captured(ember.help, ember.layers.LSTM)
    assert.matches("^ember%.layers%.LSTM%(units", out)
    assert.matches("recurrent_activation = \"sigmoid\"", out, 1, true)
    assert.matches("unit_forget_bias", out, 1, true)
  end)

  it("is the same by name, by short name, and for a layer object", function()
    local text = ember.help_text(ember.layers.LSTM)
    assert.equal(text, ember.help_text("ember.layers.LSTM"))
    assert.equal(text, ember.help_text("LSTM"))
    assert.equal(text, ember.help_text(ember.layers.LSTM(2)))
  end)

  it("finds methods by name and by value, aliases, modules and objects", function()
    assert.matches("^Tensor:narrow%(dim, start, len%)", ember.help_text("Tensor:narrow"))
    assert.matches("^Sequential:fit%(", ember.help_text(ember.Sequential().fit))
    assert.matches("^ember%.models%.Sequential%(", ember.help_text(ember.Sequential))
    assert.matches("^Tensor\n", ember.help_text(ember.zeros { 2 }))
    assert.matches("^ember%.layers\n", ember.help_text(ember.layers))
  end)

  it("is a global in the ember host", function()
    local h = io.popen("./ember -e 'help(\"ember.zeros\")'")
    local out = h:read("a")
    h:close()
    assert.matches("^ember%.zeros%(shape", out)
  end)

  it("refuses a wrong argument type, naming the function and the argument", function()
    for _, bad in ipairs({ 42, true, false }) do
      local ok, err = pcall(ember.help, bad)
      assert.is_false(ok)
      assert.matches("help: argument 'x' expected a function, a table, an object or a name string, got "
        .. type(bad), err, 1, true)
    end
    local ok, err = pcall(ember.help_text, nil)
    assert.is_false(ok)
    assert.matches("help_text: argument 'x' expected", err, 1, true)
    ok, err = pcall(ember.help, "ember.zeros", "extra")
    assert.is_false(ok)
    assert.matches("help: expected one argument", err, 1, true)
  end)

  it("names the nearest entries for an unknown name", function()
    local ok, err = pcall(ember.help, "ember.layers.LTSM")
    assert.is_false(ok)
    assert.matches("help: no entry for 'ember.layers.LTSM' (nearest: ember.layers.LSTM", err, 1, true)
    ok, err = pcall(ember.help, "Tensor:narow")
    assert.is_false(ok)
    assert.matches("nearest: Tensor:narrow", err, 1, true)
  end)

  it("says when a value is not public", function()
    local ok, err = pcall(ember.help, function() end)
    assert.is_false(ok)
    assert.matches("help: no entry for this function", err, 1, true)
    ok, err = pcall(ember.help, {})
    assert.is_false(ok)
    assert.matches("help: no entry for this table", err, 1, true)
  end)
end)
