-- Where the datasets are: $EMBER_DATA, then ./datasets (make datasets
-- links the shared files there) -- or only the folder given to
-- set_data_dir (scripts' --data DIR; set_data_dir(nil) undoes it).  find() tries each candidate name in each place, and
-- fails with a message naming the file, every place looked and the download
-- address.
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

-- find(fn, what, candidates, url) -> the first existing dir/candidate.
-- candidates: names relative to a data dir (they may go inside zips);
-- each may be a table {name, note = "..."} whose note is returned too.
function paths.find(fn, what, candidates, url, level)
  local looked = {}
  for _, dir in ipairs(paths.data_dirs()) do
    for _, c in ipairs(candidates) do
      local name = type(c) == "table" and c[1] or c
      local p = fs.join(dir, name)
      if fs.exists(p) then return p, type(c) == "table" and c or nil end
      looked[#looked + 1] = p
    end
  end
  error(("%s: cannot find %s; looked in:\n  %s\nDownload it from %s and put it in datasets/ "
    .. "(make datasets), or point EMBER_DATA at its folder"):format(
    fn, what, table.concat(looked, "\n  "), url), (level or 1) + 1)
end

-- Say something once per process on stderr (e.g. "using the surrogate file").
local said = {}
function paths.note_once(msg)
  if said[msg] then return end
  said[msg] = true
  io.stderr:write(msg, "\n")
end

return paths
