-- ember.datasets: the chapter's data, found in $EMBER_DATA or datasets/, else
-- in (or downloaded once into) the get_file cache, $EMBER_HOME/datasets
-- (see datasets/paths.lua for the order, the mirror and its checksums):
--   ember.datasets.imdb.load_raw{subset = "train"} / imdb.load_data{num_words = 10000}
--   ember.datasets.glove.load() / glove.embedding_matrix(index, word_index, max_words)
--   ember.datasets.jena_climate.load()
--   ember.datasets.set_data_dir(dir)   -- search only dir (nil: back to the default)
--   ember.datasets.parse_args(arg)     -- scripts: honour "--data DIR"
local paths = require "ember.datasets.paths"

-- Scripts call parse_args(arg): "--data DIR" makes DIR the only data folder.
-- Returns DIR (or nil).  `args` may be nil (no script arguments, e.g. the
-- REPL); anything else but a table is an error, as is "--data" without a
-- folder name after it.
--- @api ember.datasets.parse_args(arg) -> string|nil
--- For scripts: "--data DIR" among the script's arguments makes DIR the only data folder; returns DIR.
--- @arg arg: the script's arg table (or nil)

local function parse_args(args)
  if args == nil then return nil end
  if type(args) ~= "table" then
    error(("parse_args: argument 'args' expected the script's arg table or nil, got %s"):format(type(args)), 2)
  end
  for i = 1, #args do
    if args[i] == "--data" then
      local dir = args[i + 1]
      if type(dir) ~= "string" or dir == "" then
        local got = dir == nil and "nothing" or dir == "" and "an empty string" or type(dir)
        error(("parse_args: option '--data' needs a folder name (--data DIR), got %s"):format(got), 2)
      end
      paths.set_data_dir(dir)
      return dir
    end
  end
  return nil
end

return {
  imdb = require "ember.datasets.imdb",
  glove = require "ember.datasets.glove",
  jena_climate = require "ember.datasets.jena_climate",
  set_data_dir = paths.set_data_dir,
  parse_args = parse_args,
  data_dirs = paths.data_dirs,
}
