-- ember.preprocessing: Keras 2's text preprocessing (keras_preprocessing
-- 1.0.5 as in Keras 2.2.4).  The work is in C (engine/text/); this file is
-- the Keras-shaped front.
--   local tok = P.Tokenizer{num_words = 10000}
--   tok:fit_on_texts(texts); local seqs = tok:texts_to_sequences(texts)
--   tok.word_index["the"] --> 1
-- Word indices keep Keras's numbering (0 is padding, 1 the most frequent
-- word); a matrix from texts_to_matrix is {n, num_words} and the word of
-- index j sits in column j + 1.
local core = require "ember.core"
local text = core.text
local at = require("ember.calls").at

local P = {}

local Tokenizer = {}
P._Tokenizer_class = Tokenizer  -- for help() and the API reference (ember.api_walk)
local VOCAB_FIELDS = { word_index = 1, word_counts = 2, word_docs = 3, index_word = 4, index_docs = 5 }

-- The vocabulary tables are built from C on first access after a fit.
Tokenizer.__index = function(self, key)
  local method = Tokenizer[key]
  if method ~= nil then return method end
  local slot = VOCAB_FIELDS[key]
  if slot then
    local cache = rawget(self, "_vocab")
    if not cache then
      cache = table.pack(self._core:vocab())
      rawset(self, "_vocab", cache)
    end
    return cache[slot]
  end
  if key == "document_count" then return self._core:document_count() end
  if key == "num_words" then return self._core:num_words() end
  return nil
end

-- tok.num_words = n takes effect (as in Keras); the vocabulary tables are
-- built by fit_on_texts and cannot be replaced: an error says so instead
-- of the assignment being silently ignored.
Tokenizer.__newindex = function(self, key, value)
  if key == "num_words" then
    at(2, self._core.num_words, self._core, value)
    return
  end
  if VOCAB_FIELDS[key] or key == "document_count" then
    error(("Tokenizer: '%s' is built by fit_on_texts and cannot be replaced"):format(tostring(key)), 2)
  end
  rawset(self, key, value)
end

-- Tokenizer{num_words, filters, lower, split, char_level, oov_token};
-- Tokenizer(num_words) and Tokenizer{num_words, ...} work too.
--- @api ember.preprocessing.Tokenizer([opts]) -> Tokenizer
--- Keras's text tokenizer: word index by frequency, texts to sequences or matrices.
--- @opt num_words: keep only the num_words - 1 most frequent words
--- @opt filters: characters removed (Keras's default punctuation)
--- @opt lower = true: lower-case the texts
--- @opt split = " ": the word separator
--- @opt char_level = false: every character is a token
--- @opt oov_token: a token for words outside the vocabulary

--- @api Tokenizer
--- A Keras tokenizer: fields word_index, word_counts, word_docs, index_word, document_count; methods below.

function P.Tokenizer(opts, ...)
  if select("#", ...) > 0 then error("Tokenizer: pass options as one table, e.g. Tokenizer{num_words = 1000}", 2) end
  if math.type(opts) == "integer" then opts = { num_words = opts } end
  if opts ~= nil and type(opts) ~= "table" then
    error(("Tokenizer: argument 'options' expected a table, got %s"):format(type(opts)), 2)
  end
  local config = {}
  for k, v in pairs(opts or {}) do config[k] = v end
  if config[1] ~= nil then
    if config.num_words ~= nil then error("Tokenizer: num_words given twice", 2) end
    config.num_words, config[1] = config[1], nil
  end
  local self = { _core = at(2, text.Tokenizer, config), oov_token = config.oov_token,
                 char_level = config.char_level or false }
  return setmetatable(self, Tokenizer)
end

--- @api Tokenizer:fit_on_texts(texts)
--- Builds the vocabulary from a list of strings.
--- @arg texts: a list of strings

function Tokenizer:fit_on_texts(texts)
  at(2, self._core.fit, self._core, texts)
  rawset(self, "_vocab", nil)
end

--- @api Tokenizer:texts_to_sequences(texts) -> Sequences
--- Each text as a list of word indices.
--- @arg texts: a list of strings

function Tokenizer:texts_to_sequences(texts)
  return at(2, self._core.to_sequences, self._core, texts)
end

-- The words back: tok:sequences_to_texts(seqs) -> list of strings (words
-- joined by spaces, as keras_preprocessing 1.0.5).  seqs: Sequences, a
-- list of integer lists, or a padded 2-D int32 tensor.
--- @api Tokenizer:sequences_to_texts(seqs) -> table
--- Each sequence of indices back as a text.
--- @arg seqs: Sequences or a list of lists

function Tokenizer:sequences_to_texts(seqs)
  return at(2, self._core.to_texts, self._core, seqs)
end

local function mode_of(fn, mode)
  if type(mode) == "table" then mode = mode.mode end
  if mode ~= nil and type(mode) ~= "string" then
    error(("%s: argument 'mode' expected a string, got %s"):format(fn, type(mode)), 3)
  end
  return mode or "binary"
end

--- @api Tokenizer:sequences_to_matrix(seqs[, mode]) -> Tensor
--- A (n, num_words) matrix from sequences.
--- @arg seqs: Sequences or a list of lists
--- @arg mode = "binary": "binary", "count", "freq" or "tfidf" (or {mode = ...})

function Tokenizer:sequences_to_matrix(seqs, mode)
  return at(2, self._core.matrix, self._core, seqs, mode_of("sequences_to_matrix", mode))
end

--- @api Tokenizer:texts_to_matrix(texts[, mode]) -> Tensor
--- A (n, num_words) matrix from texts.
--- @arg texts: a list of strings
--- @arg mode = "binary": "binary", "count", "freq" or "tfidf" (or {mode = ...})

function Tokenizer:texts_to_matrix(texts, mode)
  mode = mode_of("texts_to_matrix", mode)
  if type(texts) ~= "table" then
    error(("texts_to_matrix: argument 'texts' expected a list of strings, got %s"):format(type(texts)), 2)
  end
  local seqs = at(2, self._core.to_sequences, self._core, texts)
  return at(2, self._core.matrix, self._core, seqs, mode)
end

P.Sequences = text.Sequences
P.pad_sequences = text.pad_sequences
P.text_to_word_sequence = text.text_to_word_sequence
P.one_hot = text.one_hot
P.hashing_trick = text.hashing_trick

return P
