-- The API reference, built from the doc comments beside the code (format:
-- docs/api/FORMAT.md).  Used by scripts/tools/gen_api.lua (`make docs`) and
-- specs/api_reference_spec.lua; runs under ./ember (it needs the live
-- `ember` table to know what is public: ember.api_walk states the rule).
--
--   api_ref.parse(root)            -> entries (by name), privates, problems
--   api_ref.coverage(entries, privates) -> missing names, stale entries
--   api_ref.render(entries)        -> {["README.md"] = md, ["index.html"] = html,
--                                      ["api_index.lua"] = lua}
local walk = require "ember.api_walk"
local fs = require "ember.fs"

local M = {}

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- The source files holding doc blocks, sorted: bindings/*.c and the Lua half.
function M.source_files(root)
  local files = {}
  for _, f in ipairs(fs.listdir(root .. "/bindings")) do
    if f:match("^lua_.*%.c$") or f == "main.c" then files[#files + 1] = "bindings/" .. f end
  end
  local function lua_dir(rel)
    for _, f in ipairs(fs.listdir(root .. "/" .. rel)) do
      local p = rel .. "/" .. f
      if f:match("%.lua$") then
        files[#files + 1] = p
      elseif fs.isdir(root .. "/" .. p) then
        lua_dir(p)
      end
    end
  end
  lua_dir("bindings/lua/ember")
  table.sort(files)
  return files
end

-- The doc blocks of one file's text: lists of lines, each with its line number.
local function blocks_of(text, marker)
  local blocks, current = {}, nil
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local body = line:match("^%s*" .. marker .. "(.*)$")
    if body and not body:match("^%-") and not body:match("^/") then
      body = body:gsub("^ ", "")
      if not current then
        current = { line = n }
        blocks[#blocks + 1] = current
      end
      current[#current + 1] = body
    else
      current = nil
    end
  end
  return blocks
end

-- "NAME = DEFAULT: text" or "NAME: text" -> name, default, text
local function parse_param(s)
  local name, rest = s:match("^([%w_%.%[%]]+)%s*(.*)$")
  if not name then return nil end
  local default
  if rest:match("^=") then
    default, rest = rest:match("^=%s*(.-):%s(.*)$")
    if not default then return nil end
  else
    rest = rest:match("^:%s(.*)$") or rest:match("^:$") and ""
    if not rest then return nil end
  end
  return name, default and trim(default), trim(rest)
end

local function parse_block(block, where, problems)
  local first = block[1]
  if first:match("^@private") then
    local names = {}
    for _, line in ipairs(block) do
      local name = line:match("^@private%s+(%S+):%s+%S")
      if not name then problems[#problems + 1] = where .. ": @private needs 'NAME: why', got: " .. line end
      names[#names + 1] = name
    end
    return nil, names
  end
  local sig = first:match("^@api%s+(.+)$")
  if not sig then
    problems[#problems + 1] = where .. ": a doc block must start with @api or @private"
    return nil
  end
  sig = trim(sig)
  local name = sig:match("^([%w_%.:]+)")
  local e = { name = name, signature = sig, where = where, text = {}, args = {}, opts = {}, options = {},
              see = {}, aliases = {} }
  for i = 2, #block do
    local line = block[i]
    local tag, rest = line:match("^@(%a+)%s*(.*)$")
    if not tag then
      if #e.args + #e.opts + #e.options == 0 and not e.returns then
        e.text[#e.text + 1] = line
      else
        problems[#problems + 1] = ("%s: text after a tag in %s's block: %s"):format(where, name, line)
      end
    elseif tag == "arg" or tag == "opt" then
      local pname, default, text = parse_param(rest)
      if not pname then
        problems[#problems + 1] = ("%s: bad @%s in %s: expected 'NAME[ = DEFAULT]: text'"):format(where, tag, name)
      else
        table.insert(tag == "arg" and e.args or e.opts, { name = pname, default = default, text = text })
      end
    elseif tag == "options" then
      e.options[#e.options + 1] = trim(rest)
    elseif tag == "return" then
      e.returns = trim(rest)
    elseif tag == "see" then
      e.see[#e.see + 1] = trim(rest)
    elseif tag == "alias" then
      e.aliases[#e.aliases + 1] = trim(rest)
    else
      problems[#problems + 1] = ("%s: unknown tag @%s in %s's block"):format(where, tag, name)
    end
  end
  while #e.text > 0 and trim(e.text[#e.text]) == "" do e.text[#e.text] = nil end
  e.summary = e.text[1] and trim(e.text[1]) or ""
  if e.summary == "" then problems[#problems + 1] = where .. ": " .. name .. " has no one-line purpose" end
  table.remove(e.text, 1)
  return e
end

-- parse(root) -> entries (name -> entry), privates (list of names), problems
function M.parse(root)
  local entries, privates, problems = {}, {}, {}
  for _, rel in ipairs(M.source_files(root)) do
    local text = fs.read(root .. "/" .. rel)
    local marker = rel:match("%.c$") and "///" or "%-%-%-"
    for _, block in ipairs(blocks_of(text, marker)) do
      local where = rel .. ":" .. block.line
      local e, private = parse_block(block, where, problems)
      for _, p in ipairs(private or {}) do privates[#privates + 1] = p end
      if e then
        if entries[e.name] then
          problems[#problems + 1] = ("%s: %s already has an entry at %s"):format(where, e.name, entries[e.name].where)
        end
        entries[e.name] = e
        -- The options declared in C, read once here (so the reference and
        -- help() show the engine's own names, defaults, ranges and docs).
        e.option_rows = {}
        for _, target in ipairs(e.options) do
          local ok, rows = pcall(walk.option_rows, target)
          if not ok then
            problems[#problems + 1] = ("%s: @options %s: %s"):format(where, target, tostring(rows))
          else
            for _, r in ipairs(rows) do e.option_rows[#e.option_rows + 1] = r end
          end
        end
      end
    end
  end
  table.sort(privates)
  return entries, privates, problems
end

local function is_private(name, privates)
  if name:match("^ember%.core[.:]") then return true end
  for _, p in ipairs(privates) do
    if p == name then return true end
    local prefix = p:match("^(.*)%.%*$")
    if prefix and (name == prefix or name:sub(1, #prefix + 1) == prefix .. ".") then return true end
  end
  return false
end
M.is_private = is_private

-- Option names a layer/optimizer constructor accepts, for the coverage check.
local function constructor_options(item)
  local name = item.name
  if name:match("^ember%.layers%.") then
    if name == "ember.layers.Bidirectional" then
      return walk.accepted_options(item.value, require("ember").layers.LSTM(1))
    end
    return walk.accepted_options(item.value)
  elseif name:match("^ember%.optimizers%.%u") then
    return walk.accepted_options(item.value)
  end
end

-- The public names of each item: its own and its aliases' (not private).
local function names_by_item(items, aliases, privates)
  local names = {}
  for _, item in ipairs(items) do names[item.name] = { item.name } end
  local sorted = {}
  for alias in pairs(aliases) do sorted[#sorted + 1] = alias end
  table.sort(sorted)
  for _, alias in ipairs(sorted) do
    local target = aliases[alias]
    if names[target] and not is_private(alias, privates) then table.insert(names[target], alias) end
  end
  return names
end

-- coverage(entries, privates) -> missing (public names without an entry,
-- "NAME option 'x'" for an undocumented option), stale (entries naming
-- nothing public), aliases
function M.coverage(entries, privates)
  local items, aliases = walk.items()
  local by_item = names_by_item(items, aliases, privates)
  local missing, stale, known = {}, {}, {}
  for _, c in ipairs(walk.class_names()) do known[c] = true end
  for _, item in ipairs(items) do
    local names = by_item[item.name]
    local public = {}
    for _, n in ipairs(names) do
      if not is_private(n, privates) then public[#public + 1] = n end
    end
    local e
    for _, n in ipairs(public) do
      known[n] = true
      e = e or entries[n]
    end
    if #public > 0 and (item.kind == "function" or item.kind == "method") and not e then
      missing[#missing + 1] = public[1]
    end
    local accepted = e and #public > 0 and constructor_options(item)
    if accepted then
      local documented = {}
      for _, a in ipairs(e.args) do documented[a.name] = true end
      for _, o in ipairs(e.opts) do documented[o.name] = true end
      for _, r in ipairs(e.option_rows) do documented[r.name] = r.doc ~= "" end
      local common = item.name:match("^ember%.layers%.") and entries["ember.layers"]
      for _, o in ipairs(common and common.opts or {}) do documented[o.name] = true end
      for _, o in ipairs(accepted) do
        if not documented[o] then missing[#missing + 1] = ("%s option '%s'"):format(item.name, o) end
      end
    end
  end
  for name, e in pairs(entries) do
    if not known[name] then stale[#stale + 1] = name .. " (" .. e.where .. ")" end
  end
  table.sort(missing)
  table.sort(stale)
  return missing, stale, aliases
end

-- ---- rendering ----------------------------------------------------------

-- The section an entry is listed under: its module or its class.
local function section_of(name)
  local class = name:match("^(%u[%w_]*):") or name:match("^(%u[%w_]*)$")
  if class then return class end
  local module = name:match("^(.*)%.[^.]+$")
  return module or name
end

local function fmt_default(v)
  if v == nil then return nil end
  if type(v) == "string" then return ('"%s"'):format(v) end
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e15 then return ("%d"):format(v) end
  return tostring(v)
end

local function fmt_range(r)
  if r.choices then return "one of " .. table.concat(r.choices, ", ") end
  if r.lo == nil then return nil end
  local hi = r.hi >= 2147483647 and "∞" or fmt_default(r.hi)
  local close = r.type == "rate" and ")" or "]"
  return ("in [%s, %s%s"):format(fmt_default(r.lo), hi, close)
end

-- Sorted entry list, each with its public aliases (computed from the walk).
local function ordered(entries, aliases, privates)
  local list = {}
  for _, e in pairs(entries) do
    local canonical = aliases[e.name] or e.name
    local also = {}
    for _, a in ipairs(e.aliases) do also[a] = true end
    if canonical ~= e.name and canonical:match("^ember") then also[canonical] = true end
    for alias, target in pairs(aliases) do
      if target == canonical and alias ~= e.name and not is_private(alias, privates) then also[alias] = true end
    end
    local names = {}
    for a in pairs(also) do names[#names + 1] = a end
    table.sort(names)
    e.also = names
    list[#list + 1] = e
  end
  local order = function(n) return (n:match("^ember") and "0" or "1") .. section_of(n) .. "\0" .. n end
  table.sort(list, function(a, b) return order(a.name) < order(b.name) end)
  return list
end

-- The lines of an entry as help() prints them.
function M.entry_text(e)
  local out = { e.signature, "  " .. e.summary }
  for _, l in ipairs(e.text) do out[#out + 1] = "  " .. l end
  local function params(title, list)
    if #list == 0 then return end
    out[#out + 1] = title
    for _, p in ipairs(list) do
      out[#out + 1] = ("    %s%s  %s"):format(p.name, p.default and (" = " .. p.default) or "", p.text)
    end
  end
  params("Arguments:", e.args)
  params("Options:", e.opts)
  if #e.option_rows > 0 then
    out[#out + 1] = "Declared options (" .. table.concat(e.options, ", ") .. "):"
    for _, r in ipairs(e.option_rows) do
      local d = r.required and "required" or ("= " .. fmt_default(r.default))
      local range = fmt_range(r)
      out[#out + 1] = ("    %s %s (%s%s)  %s"):format(r.name, d, r.type, range and (", " .. range) or "", r.doc)
    end
  end
  if e.returns then out[#out + 1] = "Returns: " .. e.returns end
  if e.also and #e.also > 0 then out[#out + 1] = "Also: " .. table.concat(e.also, ", ") end
  if #e.see > 0 then out[#out + 1] = "See: " .. table.concat(e.see, ", ") end
  return table.concat(out, "\n")
end

local function anchor(name) return (name:gsub("[^%w_]", "-")) end

local HEADER = "Generated by scripts/tools/gen_api.lua from the doc comments in bindings/ (`make docs`); "
  .. "do not edit by hand. Format: docs/api/FORMAT.md."

local function render_md(list)
  local out = { "# Ember API reference", "", HEADER, "" }
  local sections, by_section = {}, {}
  for _, e in ipairs(list) do
    local s = section_of(e.name)
    if not by_section[s] then
      by_section[s] = {}
      sections[#sections + 1] = s
    end
    table.insert(by_section[s], e)
  end
  out[#out + 1] = "## Contents"
  out[#out + 1] = ""
  for _, s in ipairs(sections) do
    local names = {}
    for _, e in ipairs(by_section[s]) do names[#names + 1] = ("[`%s`](#%s)"):format(e.name, anchor(e.name)) end
    out[#out + 1] = ("- **%s**: %s"):format(s, table.concat(names, ", "))
  end
  for _, s in ipairs(sections) do
    out[#out + 1] = ""
    out[#out + 1] = "## " .. s
    for _, e in ipairs(by_section[s]) do
      out[#out + 1] = ""
      out[#out + 1] = ('<a id="%s"></a>'):format(anchor(e.name))
      out[#out + 1] = ""
      out[#out + 1] = "### `" .. e.signature .. "`"
      out[#out + 1] = ""
      out[#out + 1] = e.summary
      if #e.text > 0 then
        out[#out + 1] = ""
        out[#out + 1] = table.concat(e.text, "\n")
      end
      local function params(title, l)
        if #l == 0 then return end
        out[#out + 1] = ""
        out[#out + 1] = title
        out[#out + 1] = ""
        for _, p in ipairs(l) do
          out[#out + 1] = ("- `%s`%s — %s"):format(p.name, p.default and (" = `" .. p.default .. "`") or "", p.text)
        end
      end
      params("Arguments:", e.args)
      params("Options:", e.opts)
      if #e.option_rows > 0 then
        out[#out + 1] = ""
        out[#out + 1] = "Declared options (`" .. table.concat(e.options, "`, `") .. "`):"
        out[#out + 1] = ""
        out[#out + 1] = "| option | type | default | range | purpose |"
        out[#out + 1] = "|---|---|---|---|---|"
        for _, r in ipairs(e.option_rows) do
          out[#out + 1] = ("| `%s` | %s | %s | %s | %s |"):format(r.name, r.type,
            r.required and "required" or ("`" .. fmt_default(r.default) .. "`"), fmt_range(r) or "", r.doc)
        end
      end
      if e.returns then out[#out + 1] = "" out[#out + 1] = "Returns: " .. e.returns end
      if #e.also > 0 then out[#out + 1] = "" out[#out + 1] = "Also: `" .. table.concat(e.also, "`, `") .. "`" end
      if #e.see > 0 then out[#out + 1] = "" out[#out + 1] = "See: `" .. table.concat(e.see, "`, `") .. "`" end
    end
  end
  return table.concat(out, "\n") .. "\n"
end

local function esc(s) return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;")) end

-- `code` spans of a Markdown-ish line into <code>.
local function inline(s) return (esc(s):gsub("`([^`]+)`", "<code>%1</code>")) end

local function render_html(list)
  local out = { "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
    "<title>Ember API reference</title>",
    "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
      .. "code,pre{background:#f4f4f4}h3{border-top:1px solid #ccc;padding-top:.5em}"
      .. "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>",
    "</head><body>", "<h1>Ember API reference</h1>", "<p>" .. inline(HEADER) .. "</p>" }
  local sections, by_section = {}, {}
  for _, e in ipairs(list) do
    local s = section_of(e.name)
    if not by_section[s] then
      by_section[s] = {}
      sections[#sections + 1] = s
    end
    table.insert(by_section[s], e)
  end
  out[#out + 1] = "<h2>Contents</h2><ul>"
  for _, s in ipairs(sections) do
    local names = {}
    for _, e in ipairs(by_section[s]) do
      names[#names + 1] = ('<a href="#%s"><code>%s</code></a>'):format(anchor(e.name), esc(e.name))
    end
    out[#out + 1] = ("<li><b>%s</b>: %s</li>"):format(esc(s), table.concat(names, ", "))
  end
  out[#out + 1] = "</ul>"
  for _, s in ipairs(sections) do
    out[#out + 1] = "<h2>" .. esc(s) .. "</h2>"
    for _, e in ipairs(by_section[s]) do
      out[#out + 1] = ('<h3 id="%s"><code>%s</code></h3>'):format(anchor(e.name), esc(e.signature))
      out[#out + 1] = "<p>" .. inline(e.summary) .. "</p>"
      if #e.text > 0 then out[#out + 1] = "<p>" .. inline(table.concat(e.text, "\n")) .. "</p>" end
      local function params(title, l)
        if #l == 0 then return end
        out[#out + 1] = "<p>" .. title .. "</p><ul>"
        for _, p in ipairs(l) do
          out[#out + 1] = ("<li><code>%s</code>%s — %s</li>"):format(esc(p.name),
            p.default and (" = <code>" .. esc(p.default) .. "</code>") or "", inline(p.text))
        end
        out[#out + 1] = "</ul>"
      end
      params("Arguments:", e.args)
      params("Options:", e.opts)
      if #e.option_rows > 0 then
        out[#out + 1] = "<p>Declared options (<code>" .. esc(table.concat(e.options, ", ")) .. "</code>):</p>"
        out[#out + 1] = "<table><tr><th>option</th><th>type</th><th>default</th><th>range</th><th>purpose</th></tr>"
        for _, r in ipairs(e.option_rows) do
          out[#out + 1] = ("<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"):format(
            esc(r.name), esc(r.type), r.required and "required" or ("<code>" .. esc(fmt_default(r.default)) .. "</code>"),
            esc(fmt_range(r) or ""), esc(r.doc))
        end
        out[#out + 1] = "</table>"
      end
      if e.returns then out[#out + 1] = "<p>Returns: " .. inline(e.returns) .. "</p>" end
      if #e.also > 0 then out[#out + 1] = "<p>Also: <code>" .. esc(table.concat(e.also, "</code>, <code>")) .. "</code></p>" end
      if #e.see > 0 then out[#out + 1] = "<p>See: <code>" .. esc(table.concat(e.see, ", ")) .. "</code></p>" end
    end
  end
  out[#out + 1] = "</body></html>"
  return table.concat(out, "\n") .. "\n"
end

-- A Lua literal of v (strings, numbers, booleans, lists/tables), sorted keys.
local function literal(v, indent)
  local t = type(v)
  if t == "string" then return ("%q"):format(v):gsub("\\\n", "\\n") end
  if t == "number" then
    if v == math.huge then return "math.huge" end
    if math.type(v) == "integer" then return tostring(v) end
    return ("%.17g"):format(v)
  end
  if t == "boolean" or t == "nil" then return tostring(v) end
  indent = indent or ""
  local parts, keys = {}, {}
  for i = 1, #v do parts[#parts + 1] = literal(v[i], indent .. " ") end
  for k in pairs(v) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    parts[#parts + 1] = ("[%q] = %s"):format(k, literal(v[k], indent .. " "))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function render_index(list)
  local out = {
    "-- GENERATED by scripts/tools/gen_api.lua (`make docs`) from the doc comments: do not edit.",
    "-- The API reference's entries for help() (bindings/lua/ember/help.lua).  Committed rather",
    "-- than built by the Makefile: the generator runs under ./ember, so building it during the",
    "-- build would need ember twice; specs/api_reference_spec.lua fails when it is stale.",
    "return {",
  }
  for _, e in ipairs(list) do
    out[#out + 1] = ("  [%q] = { text = %s, summary = %s, also = %s },"):format(
      e.name, literal(M.entry_text(e)), literal(e.summary), literal(e.also))
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

-- render(entries, aliases, privates) -> {file name -> contents}
function M.render(entries, aliases, privates)
  local list = ordered(entries, aliases, privates)
  return { ["README.md"] = render_md(list), ["index.html"] = render_html(list), ["api_index.lua"] = render_index(list) }
end

-- Where each output lives in the repository.
M.outputs = { ["README.md"] = "docs/api/README.md", ["index.html"] = "docs/api/index.html",
              ["api_index.lua"] = "bindings/lua/ember/api_index.lua" }

return M
