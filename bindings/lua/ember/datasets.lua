-- ember.datasets: the chapter's data, found in datasets/ (or $EMBER_DATA):
--   ember.datasets.imdb.load_raw{subset = "train"} / imdb.load_data{num_words = 10000}
--   ember.datasets.glove.load() / glove.embedding_matrix(index, word_index, max_words)
--   ember.datasets.jena_climate.load()
--   ember.datasets.set_data_dir(dir)   -- scripts' --data DIR
local paths = require "ember.datasets.paths"

return {
  imdb = require "ember.datasets.imdb",
  glove = require "ember.datasets.glove",
  jena_climate = require "ember.datasets.jena_climate",
  set_data_dir = paths.set_data_dir,
  data_dirs = paths.data_dirs,
}
