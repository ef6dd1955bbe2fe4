-- ember.datasets.imdb: the Large Movie Review Dataset, read from
-- datasets/aclImdb or datasets/aclImdb.zip (in place, never extracted), else
-- downloaded once into the cache (aclImdb_v1.tar.gz, verified, unpacked
-- there as aclImdb/; see datasets/paths.lua).
--
-- find() -> the aclImdb root folder (for walking it the book's way).
--
-- load_raw{subset = "train" | "test", path = ROOT} -> texts, labels
--   texts: Lua list of review strings; labels: int32 tensor (neg 0, pos 1).
--   Order (stable, documented): every neg review, then every pos review,
--   each folder's files in bytewise name order.
--
-- load_data{num_words, skip_top, maxlen, seed = 113, start_char = 1,
--           oov_char = 2, index_from = 3, path, cache = true}
--   -> x_train, y_train, x_test, y_test (Sequences, int32 labels)
--   Keras's semantics: word ranks by frequency in the training reviews
--   (Tokenizer, default filters, lowercased), shifted by index_from, start
--   marker, words outside [skip_top, num_words) -> oov_char (test words the
--   training reviews never use are out of range too), train and test
--   shuffled with seed.  start_char = false / oov_char = false mean None.
--   Differences from keras.datasets.imdb, documented: the shuffle is not
--   numpy's stream; maxlen filters train and test separately; with no
--   num_words every known word is kept (Keras turns the largest index into
--   oov_char).  The ranked reviews are cached beside the data as
--   aclImdb_ranks.npz (ember.save / ember.load), so a second call is fast.
local core = require "ember.core"
local fs = require "ember.fs"
local paths = require "ember.datasets.paths"
local P = require "ember.preprocessing"
local at = require("ember.calls").at

local imdb = {}
local URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
-- Downloaded into the cache (ember.utils.get_file) when no data folder has
-- the reviews, and unpacked there once.  Size and SHA-256 as TensorFlow
-- Datasets pins them: tensorflow/datasets, tensorflow_datasets/url_checksums/
-- imdb_reviews.txt ("http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz
-- 84125825 c40f74a1...").
local REMOTE = {
  file = "aclImdb_v1.tar.gz", url = URL, extract = true, size = 84125825,
  sha256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
}

local function check_opts(fn, opts, keys)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error(("%s: argument 'options' expected a table, got %s"):format(fn, type(opts)), 3) end
  for k in pairs(opts) do
    if not keys[k] then error(require("ember.calls").unknown_option(fn, k, keys), 3) end
  end
  return opts
end

local function find_root(fn, path)
  if path ~= nil then
    if type(path) ~= "string" then error(("%s: option 'path' expected a string, got %s"):format(fn, type(path)), 3) end
    if not fs.isdir(path) then error(("%s: option 'path': no folder '%s'"):format(fn, path), 3) end
    return path
  end
  return (paths.find(fn, "the IMDB reviews (aclImdb/ or aclImdb.zip)", { "aclImdb", "aclImdb.zip/aclImdb" }, URL, 3,
    REMOTE))
end

local LABELS = { neg = 0, pos = 1 }

local function read_subset(fn, root, subset)
  local texts, labels = {}, {}
  for _, label in ipairs { "neg", "pos" } do
    local dir = fs.join(root, subset, label)
    if not fs.isdir(dir) then
      error(("%s: no folder '%s' (an aclImdb folder holds train/ and test/, each with neg/ and pos/)"):format(fn, dir), 3)
    end
    for _, name in ipairs(fs.listdir(dir)) do
      if name:sub(-4) == ".txt" then
        texts[#texts + 1] = fs.read(dir .. "/" .. name)
        labels[#texts] = LABELS[label]
      end
    end
  end
  return texts, core.tensor(labels, { dtype = "int32" })
end

-- imdb.find() -> the aclImdb folder (plain, or inside aclImdb.zip) in the
-- data folders; an error naming every place looked when there is none.
--- @api ember.datasets.imdb.find() -> string
--- Where the IMDB data is (folder or zip); an error naming where to put it when missing.

function imdb.find()
  return find_root("imdb.find", nil)
end

--- @api ember.datasets.imdb.load_raw([opts]) -> table, Tensor
--- Raw IMDB review texts and their 0/1 labels (the book's listing 6-8).
--- @opt subset = "train": "train" or "test"
--- @opt path: the aclImdb folder or zip (default: searched)

function imdb.load_raw(opts)
  local fn = "imdb.load_raw"
  opts = check_opts(fn, opts, { subset = true, path = true })
  local subset = opts.subset or "train"
  if subset ~= "train" and subset ~= "test" then
    error(("%s: option 'subset' must be \"train\" or \"test\", got %s"):format(fn, tostring(subset)), 2)
  end
  return read_subset(fn, find_root(fn, opts.path), subset)
end

-- ---- ranked reviews, built once and cached ----

local CACHE_KEYS = { "train_values", "train_offsets", "train_labels", "test_values", "test_offsets", "test_labels" }

local function cache_path(root)
  local dir = root:gsub("/+$", ""):gsub("/?aclImdb$", "")
  if dir:match("%.zip$") then dir = dir:match("^(.*)/[^/]*$") or "." end
  return fs.join(dir == "" and "." or dir, "aclImdb_ranks.npz")
end

-- When the reviews last changed.  Inside a zip, the archive's time covers
-- every member; in a plain folder, a review edited in place changes neither
-- the root's time nor its folder's, so every review file is looked at
-- (50,000 stats, a few tens of milliseconds, next to the 0.2 s of the load).
local function source_mtime(root)
  local latest = fs.mtime(root)
  if not latest or root:find("%.zip/") or root:find("%.zip$") then return latest end
  for _, subset in ipairs { "train", "test" } do
    for _, label in ipairs { "neg", "pos" } do
      local dir = fs.join(root, subset, label)
      if fs.isdir(dir) then
        latest = math.max(latest, fs.mtime(dir) or latest)
        for _, name in ipairs(fs.listdir(dir)) do
          local t = fs.mtime(dir .. "/" .. name)
          if t and t > latest then latest = t end
        end
      end
    end
  end
  return latest
end

local function load_cache(path, root)
  if not (core.load and fs.exists(path)) then return nil end
  local src, t = source_mtime(root), fs.mtime(path)
  if not (src and t and t >= src) then return nil end
  local ok, c = pcall(core.load, path)
  if not ok or type(c) ~= "table" then return nil end
  for _, k in ipairs(CACHE_KEYS) do if not core.is_tensor(c[k]) then return nil end end
  local okt, train = pcall(core.text.sequences_from_flat, c.train_values, c.train_offsets)
  local oke, test = pcall(core.text.sequences_from_flat, c.test_values, c.test_offsets)
  if not (okt and oke) then return nil end
  return train, c.train_labels, test, c.test_labels
end

local function save_cache(path, train, ytrain, test, ytest)
  if not core.save then return end
  local ok, err = pcall(core.save, path, {
    train_values = train:values(), train_offsets = train:offsets(), train_labels = ytrain,
    test_values = test:values(), test_offsets = test:offsets(), test_labels = ytest })
  if not ok then paths.note_once("imdb.load_data: could not write the cache " .. path .. ": " .. tostring(err)) end
end

-- Ranks: 1 = most frequent training word; -1 = never seen in training.
local function build_ranks(fn, root)
  local train_texts, ytrain = read_subset(fn, root, "train")
  local test_texts, ytest = read_subset(fn, root, "test")
  local tok = P.Tokenizer()
  tok:fit_on_texts(train_texts)
  return tok._core:to_sequences(train_texts), ytrain, tok._core:to_sequences(test_texts, -1), ytest
end

local LOAD_KEYS = { num_words = true, skip_top = true, maxlen = true, seed = true, start_char = true,
                    oov_char = true, index_from = true, path = true, cache = true }

--- @api ember.datasets.imdb.load_data([opts]) -> x_train, y_train, x_test, y_test
--- Keras's imdb.load_data: reviews as Sequences of word indices, labels as tensors.
--- @opt num_words: keep the num_words most frequent words
--- @opt skip_top = 0: drop the most frequent words
--- @opt maxlen: drop longer reviews
--- @opt seed = 113: shuffling seed
--- @opt start_char = 1: index marking a review's start
--- @opt oov_char = 2: index of dropped words
--- @opt index_from = 3: offset of word indices

function imdb.load_data(opts)
  local fn = "imdb.load_data"
  opts = check_opts(fn, opts, LOAD_KEYS)
  local copts = {}
  for k, v in pairs(opts) do copts[k] = v end
  if opts.start_char == false then copts.start_char, copts.no_start_char = nil, true end
  if opts.oov_char == false then copts.oov_char, copts.no_oov_char = nil, true end
  copts.path, copts.cache = nil, nil
  -- check the options before the (slow) first build
  at(2, core.data.imdb_encode, core.text.Sequences {}, core.zeros({ 0 }, { dtype = "int32" }),
    core.text.Sequences {}, core.zeros({ 0 }, { dtype = "int32" }), copts)
  local root = find_root(fn, opts.path)
  local cpath = cache_path(root)
  local train, ytrain, test, ytest
  if opts.cache ~= false then train, ytrain, test, ytest = load_cache(cpath, root) end
  if not train then
    train, ytrain, test, ytest = build_ranks(fn, root)
    if opts.cache ~= false then save_cache(cpath, train, ytrain, test, ytest) end
  end
  return core.data.imdb_encode(train, ytrain, test, ytest, copts)
end

return imdb
