-- Where the datasets are: $EMBER_DATA, then ./datasets (make datasets
-- links the shared files there), then the download cache (get_file's,
-- $EMBER_HOME/datasets or ~/.ember/datasets), where find() downloads the
-- file when a loader gives its remote description -- or only the folder
-- given to set_data_dir (scripts' --data DIR; set_data_dir(nil) undoes it:
-- "only" means no cache and no download either).  find() tries each
-- candidate name in each place, and fails with a message naming the file,
-- every place looked and the download address.
--
-- A mirror: EMBER_DATASETS_URL=BASE fetches BASE/<file name> instead of the
-- canonical address.  The file must then be the canonical one (its pinned
-- SHA-256 is checked) unless the user says otherwise explicitly:
-- EMBER_DATASETS_SHA256=FILE names a sha256sum-format file ("<hex>  <name>"
-- lines) whose entry for a file replaces its pin.  Verification is never
-- skipped silently: a file with neither pin nor entry is checked for size
-- (when known) and for the archive's own integrity.
local fs = require "ember.fs"

local paths = {}
local override = nil

--- @api ember.datasets.set_data_dir(dir)
--- Adds a data folder searched before the others.
--- @arg dir: a folder

function paths.set_data_dir(dir)
  if dir ~= nil and type(dir) ~= "string" then
    error(("set_data_dir: argument 'dir' expected a string or nil, got %s"):format(type(dir)), 2)
  end
  override = dir
end

--- @api ember.datasets.data_dirs() -> table
--- The folders searched for datasets, in order (EMBER_DATA, ./datasets, ../shared/datasets, ...).

function paths.data_dirs()
  if override then return { override } end
  local dirs = {}
  local env = os.getenv("EMBER_DATA")
  if env and env ~= "" then dirs[#dirs + 1] = env end
  dirs[#dirs + 1] = "datasets"
  return dirs
end

local function first_existing(dir, candidates, looked)
  for _, c in ipairs(candidates) do
    local name = type(c) == "table" and c[1] or c
    local p = fs.join(dir, name)
    if fs.exists(p) then return p, type(c) == "table" and c or nil end
    looked[#looked + 1] = p
  end
end

-- The entry for `name` in the sha256sum-format file EMBER_DATASETS_SHA256
-- names (nil when the variable is unset or the file has no such entry).
local function mirror_checksum(fn, name)
  local list = os.getenv("EMBER_DATASETS_SHA256")
  if not list or list == "" then return nil end
  local f, err = io.open(list, "rb")
  if not f then error(("%s: EMBER_DATASETS_SHA256: cannot read '%s': %s"):format(fn, list, err), 0) end
  local found
  local n = 0
  for line in f:lines() do
    n = n + 1
    if line:match("%S") and not line:match("^%s*#") then
      local hex, file = line:match("^(%x+)%s+%*?(.-)%s*$")
      if not hex or #hex ~= 64 or file == "" then
        f:close()
        error(("%s: EMBER_DATASETS_SHA256: line %d of '%s' is not '<64 hex digits>  <file name>'"):format(fn, n, list), 0)
      end
      if file:match("[^/]*$") == name then found = hex:lower() end
    end
  end
  f:close()
  return found, list
end

-- Downloads remote.file into the cache through get_file (mirror and
-- checksum as above); returns the cache folder.
local function fetch(fn, remote)
  local utils = require "ember.utils"
  local url, sha = remote.url, remote.sha256
  local base = os.getenv("EMBER_DATASETS_URL")
  if base and base ~= "" then url = base:gsub("/+$", "") .. "/" .. remote.file end
  local listed = mirror_checksum(fn, remote.file)
  if listed then sha = listed end
  local opts = { sha256 = sha, extract = remote.extract, size = not listed and remote.size or nil }
  local path, dir = utils.get_file(remote.file, url, opts)
  if remote.check then
    local ok, err = pcall(remote.check, path)
    if not ok or err == false then
      os.remove(path)
      error(("%s: the downloaded %s (from %s) is not a valid archive: %s; it was removed"):format(
        fn, remote.file, url, tostring(err)), 0)
    end
  end
  return dir
end

-- find(fn, what, candidates, url, level, remote) -> the first existing
-- dir/candidate.  candidates: names relative to a data dir (they may go
-- inside zips); each may be a table {name, note = "..."} whose note is
-- returned too.  remote (optional): {file =, url =, sha256 =, size =,
-- extract =, check = function(path)} -- how to download the data into the
-- cache when no local folder has it.
function paths.find(fn, what, candidates, url, level, remote)
  local looked = {}
  for _, dir in ipairs(paths.data_dirs()) do
    local p, c = first_existing(dir, candidates, looked)
    if p then return p, c end
  end
  local hint = ("Download it from %s and put it in datasets/ (make datasets), or point EMBER_DATA at its folder")
    :format(url)
  if remote and not override then
    local cache = require("ember.utils").cache_dir()
    local p, c = first_existing(cache, candidates, looked)
    if p then return p, c end
    local ok, err = pcall(fetch, fn, remote)
    if ok then
      p, c = first_existing(err, candidates, {})
      if p then return p, c end
      err = ("%s holds none of the expected names"):format(remote.file)
    end
    error(("%s: cannot find %s; looked in:\n  %s\nand could not download it: %s\nOr put it, unpacked, in "
      .. "datasets/ (make datasets) or in a folder EMBER_DATA names"):format(
      fn, what, table.concat(looked, "\n  "), require("ember.calls").strip_position(tostring(err))),
      (level or 1) + 1)
  end
  error(("%s: cannot find %s; looked in:\n  %s\n%s"):format(fn, what, table.concat(looked, "\n  "), hint),
    (level or 1) + 1)
end

-- Say something once per process on stderr (e.g. "using the surrogate file").
local said = {}
function paths.note_once(msg)
  if said[msg] then return end
  said[msg] = true
  io.stderr:write(msg, "\n")
end

return paths
