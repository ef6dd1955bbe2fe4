-- ember.datasets.glove: pre-trained GloVe word vectors.
--   local index = glove.load()                 -- or glove.load("path/glove.6B.100d.txt")
--   index:get("movie") --> float32 tensor {100} (nil for an unknown word)
--   #index, index.dim, index.words, index.vectors ({n, dim})
--   local m = glove.embedding_matrix(index, tok.word_index, 10000)   -- listing 6-11
-- A path may go inside a zip (glove.6B.zip/glove.6B.100d.txt).  Given a bare
-- file name that does not exist as given, load() searches the data folders:
-- NAME, glove.6B/NAME, glove.6B.zip/NAME, then the 2,604-word prefix
-- glove.6B.100d-top2604.zip/NAME.
local core = require "ember.core"
local fs = require "ember.fs"
local paths = require "ember.datasets.paths"
local at = require("ember.calls").at

local glove = {}
local URL = "https://nlp.stanford.edu/data/glove.6B.zip"
-- Downloaded into the cache when no data folder has the vectors.  No
-- publisher or well-kept loader publishes a SHA-256 or size for glove.6B.zip
-- (Stanford's page gives none; Keras's examples call get_file without a
-- hash), so none is pinned: the zip's own integrity is checked instead (its
-- central directory must open and hold the member; libzip checks each
-- member's CRC-32 when it is read).
local function remote_for(name)
  return { file = "glove.6B.zip", url = URL,
           check = function(path) return fs.exists(path .. "/" .. name) end }
end

local Index = {}
glove._Index = Index  -- for help() and the API reference (ember.api_walk)
Index.__index = Index
Index.__len = function(self) return #self.words end

--- @api GloveIndex
--- A loaded GloVe file: fields words, vectors, dim, path; `#index` words.

--- @api GloveIndex:get(word) -> Tensor|nil
--- The vector of word, or nil.
--- @arg word: a string

function Index:get(word)
  local row = self._row[word]
  if row == nil then return nil end
  return self.vectors[row]
end

--- @api GloveIndex:embedding_matrix(word_index, max_words) -> Tensor
--- The (max_words, dim) embedding matrix of a tokenizer's word index (zero rows for unknown words).
--- @arg word_index: tokenizer.word_index
--- @arg max_words: rows of the matrix

function Index:embedding_matrix(word_index, max_words)
  return glove.embedding_matrix(self, word_index, max_words)
end

local function resolve(fn, path)
  if path ~= nil and type(path) ~= "string" then
    error(("%s: argument 'path' expected a string, got %s"):format(fn, type(path)), 3)
  end
  path = path or "glove.6B.100d.txt"
  if fs.exists(path) then return path end
  if path:find("/", 1, true) then error(("%s: no file '%s'"):format(fn, path), 3) end
  return (paths.find(fn, path, { path, "glove.6B/" .. path, "glove.6B.zip/" .. path,
    "glove.6B.100d-top2604.zip/" .. path }, URL, 3, path:match("^glove%.6B%.%d+d%.txt$") and remote_for(path) or nil))
end

--- @api ember.datasets.glove.load([path]) -> GloveIndex
--- Loads GloVe vectors (a .txt file or a member of glove.6B.zip).
--- @arg path = "glove.6B.100d.txt": file name, searched in the data folders

function glove.load(path)
  local file = resolve("glove.load", path)
  local words, vectors = at(2, core.data.glove_parse, file)
  local row = {}
  for i, w in ipairs(words) do row[w] = i end  -- a repeated word: the last line wins, as with a dict
  return setmetatable({ words = words, vectors = vectors, dim = vectors:size(2), path = file, _row = row }, Index)
end

-- {max_words, dim} float32: row i + 1 holds the vector of the word whose
-- index is i (i < max_words); rows of words without a vector stay zero.
--- @api ember.datasets.glove.embedding_matrix(index, word_index, max_words) -> Tensor
--- As index:embedding_matrix(word_index, max_words).
--- @arg index: a GloveIndex
--- @arg word_index: tokenizer.word_index
--- @arg max_words: rows of the matrix

function glove.embedding_matrix(index, word_index, max_words)
  local fn = "glove.embedding_matrix"
  if getmetatable(index) ~= Index then error(fn .. ": argument 'index' expected a glove index (glove.load)", 2) end
  if type(word_index) ~= "table" then error(fn .. ": argument 'word_index' expected a table word -> index, got " .. type(word_index), 2) end
  if math.type(max_words) ~= "integer" or max_words < 1 then
    error(fn .. ": argument 'max_words' expected a positive integer, got " .. tostring(max_words), 2)
  end
  local rows = core.full({ max_words }, -1, { dtype = "int32" })
  for word, i in pairs(word_index) do
    if math.type(i) == "integer" and i >= 0 and i < max_words then
      local r = index._row[word]
      if r then rows:set(i + 1, r - 1) end
    end
  end
  return core.data.glove_gather(index.vectors, rows)
end

return glove
