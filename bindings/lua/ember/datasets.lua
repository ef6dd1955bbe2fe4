-- ember.datasets: the chapter's data, found in datasets/ (or $EMBER_DATA):
--   ember.datasets.imdb.load_raw{subset = "train"} / imdb.load_data{num_words = 10000}
--   ember.datasets.glove.load() / glove.embedding_matrix(index, word_index, max_words)
--   ember.datasets.jena_climate.load()
--   ember.datasets.set_data_dir(dir)   -- search only dir (nil: back to the default)
--   ember.datasets.parse_args(arg)     -- scripts: honour "--data DIR"
local paths = require "ember.datasets.paths"

-- Scripts call parse_args(arg): "--data DIR" makes DIR the only data folder.
-- Returns DIR (or nil).
local function parse_args(args)
  if type(args) ~= "table" then return nil end
  for i = 1, #args do
    if args[i] == "--data" then
      if type(args[i + 1]) ~= "string" then error("--data needs a folder name", 2) end
      paths.set_data_dir(args[i + 1])
      return args[i + 1]
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
