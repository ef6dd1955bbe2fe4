-- ember.utils's data helpers (this file): Keras's and scikit-learn's
-- everyday ones, one section per concern; the heavy loops are in C (engine/data/categorical.c, engine/train/batch.c).
local core = require "ember.core"
local calls = require "ember.calls"

local utils = {}

local function describe(v)
  if core.is_tensor(v) then return "a tensor" end
  if math.type(v) == "float" then return tostring(v) end
  if math.type(v) == "integer" then return tostring(v) end
  return type(v)
end

---------------------------------------------------------------------------
-- to_categorical: class ids -> one-hot rows
---------------------------------------------------------------------------

-- A Lua list of class ids as an int32 tensor; errors name the position.
local function labels_from_list(who, y)
  local n = #y
  for k in pairs(y) do
    if math.type(k) ~= "integer" or k < 1 or k > n then
      error(("%s: argument 'y' expected a tensor or a list of class ids, got a table with key %s")
        :format(who, tostring(k)), 3)
    end
  end
  for i = 1, n do
    local v = y[i]
    if type(v) ~= "number" or v ~= v or math.floor(v) ~= v or v < 0 or v > 2147483647 then
      error(("%s: argument 'y' holds %s at position %d, not a class id (an integer >= 0; class ids are 0-based)")
        :format(who, describe(v), i), 3)
    end
  end
  return core.tensor(n > 0 and y or core.zeros({ 0 }, { dtype = "int32" }), { dtype = "int32" })
end

--- @api ember.utils.to_categorical(y[, num_classes][, opts]) -> Tensor
--- One-hot rows from 0-based class ids (Keras's to_categorical): label k sets column k + 1.
--- A {n, 1} label tensor gives {n, num_classes}, as Keras; any other shape gains a last dimension.
--- @arg y: class ids 0 .. num_classes - 1 (an int32, uint8 or integer-valued float32 tensor, or a Lua list)
--- @arg num_classes: the number of classes (default: the largest id + 1)
--- @opt dtype = "float32": of the result: "float32", "int32", or "uint8" (alias "bool"), a quarter of float32's memory
--- @opt out: a tensor to refill and return (a batch loop's reused buffer; keeps its memory when large enough)
--- @return a tensor of shape y.shape .. {num_classes}

function utils.to_categorical(y, num_classes, opts)
  local who = "to_categorical"
  if type(num_classes) == "table" and opts == nil then num_classes, opts = nil, num_classes end
  opts = calls.check_options(who, opts, { dtype = true, out = true }, 3)
  if type(y) == "table" and not core.is_tensor(y) then y = labels_from_list(who, y)
  elseif not core.is_tensor(y) then
    error(("%s: argument 'y' expected a tensor or a list of class ids, got %s"):format(who, describe(y)), 2)
  end
  if num_classes ~= nil and (math.type(num_classes) ~= "integer" or num_classes < 1) then
    error(("%s: argument 'num_classes' expected an integer >= 1, got %s"):format(who, describe(num_classes)), 2)
  end
  local dtype = opts.dtype or "float32"
  if dtype ~= "float32" and dtype ~= "int32" and dtype ~= "uint8" and dtype ~= "bool" then
    error(("%s: option 'dtype' expected \"float32\", \"int32\", \"uint8\" or \"bool\", got %s")
      :format(who, describe(dtype)), 2)
  end
  if opts.out ~= nil and not core.is_tensor(opts.out) then
    error(("%s: option 'out' expected a tensor, got %s"):format(who, describe(opts.out)), 2)
  end
  return calls.at(2, core.data.to_categorical, y:contiguous(), num_classes or 0, { dtype = dtype }, opts.out)
end

---------------------------------------------------------------------------
-- permutation: numpy's random.permutation, from the seeded generator
---------------------------------------------------------------------------

-- The rows of x in the order of idx (int32, 1-based), as a new tensor.
local function take_rows(x, idx, first, count)
  local out = core.zeros { 0 }
  core.train.gather_rows(x, idx, first, count, out)
  return out
end

--- @api ember.permutation(x) -> Tensor
--- A random permutation of 1..n as int32 (numpy's permutation, 1-based), from the seeded generator.
--- Given a tensor, a copy with its rows (first dimension) shuffled, as numpy's permutation(array).
--- ember.seed(s) makes it reproducible; it draws from the generator fit's shuffle uses.
--- @arg x: n (an integer >= 0), or a tensor whose rows are shuffled
--- @alias ember.utils.permutation

function utils.permutation(x)
  if core.is_tensor(x) then
    if x:dim() < 1 then error("permutation: argument 'x' is a 0-d tensor, which has no rows to shuffle", 2) end
    local n = x:size(1)
    return take_rows(x, core.train.permutation(n), 1, n)
  end
  local n = type(x) == "number" and math.tointeger(x)  -- 5 or 5.0; not 5.5, NaN or "5"
  if not n or n < 0 or n > 2147483647 then
    error(("permutation: argument 'x' expected an integer n >= 0 (a permutation of 1..n) or a tensor, got %s")
      :format(describe(x)), 2)
  end
  return core.train.permutation(n)
end

---------------------------------------------------------------------------
-- train_test_split: scikit-learn's, for tensors
---------------------------------------------------------------------------

-- The number of test samples of n for test_size (sklearn's rule: a
-- fraction rounds up, an integer is a count); both parts must be non-empty.
local function test_count(who, n, test_size)
  local n_test
  if math.type(test_size) == "float" and test_size > 0 and test_size < 1 then
    n_test = math.ceil(test_size * n)
  elseif math.type(test_size) == "integer" and test_size >= 1 then
    n_test = test_size
  else
    error(("%s: option 'test_size' expected a fraction in (0, 1) or a sample count >= 1, got %s")
      :format(who, describe(test_size)), 3)
  end
  if n_test >= n then
    error(("%s: option 'test_size' = %s leaves no training samples of %d (test %d)"):format(who,
      tostring(test_size), n, n_test), 3)
  end
  return n_test
end

--- @api ember.utils.train_test_split(x[, y][, opts]) -> Tensor, Tensor, Tensor, Tensor
--- Splits samples (rows) into a training and a test part, as scikit-learn's train_test_split.
--- Returns x_train, x_test, y_train, y_test (or x_train, x_test without y); rows are copied.
--- Shuffled: the test rows are the first test_size of a random permutation, as sklearn's.
--- @arg x: the samples (a tensor, samples first)
--- @arg y: the targets (same number of rows), optional
--- @opt test_size = 0.25: a fraction in (0, 1) (rounded up, as sklearn) or a number of test samples
--- @opt shuffle = true: shuffle before splitting; false keeps the order (test = the last rows)
--- @opt seed: an integer: a reproducible split from its own generator (sklearn's random_state); without it the split draws from ember.seed's generator

function utils.train_test_split(x, y, opts)
  local who = "train_test_split"
  if opts == nil and type(y) == "table" and not core.is_tensor(y) then y, opts = nil, y end
  opts = calls.check_options(who, opts, { test_size = true, shuffle = true, seed = true }, 3)
  if not core.is_tensor(x) then error(("%s: argument 'x' expected a tensor, got %s"):format(who, describe(x)), 2) end
  if x:dim() < 1 then error(("%s: argument 'x' is a 0-d tensor, which has no samples to split"):format(who), 2) end
  if y ~= nil then
    if not core.is_tensor(y) then error(("%s: argument 'y' expected a tensor, got %s"):format(who, describe(y)), 2) end
    if y:dim() < 1 or y:size(1) ~= x:size(1) then
      error(("%s: x has %d samples but y has %d (y needs one row per sample)"):format(who, x:size(1),
        y:dim() > 0 and y:size(1) or 0), 2)
    end
  end
  local n = x:size(1)
  local test_size = opts.test_size
  if test_size == nil then test_size = 0.25 end
  local n_test = test_count(who, n, test_size)
  local shuffle = opts.shuffle
  if shuffle == nil then shuffle = true end
  if type(shuffle) ~= "boolean" then
    error(("%s: option 'shuffle' expected true or false, got %s"):format(who, describe(shuffle)), 2)
  end
  local seed = opts.seed
  if seed ~= nil and math.type(seed) ~= "integer" then
    error(("%s: option 'seed' expected an integer, got %s"):format(who, describe(seed)), 2)
  end
  if seed ~= nil and not shuffle then
    error(("%s: option 'seed' has no effect with shuffle = false; leave one out"):format(who), 2)
  end
  local n_train = n - n_test
  local idx, train_first, test_first
  if shuffle then
    idx = seed and core.data.seeded_permutation(n, seed) or core.train.permutation(n)
    test_first, train_first = 1, n_test + 1  -- sklearn: test = the permutation's first n_test
  else
    idx = core.arange(1, n)
    train_first, test_first = 1, n_train + 1
  end
  local x_train, x_test = take_rows(x, idx, train_first, n_train), take_rows(x, idx, test_first, n_test)
  if y == nil then return x_train, x_test end
  return x_train, x_test, take_rows(y, idx, train_first, n_train), take_rows(y, idx, test_first, n_test)
end

return utils
