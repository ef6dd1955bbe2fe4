-- ember.utils.get_file (this file: downloads) -- Keras's keras.utils.get_file,
-- for the datasets and for users.
--   local path = ember.utils.get_file("aclImdb_v1.tar.gz",
--     "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
--     { sha256 = "c40f74a1...", extract = true })
-- The file is kept in the cache folder ($EMBER_HOME/datasets, by default
-- ~/.ember/datasets).  A download goes to NAME.part beside it (a broken
-- transfer leaves it there and the next call resumes it with a Range
-- request), is checked (SHA-256 when given, HTML pages refused, size when
-- given) and only then renamed into place; a file that fails a check is
-- deleted, never kept.  A cached file that matches its checksum is never
-- downloaded again.  The C half is core.net (bindings/lua_net.c).
local core = require "ember.core"
local net = core.net


local utils = {}

local KEYS = { sha256 = true, extract = true, cache_dir = true, progress = true, size = true, timeout = true }

-- Errors are raised without a position inside this file; get_file adds the
-- caller's line (see the end).
local function fail(msg) error("get_file: " .. msg, 0) end

local function describe(v)
  if type(v) == "string" then return ("%q"):format(#v > 40 and v:sub(1, 40) .. "..." or v) end
  if type(v) == "number" then return tostring(v) end
  return type(v)
end

--- @api ember.utils.cache_dir() -> string
--- The folder get_file keeps files in by default: $EMBER_HOME/datasets, else ~/.ember/datasets.
--- @return the folder's path (it may not exist yet)
function utils.cache_dir()
  local home = os.getenv("EMBER_HOME")
  if home and home ~= "" then return home:gsub("/+$", "") .. "/datasets" end
  local user = os.getenv("HOME")
  if not user or user == "" then
    error("get_file: neither EMBER_HOME nor HOME is set: give option 'cache_dir'", 0)
  end
  return user:gsub("/+$", "") .. "/.ember/datasets"
end

local function file_size(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local n = f:seek("end")
  f:close()
  return n
end

local function check_args(name, url, opts)
  if type(name) ~= "string" then fail("argument 'name' expected a string, got " .. describe(name)) end
  if name == "" or name == "." or name == ".." or name:find("/", 1, true) or name:find("\0", 1, true) then
    fail(("argument 'name' expected a plain file name (no '/', not '.' or '..'), got %s"):format(describe(name)))
  end
  if type(url) ~= "string" then fail("argument 'url' expected a string, got " .. describe(url)) end
  if not (url:match("^https?://[^/]") or url:match("^file:///")) or url:find("[%z%s]") then
    fail(("argument 'url' expected an http://, https:// or file:/// address, got %s"):format(describe(url)))
  end
  if opts == nil then return {} end
  if type(opts) ~= "table" then fail("argument 'options' expected a table, got " .. describe(opts)) end
  for k in pairs(opts) do
    if not KEYS[k] then fail(require("ember.calls").unknown_option_text(k, KEYS)) end
  end
  local o = {}
  if opts.sha256 ~= nil then
    local h = opts.sha256
    if type(h) ~= "string" or not h:match("^%x+$") or #h ~= 64 then
      fail("option 'sha256' expected 64 hexadecimal digits (a SHA-256), got " .. describe(h))
    end
    o.sha256 = h:lower()
  end
  for _, k in ipairs { "extract", "progress" } do
    if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
      fail(("option '%s' expected a boolean, got %s"):format(k, describe(opts[k])))
    end
    o[k] = opts[k]
  end
  if opts.cache_dir ~= nil then
    if type(opts.cache_dir) ~= "string" or opts.cache_dir == "" or opts.cache_dir:find("\0", 1, true) then
      fail("option 'cache_dir' expected a folder name (a non-empty string), got " .. describe(opts.cache_dir))
    end
    o.cache_dir = opts.cache_dir:gsub("(.)/+$", "%1")
  end
  if opts.size ~= nil then
    if math.type(opts.size) ~= "integer" or opts.size < 0 then
      fail("option 'size' expected a byte count (an integer >= 0), got " .. describe(opts.size))
    end
    o.size = opts.size
  end
  if opts.timeout ~= nil then
    if math.type(opts.timeout) ~= "integer" or opts.timeout < 1 or opts.timeout > 86400 then
      fail("option 'timeout' expected whole seconds in [1, 86400], got " .. describe(opts.timeout))
    end
    o.timeout = opts.timeout
  end
  return o
end

local function by_hand(url, path)
  return ("\nTo place the file by hand: download %s (a browser, curl or wget) and save it as %s"):format(url, path)
end

-- A page a server sends instead of the file (a login wall, a "moved" page
-- answered with 200): refused unless the caller asked for an HTML file.
local function looks_like_html(name, part, content_type)
  if name:lower():match("%.html?$") then return false end
  if content_type and content_type:lower():match("^%s*text/html") then return true end
  local f = io.open(part, "rb")
  if not f then return false end
  local head = (f:read(512) or ""):lower():gsub("^%s+", "")
  f:close()
  return head:sub(1, 14) == "<!doctype html" or head:sub(1, 5) == "<html"
end

local function new_progress(url, show)
  if not show then return nil end
  local Progbar = require "ember.progbar"
  local out = function(s) io.stderr:write(s); io.stderr:flush() end
  out("Downloading data from " .. url .. "\n")
  local state = {}
  function state.update(have, total)
    if total and total > 0 then
      state.bar = state.bar or Progbar.new(total, 1, { out = out, dynamic = true })
      state.bar:update(math.min(have, total))
    elseif have > 0 then
      out(("\r%d bytes"):format(have))
      state.unsized = true
    end
  end
  function state.finish(ok)
    if state.bar then
      if ok then state.bar:finish() else state.bar:abort() end
    elseif state.unsized then
      out("\n")
    end
  end
  return state
end

-- Keeps only a verified file: checks what is in `part` and moves it to path.
local function accept(name, url, path, part, info, o)
  local function reject(msg)
    os.remove(part)
    fail(msg .. "; nothing was kept" .. by_hand(url, path))
  end
  if looks_like_html(name, part, info.content_type) then
    reject(("%s sent an HTML page (Content-Type '%s'), not the file '%s' (argument 'url': a moved file or an error page?)")
      :format(url, info.content_type, name))
  end
  if o.sha256 then
    local got = net.sha256_file(part)
    if got ~= o.sha256 then
      reject(("'%s' from %s has SHA-256 %s, expected %s (option 'sha256')"):format(name, url, got, o.sha256))
    end
  end
  if o.size and info.size ~= o.size then
    reject(("'%s' from %s has %d bytes, expected %d (option 'size')"):format(name, url, info.size, o.size))
  end
  net.commit(part, path)
end

local function download(name, url, path, o)
  local part = path .. ".part"
  local show = o.progress
  if show == nil then show = net.stderr_isatty() end
  local progress = new_progress(url, show)
  local ok, info = pcall(net.download, url, part, {
    progress = progress and progress.update, stall_timeout = o.timeout })
  if progress then progress.finish(ok) end
  if not ok then
    if file_size(part) == 0 then os.remove(part) end  -- nothing arrived: no empty leftover
    if type(info) == "string" and info:find("^get_file: ") then fail(info:sub(11) .. by_hand(url, path)) end
    error(info, 0)  -- an interrupt ("interrupted!") or another error raised by the progress bar: as it is
  end
  accept(name, url, path, part, info, o)
end

local function marker_path(dir, name) return dir .. "/." .. name .. ".extracted" end

-- The archive's top-level entries, as recorded when it was extracted (nil
-- when it was not, or when one of them has gone since).
local function extracted(dir, name)
  local f = io.open(marker_path(dir, name), "rb")
  if not f then return nil end
  local tops = {}
  for line in f:lines() do
    if line ~= "" then tops[#tops + 1] = line end
  end
  f:close()
  if #tops == 0 then return nil end
  for _, t in ipairs(tops) do
    if not core.fs.exists(dir .. "/" .. t) then return nil end
  end
  return tops
end

local function extract(dir, name, path)
  local tops = net.extract(path, dir)
  net.write_file(marker_path(dir, name), table.concat(tops, "\n") .. "\n")
end

--- @api ember.utils.get_file(name, url[, opts]) -> string, string
--- Downloads a file once into the cache, verifies it, returns its local path (Keras's get_file).
--- The download goes to NAME.part (a broken one is resumed by the next call), shows a progress
--- bar on stderr when stderr is a terminal, is checked (SHA-256, size, not an HTML page) and only
--- then renamed into the cache; a file failing a check is deleted. A cached file matching its
--- SHA-256 is not downloaded again. Offline, the error names the URL, what failed and where to
--- put the file by hand. Ctrl-C stops a download (the partial file is kept for the next call).
--- @arg name: the file's name in the cache folder (no '/')
--- @arg url: where to download it from (http://, https:// or file:///)
--- @opt sha256: expected SHA-256, 64 hex digits; a mismatch is an error and the file is not kept
--- @opt size: expected size in bytes (checked after the download)
--- @opt extract = false: also unpack the archive (.tar.gz, .zip, ...) into the cache folder, once; members leaving the folder (absolute, '..') or links are refused
--- @opt cache_dir = "$EMBER_HOME/datasets": the cache folder (default ~/.ember/datasets), created if missing
--- @opt progress: show the progress bar (default: when stderr is a terminal)
--- @opt timeout = 60: seconds without a byte received before the download fails
--- @return the file's path, and the cache folder (where an archive was extracted)
local function get_file(name, url, opts)
  local o = check_args(name, url, opts)
  local dir = o.cache_dir or utils.cache_dir()
  net.mkdirs(dir)
  local path = dir .. "/" .. name
  if o.extract and extracted(dir, name) then return path, dir end
  local have = file_size(path)
  if have and o.sha256 then
    local got = net.sha256_file(path)
    if got ~= o.sha256 then
      io.stderr:write(("get_file: the cached %s has SHA-256 %s, expected %s: downloading it again\n")
        :format(path, got, o.sha256))
      have = nil
    end
  end
  if not have then download(name, url, path, o) end
  if o.extract and not extracted(dir, name) then extract(dir, name, path) end
  return path, dir
end

local strip = require("ember.calls").strip_position
function utils.get_file(...)
  local r = table.pack(pcall(get_file, ...))
  if r[1] then return table.unpack(r, 2, r.n) end
  local msg = strip(r[2])
  -- get_file's own errors (and the C side's, which start the same way) name
  -- the caller's line; anything else (an interrupt) goes on as it is.
  if type(msg) == "string" and msg:find("^get_file: ") then error(msg, 2) end
  error(r[2], 0)
end

return utils
