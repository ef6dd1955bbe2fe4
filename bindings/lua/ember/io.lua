-- ember.io: reading tables.  (ember.save / ember.load for .npy/.npz live in
-- the core table, from bindings/lua_io.c.)
--   local header, data, text, columns = ember.io.read_csv("x.csv.zip/x.csv", {skip_columns = 1})
-- header: every column's name (quotes removed); data: {rows, numeric
-- columns read} float32 (or int32 with dtype = "int32"); text: name ->
-- list of strings for each column holding a field that is not a number;
-- columns: the names of data's columns.  An all-numeric file reads as
-- before (header, data).  The path may go inside a zip.
local core = require "ember.core"
local at = require("ember.calls").at

local io_ = {}

local KEYS = { header = true, skip_columns = true, dtype = true, delimiter = true, text = true, na = true, usecols = true }

function io_.read_csv(path, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(("read_csv: argument 'options' expected a table, got %s"):format(type(opts)), 2)
  end
  for k in pairs(opts or {}) do
    if not KEYS[k] then error(require("ember.calls").unknown_option("read_csv", k, KEYS), 2) end
  end
  if type(path) ~= "string" then
    error(("read_csv: argument 'path' expected a string, got %s"):format(type(path)), 2)
  end
  return at(2, core.data.read_csv, path, opts)
end

return io_
