-- The shape of the house (shared/docs/DESIGN.md): dependencies flow one way,
-- scripts/specs -> bindings -> engine -> system libraries, and inside the
-- engine core <- ops <- layers <- train.  Read from the #include "..." lines
-- of every engine/ and bindings/ C file: no file includes itself back
-- through others (no circle, also counting X.c and X.h as one module), no
-- engine file includes a bindings file or a Lua header, and engine/core and
-- engine/ops include nothing from engine/layers or engine/train.
local function list_files()
  local p = assert(io.popen("find engine bindings -name '*.c' -o -name '*.h' | sort"))
  local files = {}
  for f in p:lines() do
    if not f:find("^bindings/lua/") then files[#files + 1] = f end
  end
  p:close()
  return files
end

local function normalize(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then table.remove(parts) elseif part ~= "." then parts[#parts + 1] = part end
  end
  return table.concat(parts, "/")
end

local function read_graph()
  local graph, lua_headers = {}, {}
  for _, f in ipairs(list_files()) do
    local fh = assert(io.open(f))
    local src = fh:read("a")
    fh:close()
    local dir = f:match("^(.*)/") or "."
    local targets = {}
    for line in src:gmatch("[^\n]+") do
      local inc = line:match('^%s*#%s*include%s+"([^"]+)"')
      if inc then targets[#targets + 1] = normalize(dir .. "/" .. inc) end
      local sys = line:match("^%s*#%s*include%s+<([^>]+)>")
      if sys and (sys == "lua.h" or sys == "lauxlib.h" or sys == "lualib.h") then lua_headers[#lua_headers + 1] = f end
    end
    graph[f] = targets
  end
  return graph, lua_headers
end

-- A circle in graph, as a list of nodes, or nil.
local function find_cycle(graph)
  local color, stack = {}, {}
  local function visit(u)
    color[u] = 1
    stack[#stack + 1] = u
    for _, v in ipairs(graph[u] or {}) do
      if color[v] == 1 then
        local cycle, on = {}, false
        for _, w in ipairs(stack) do
          if w == v then on = true end
          if on then cycle[#cycle + 1] = w end
        end
        cycle[#cycle + 1] = v
        return cycle
      elseif not color[v] then
        local c = visit(v)
        if c then return c end
      end
    end
    table.remove(stack)
    color[u] = 2
  end
  local nodes = {}
  for u in pairs(graph) do nodes[#nodes + 1] = u end
  table.sort(nodes)
  for _, u in ipairs(nodes) do
    if not color[u] then
      local c = visit(u)
      if c then return c end
    end
  end
end

local function modules_of(graph)
  local m = {}
  local function mod(p) return (p:gsub("%.[ch]$", "")) end
  for f, ts in pairs(graph) do
    local from = mod(f)
    m[from] = m[from] or {}
    for _, t in ipairs(ts) do
      if mod(t) ~= from then table.insert(m[from], mod(t)) end
    end
  end
  return m
end

describe("include graph", function()
  local graph, lua_headers = read_graph()

  it("reads every engine and bindings file", function()
    local n = 0
    for _ in pairs(graph) do n = n + 1 end
    assert.is_true(n > 100)
    assert.is_truthy(graph["engine/train/model.c"])
  end)

  it("has no circle, file by file or module by module", function()
    local c = find_cycle(graph)
    assert.is_nil(c, c and table.concat(c, " -> "))
    local m = find_cycle(modules_of(graph))
    assert.is_nil(m, m and table.concat(m, " -> "))
  end)

  it("runs one way: the engine includes no bindings and no Lua, core and ops include no layers or train", function()
    for f, ts in pairs(graph) do
      for _, t in ipairs(ts) do
        if f:find("^engine/") then assert.is_nil(t:find("^bindings/"), f .. " includes " .. t) end
        if f:find("^engine/core/") or f:find("^engine/ops/") then
          assert.is_nil(t:find("^engine/layers/") or t:find("^engine/train/"), f .. " includes " .. t)
        end
      end
    end
    for _, f in ipairs(lua_headers) do assert.is_nil(f:find("^engine/"), f .. " includes a Lua header") end
  end)

  it("would see a circle (the check can fail)", function()
    assert.is_truthy(find_cycle { a = { "b" }, b = { "c" }, c = { "a" } })
    assert.is_nil(find_cycle { a = { "b" }, b = { "c" }, c = {} })
  end)
end)
