-- ember.datasets.jena_climate: the Jena weather record (listing 6-28).
--   local header, float_data = jena_climate.load()   -- 15 names, {420551, 14}
--   local train_end, val_end = jena_climate.splits(float_data)  -- 200000, 300000
-- header is every column name of the file ("Date Time" first, as the book's
-- lines[0].split(',')) and float_data every column but the date.  Looks for
-- the real file (jena_climate_2009_2016.csv, jena_climate/..., or its zip),
-- then for the synthetic stand-in, saying so once on stderr.
local fs = require "ember.fs"
local paths = require "ember.datasets.paths"
local io_ = require "ember.io"
local at = require("ember.calls").at

local jena = {}
local URL = "https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip"
local NAME = "jena_climate_2009_2016.csv"
local SURROGATE = "jena_climate_2009_2016-surrogate.csv.zip/" .. NAME
-- Downloaded into the cache when no data folder has the record (nor the
-- stand-in).  No SHA-256 or size is published for this zip (Keras's
-- timeseries examples fetch it with get_file and no file_hash), so none is
-- pinned: the zip must open and hold the CSV (libzip checks its CRC-32 when
-- the loader reads it).
local REMOTE = { file = NAME .. ".zip", url = URL,
                 check = function(path) return fs.exists(path .. "/" .. NAME) end }

-- jena.find() -> the path of the real file, else of the stand-in (noted on
-- stderr once); an error naming every place looked when there is neither.
--- @api ember.datasets.jena_climate.find() -> string
--- Where the Jena climate CSV is; an error naming where to put it when missing.

function jena.find(fn)
  local path = paths.find(fn or "jena_climate.find", NAME,
    { NAME, "jena_climate/" .. NAME, NAME .. ".zip/" .. NAME, SURROGATE }, URL, 2, REMOTE)
  if path:find("surrogate", 1, true) then
    paths.note_once("note: using the synthetic stand-in for the Jena climate record (" .. path
      .. "); figures computed on it are not the real record's")
  end
  return path
end

--- @api ember.datasets.jena_climate.load([opts]) -> table, Tensor
--- The Jena climate header and data (420551 x 14 float32).
--- @opt path: the CSV (default: searched)

function jena.load(opts)
  local fn = "jena_climate.load"
  if type(opts) == "string" then opts = { path = opts } end
  if opts ~= nil and type(opts) ~= "table" then error(fn .. ": argument 'options' expected a table, got " .. type(opts), 2) end
  local path = opts and (opts.path or opts[1])
  if path ~= nil then
    if type(path) ~= "string" then error(fn .. ": option 'path' expected a string, got " .. type(path), 2) end
    if not fs.exists(path) then error(("%s: no file '%s'"):format(fn, path), 2) end
  else
    path = jena.find(fn)
  end
  -- strict: the file is all numbers, so a bad or empty field is an error
  -- naming it rather than a text column or a NaN
  return at(2, io_.read_csv, path, { header = true, skip_columns = 1, text = false, na = "error" })
end

-- jena.splits(float_data or n) -> train_end, val_end: the book's split
-- rows (train 1..200000, validation ..300000, test the rest), or the same
-- proportions of a shorter file (e.g. a test fixture).
local BOOK_ROWS = 420551
--- @api ember.datasets.jena_climate.splits(data) -> table
--- The book's train/validation/test row ranges for data.
--- @arg data: the loaded tensor

function jena.splits(data)
  local n = type(data) == "number" and data or data:size(1)
  if n >= BOOK_ROWS then return 200000, 300000 end
  return n * 200000 // BOOK_ROWS, n * 300000 // BOOK_ROWS
end

return jena
