-- ember.io: reading tables.  (ember.save / ember.load for .npy/.npz live in
-- the core table, from bindings/lua_io.c.)
--   local header, data = ember.io.read_csv("datasets/x.csv.zip/x.csv", {skip_columns = 1})
-- header: every column's name (quotes removed); data: {rows, columns -
-- skip_columns} float32 (or int32 with dtype = "int32").  The path may go
-- inside a zip.
local core = require "ember.core"
local at = require("ember.calls").at

local io_ = {}

local KEYS = { header = true, skip_columns = true, dtype = true, delimiter = true }

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
