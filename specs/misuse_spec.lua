-- API misuse, table-driven: every public Lua function called the wrong way
-- (wrong types, missing arguments, nil, NaN, negative and huge sizes, wrong
-- dtypes and shapes).  Each call must raise a Lua error (never crash, never
-- succeed) whose message names the function and the argument or option at
-- fault.  Each row: { function, what, call }: the message must contain the
-- function's name (or its last dotted part) and `what`, both as plain
-- substrings.  `what` is the argument or option name; where the messages of
-- an area identify the bad argument by its value instead (a shape that does
-- not broadcast, a file that does not exist, an unknown name), it is that value.
local ember = require "ember"
local L = ember.layers
local P = ember.preprocessing
local D = ember.datasets
local C = ember.callbacks
local O = ember.optimizers

local nan, inf = 0 / 0, math.huge
local f2 = function() return ember.zeros { 2, 3 } end
local i2 = function() return ember.zeros({ 2, 3 }, { dtype = "int32" }) end
local i32s = function(t) return ember.tensor(t, { dtype = "int32" }) end
local tmp = os.tmpname()
os.remove(tmp)
local dir = tmp .. "_misuse"
os.execute("mkdir -p " .. dir)

local function model()
  local m = ember.Sequential()
  m:add(L.Dense(2, { input_shape = { 3 } }))
  m:add(L.Dense(1, { activation = "sigmoid" }))
  return m
end
local function compiled()
  local m = model()
  m:compile { optimizer = "rmsprop", loss = "binary_crossentropy", metrics = { "acc" } }
  return m
end
local function xy() return ember.rand { 8, 3 }, ember.zeros { 8, 1 } end
local function built_dense()
  local d = L.Dense(2)
  local m = ember.Sequential { L.Dense(2, { input_shape = { 3 } }) }
  m:build()
  return m.layers[1], d
end
local function tok() local t = P.Tokenizer { num_words = 10 } t:fit_on_texts { "a b c", "b c d" } return t end
local function seqs() return tok():texts_to_sequences { "a b", "c d a" } end
local function jena_csv()
  local p = dir .. "/t.csv"
  local f = assert(io.open(p, "w"))
  f:write('"Date Time","a","b"\n01,1,2\n02,3,4\n03,5,6\n04,7,8\n')
  f:close()
  return p
end

local cases = {
  -- tensor constructors
  { "tensor", "data", function() ember.tensor() end },
  { "tensor", "data", function() ember.tensor("abc") end },
  { "tensor", "got string", function() ember.tensor { 1, "x" } end },
  { "tensor", "ragged", function() ember.tensor { { 1, 2 }, { 3 } } end },
  { "tensor", "dtype", function() ember.tensor({ 1 }, { dtype = "float64" }) end },
  { "tensor", "dtype", function() ember.tensor({ 1 }, { dtype = 7 }) end },
  { "tensor", "int32", function() ember.tensor({ 1e10 }, { dtype = "int32" }) end },
  { "tensor", "nan", function() ember.tensor({ nan }, { dtype = "int32" }) end },
  { "zeros", "shape", function() ember.zeros() end },
  { "zeros", "shape", function() ember.zeros("2") end },
  { "zeros", "shape", function() ember.zeros { -1 } end },
  { "zeros", "shape", function() ember.zeros { 2.5 } end },
  { "zeros", "shape", function() ember.zeros { nan } end },
  { "zeros", "shape", function() ember.zeros { 1e6, 1e6 } end },
  { "zeros", "shape", function() ember.zeros { 1, 2, 3, 4, 5, 6, 7, 8, 9 } end },
  { "zeros", "shape", function() ember.zeros { math.maxinteger, 2 } end },
  { "zeros", "dtype", function() ember.zeros({ 2 }, { dtype = "float16" }) end },
  { "ones", "shape", function() ember.ones(nil) end },
  { "ones", "shape", function() ember.ones { -3 } end },
  { "ones", "shape", function() ember.ones { inf } end },
  { "full", "shape", function() ember.full(nil, 1) end },
  { "full", "value", function() ember.full({ 2 }) end },
  { "full", "value", function() ember.full({ 2 }, "x") end },
  { "full", "shape", function() ember.full({ 1e12 }, 1) end },
  { "rand", "shape", function() ember.rand { -2 } end },
  { "rand", "shape", function() ember.rand(true) end },
  { "randn", "shape", function() ember.randn { 1e13 } end },
  { "randn", "shape", function() ember.randn("x") end },
  { "randint", "low", function() ember.randint(nil, 3, { 2 }) end },
  { "randint", "high", function() ember.randint(1, "x", { 2 }) end },
  { "randint", "high", function() ember.randint(5, 1, { 2 }) end },
  { "randint", "shape", function() ember.randint(1, 5) end },
  { "randint", "shape", function() ember.randint(1, 5, { -1 }) end },
  { "randint", "low", function() ember.randint(nan, 5, { 2 }) end },
  { "arange", "start", function() ember.arange() end },
  { "arange", "stop", function() ember.arange(1, "x") end },
  { "arange", "start", function() ember.arange(nan, 3) end },
  { "arange", "stop", function() ember.arange(1, 1e13) end },
  { "seed", "seed", function() ember.seed() end },
  { "seed", "seed", function() ember.seed("x") end },
  { "seed", "seed", function() ember.seed(nan) end },
  { "set_num_threads", "n", function() ember.set_num_threads(0) end },
  { "set_num_threads", "n", function() ember.set_num_threads("x") end },
  { "set_flush_denormal", "on", function() ember.set_flush_denormal(1) end },
  { "set_flush_denormal", "on", function() ember.set_flush_denormal() end },

  -- tensor element access and methods
  { "get", "index", function() f2():get(0, 1) end },
  { "get", "index", function() f2():get(3, 1) end },
  { "get", "indices", function() f2():get(1) end },
  { "get", "index", function() f2():get("a", 1) end },
  { "set", "value", function() f2():set(1, 1) end },
  { "set", "value", function() f2():set(1, 1, "x") end },
  { "set", "index", function() f2():set(9, 1, 1) end },
  { "size", "dim", function() f2():size(3) end },
  { "size", "dim", function() f2():size("x") end },
  { "item", "6 elements", function() f2():item() end },
  { "fill_", "value", function() f2():fill_() end },
  { "fill_", "value", function() f2():fill_({}) end },
  { "copy_", "{3,2}", function() f2():copy_(ember.zeros { 3, 2 }) end },
  { "copy_", "src", function() f2():copy_(5) end },
  { "get", "self", function() ember.zeros { 2 }.get(nil, 1) end },
  { "narrow", "dim", function() f2():narrow(5, 1, 1) end },
  { "narrow", "start", function() f2():narrow(1, 0, 1) end },
  { "narrow", "length", function() f2():narrow(1, 1, 5) end },
  { "narrow", "length", function() f2():narrow(1, 1, -1) end },
  { "select", "index", function() f2():select(1, 3) end },
  { "select", "dim", function() f2():select(nil, 1) end },
  { "sub", "to", function() f2():sub(1, 9) end },
  { "sub", "from", function() f2():sub("a", 2) end },
  { "transpose", "dim", function() f2():transpose(1, 3) end },
  { "transpose", "dim", function() f2():transpose() end },
  { "reshape", "shape", function() f2():reshape { 4 } end },
  { "reshape", "shape", function() f2():reshape { -2, 3 } end },
  { "reshape", "shape", function() f2():reshape("6") end },
  { "view", "shape", function() f2():transpose(1, 2):view { 6 } end },
  { "squeeze", "dim", function() f2():squeeze(4) end },
  { "unsqueeze", "dim", function() f2():unsqueeze(0) end },
  { "flip", "dim", function() f2():flip(7) end },
  { "index", "index", function() f2():index(1, ember.tensor { 1 }) end },
  { "index", "index", function() f2():index(1, ember.tensor({ 5 }, { dtype = "int32" })) end },
  { "index", "dim", function() f2():index(4, ember.tensor({ 1 }, { dtype = "int32" })) end },
  { "sum", "dim", function() f2():sum(3) end },
  { "mean", "dim", function() f2():mean(0) end },
  { "std", "dim", function() f2():std("x") end },
  { "max", "dim", function() f2():max(-5) end },
  { "min", "dim", function() f2():min(9) end },
  { "argmax", "dim", function() f2():argmax(3) end },
  { "argmin", "dim", function() f2():argmin({}) end },
  { "add", "b", function() f2():add("x") end },
  { "add", "{4}", function() f2():add(ember.zeros { 4 }) end },
  { "mul", "{2,4}", function() f2():mul(ember.zeros { 2, 4 }) end },
  { "div", "b", function() f2():div(nil) end },
  { "add_", "{5}", function() f2():add_(ember.zeros { 5 }) end },
  { "add_", "{2,3}", function() ember.zeros { 3 }:add_(ember.zeros { 2, 3 }) end },
  { "sub_", "other", function() f2():sub_({}) end },
  { "mul_", "int32", function() i2():mul_(ember.zeros { 2, 3 }) end },
  { "div_", "other", function() f2():div_(true) end },
  { "maximum", "b", function() f2():maximum("a") end },
  { "pow", "exponent", function() f2():pow("two") end },
  { "pow", "exponent", function() f2():pow() end },
  { "clamp", "min", function() f2():clamp("a", 1) end },
  { "clamp", "max", function() f2():clamp(2, 1) end },
  { "eq", "{7}", function() f2():eq(ember.zeros { 7 }) end },
  { "matmul", "{2,3} and {2,3}", function() ember.matmul(f2(), f2()) end },
  { "matmul", "a", function() ember.matmul(nil, f2()) end },
  { "matmul", "b", function() ember.matmul(f2(), 3) end },
  { "dot", "{5}", function() f2():dot(ember.zeros { 5 }) end },
  { "cat", "tensors", function() ember.cat(nil, 1) end },
  { "cat", "{2,4} (tensor 2)", function() ember.cat({ f2(), ember.zeros { 2, 4 } }, 1) end },
  { "cat", "dim", function() ember.cat({ f2(), f2() }, 5) end },
  { "cat", "tensors", function() ember.cat({ f2(), 3 }, 1) end },
  { "stack", "{3} (tensor 2)", function() ember.stack({ f2(), ember.zeros { 3 } }, 1) end },
  { "stack", "dim", function() ember.stack({ f2(), f2() }, 9) end },
  { "tanh", "self", function() ember.zeros { 2 }.tanh("x") end },

  -- tensor files
  { "save", "path", function() ember.save(nil, f2()) end },
  { "save", "data", function() ember.save(dir .. "/a.npy", "x") end },
  { "save", "'kernel'", function() ember.save(dir .. "/a.npz", { kernel = 3 }) end },
  { "save", "no/such/dir/a.npy", function() ember.save(dir .. "/no/such/dir/a.npy", f2()) end },
  { "load", "path", function() ember.load(nil) end },
  { "load", "missing.npy", function() ember.load(dir .. "/missing.npy") end },
  { "load", "path", function() ember.load(42) end },

  -- layers
  { "Dense", "units", function() L.Dense() end },
  { "Dense", "units", function() L.Dense(-4) end },
  { "Dense", "units", function() L.Dense("x") end },
  { "Dense", "units", function() L.Dense(nan) end },
  { "Dense", "units", function() L.Dense(1e12) end },
  { "Dense", "activation", function() L.Dense(4, { activation = "relux" }) end },
  { "Dense", "input_shape", function() L.Dense(4, { input_shape = "x" }) end },
  { "Dense", "input_shape", function() L.Dense(4, { input_shape = { -1 } }) end },
  { "Dense", "use_bias", function() L.Dense(4, { use_bias = "yes" }) end },
  { "Dense", "frobnicate", function() L.Dense(4, { frobnicate = true }) end },
  { "Embedding", "input_dim", function() L.Embedding(nil, 8) end },
  { "Embedding", "output_dim", function() L.Embedding(100, -8) end },
  { "Embedding", "input_dim", function() L.Embedding(0, 8) end },
  { "Embedding", "input_length", function() L.Embedding(100, 8, { input_length = "x" }) end },
  { "Dropout", "rate", function() L.Dropout() end },
  { "Dropout", "rate", function() L.Dropout(1.5) end },
  { "Dropout", "rate", function() L.Dropout(nan) end },
  { "Dropout", "rate", function() L.Dropout("half") end },
  { "Activation", "activation", function() L.Activation("nope") end },
  { "Activation", "activation", function() L.Activation(3) end },
  { "Flatten", "bogus", function() L.Flatten { bogus = 1 } end },
  { "SimpleRNN", "units", function() L.SimpleRNN(0) end },
  { "SimpleRNN", "activation", function() L.SimpleRNN(4, { activation = "x" }) end },
  { "LSTM", "units", function() L.LSTM(4.5) end },
  { "LSTM", "activation", function() L.LSTM { 4, activation = "softmax" } end },
  { "LSTM", "'nope'", function() L.LSTM(4, { recurrent_activation = "nope" }) end },
  { "LSTM", "dropout", function() L.LSTM(4, { dropout = -0.1 }) end },
  { "LSTM", "recurrent_dropout", function() L.LSTM(4, { recurrent_dropout = 2 }) end },
  { "GRU", "units", function() L.GRU(-1) end },
  { "GRU", "reset_after", function() L.GRU(4, { reset_after = "x" }) end },
  { "GRU", "input_shape", function() L.GRU(4, { input_shape = { "a", 3 } }) end },
  { "Bidirectional", "layer", function() L.Bidirectional() end },
  { "Bidirectional", "layer", function() L.Bidirectional(L.Dense(3)) end },
  { "Bidirectional", "merge_mode", function() L.Bidirectional(L.LSTM(3), { merge_mode = "xor" }) end },
  { "Conv1D", "filters", function() L.Conv1D(nil, 3) end },
  { "Conv1D", "kernel_size", function() L.Conv1D(8) end },
  { "Conv1D", "kernel_size", function() L.Conv1D(8, 0) end },
  { "Conv1D", "padding", function() L.Conv1D(8, 3, { padding = "full" }) end },
  { "Conv1D", "strides", function() L.Conv1D(8, 3, { strides = -1 }) end },
  { "Conv1D", "dilation_rate", function() L.Conv1D(8, 3, { dilation_rate = 0 }) end },
  { "MaxPooling1D", "pool_size", function() L.MaxPooling1D(0) end },
  { "MaxPooling1D", "padding", function() L.MaxPooling1D(2, { padding = 1 }) end },
  { "AveragePooling1D", "strides", function() L.AveragePooling1D(2, { strides = "x" }) end },
  { "GlobalMaxPooling1D", "x", function() L.GlobalMaxPooling1D { x = 1 } end },
  { "GlobalAveragePooling1D", "y", function() L.GlobalAveragePooling1D { y = 2 } end },
  { "set_weights", "weights", function() local l = built_dense() l:set_weights(nil) end },
  { "set_weights", "weights", function() local l = built_dense() l:set_weights { ember.zeros { 3, 2 } } end },
  { "set_weights", "weights", function() local l = built_dense() l:set_weights { ember.zeros { 2, 3 }, ember.zeros { 2 } } end },
  { "set_weights", "weights", function() local l = built_dense() l:set_weights { ember.zeros { 3, 2 }, "b" } end },

  -- models
  { "Sequential", "layers", function() ember.Sequential(5) end },
  { "Sequential", "layers", function() ember.Sequential { 5 } end },
  { "add", "layer", function() ember.Sequential():add(nil) end },
  { "add", "layer", function() ember.Sequential():add("Dense") end },
  { "add", "layer", function() ember.Sequential():add(f2()) end },
  { "compile", "optimizer", function() model():compile { optimizer = "adamw", loss = "mse" } end },
  { "compile", "optimizer", function() model():compile { optimizer = 3, loss = "mse" } end },
  { "compile", "loss", function() model():compile { optimizer = "sgd", loss = "hinge2" } end },
  { "compile", "loss", function() model():compile { optimizer = "sgd" } end },
  { "compile", "'f1x'", function() model():compile { optimizer = "sgd", loss = "mse", metrics = { "f1x" } } end },
  { "compile", "metrics", function() model():compile { optimizer = "sgd", loss = "mse", metrics = 5 } end },
  { "fit", "x", function() compiled():fit(nil, ember.zeros { 8, 1 }) end },
  { "fit", "y", function() compiled():fit(ember.rand { 8, 3 }, "y") end },
  { "fit", "y", function() compiled():fit(ember.rand { 8, 3 }, ember.zeros { 7, 1 }) end },
  { "fit", "x", function() compiled():fit(ember.rand { 8, 4 }, ember.zeros { 8, 1 }, { verbose = 0 }) end },
  { "fit", "epochs", function() local x, y = xy() compiled():fit(x, y, { epochs = -1, verbose = 0 }) end },
  { "fit", "epochs", function() local x, y = xy() compiled():fit(x, y, { epochs = nan, verbose = 0 }) end },
  { "fit", "batch_size", function() local x, y = xy() compiled():fit(x, y, { batch_size = 0, verbose = 0 }) end },
  { "fit", "batch_size", function() local x, y = xy() compiled():fit(x, y, { batch_size = "big", verbose = 0 }) end },
  { "fit", "validation_split", function() local x, y = xy() compiled():fit(x, y, { validation_split = 1.5, verbose = 0 }) end },
  { "fit", "validation_data", function() local x, y = xy() compiled():fit(x, y, { validation_data = 3, verbose = 0 }) end },
  { "fit", "callbacks", function() local x, y = xy() compiled():fit(x, y, { callbacks = 3, verbose = 0 }) end },
  { "fit", "verbose", function() local x, y = xy() compiled():fit(x, y, { verbose = "loud" }) end },
  { "fit", "x", function() local _, y = xy() compiled():fit(ember.rand({ 8, 3 }):int(), y, { verbose = 0 }) end },
  { "fit", "compile", function() local x, y = xy() model():fit(x, y, { verbose = 0 }) end },
  { "evaluate", "x", function() compiled():evaluate("x", ember.zeros { 8, 1 }) end },
  { "evaluate", "batch_size", function() local x, y = xy() compiled():evaluate(x, y, { batch_size = -3, verbose = 0 }) end },
  { "predict", "x", function() compiled():predict(nil) end },
  { "predict", "x", function() compiled():predict(ember.rand { 4, 5 }) end },
  { "predict", "batch_size", function() compiled():predict(ember.rand { 4, 3 }, { batch_size = 0 }) end },
  { "train_on_batch", "y", function() compiled():train_on_batch(ember.rand { 4, 3 }, nil) end },
  { "train_on_batch", "y", function() compiled():train_on_batch(ember.rand { 4, 3 }, ember.zeros { 4, 2 }) end },
  { "fit_generator", "generator", function() compiled():fit_generator(nil, { steps_per_epoch = 1 }) end },
  { "fit_generator", "steps_per_epoch", function() compiled():fit_generator(function() return xy() end, { steps_per_epoch = -1 }) end },
  { "fit_generator", "steps_per_epoch", function() compiled():fit_generator(function() return xy() end, {}) end },
  { "save_weights", "path", function() compiled():save_weights(nil) end },
  { "save_weights", "no/such/m.npz", function() compiled():save_weights(dir .. "/no/such/m.npz") end },
  { "load_weights", "missing.npz", function() compiled():load_weights(dir .. "/missing.npz") end },
  { "load_weights", "path", function() compiled():load_weights(12) end },
  { "set_weights", "weights", function() compiled():set_weights { f2() } end },

  -- optimizers, losses, callbacks
  { "SGD", "lr", function() O.SGD { lr = -1 } end },
  { "SGD", "lr", function() O.SGD { lr = "fast" } end },
  { "SGD", "momentum", function() O.SGD { momentum = nan } end },
  { "SGD", "nesterov", function() O.SGD { nesterov = 1 } end },
  { "RMSprop", "rho", function() O.RMSprop { rho = 2 } end },
  { "RMSprop", "lr", function() O.RMSprop { lr = inf } end },
  { "Adam", "beta_1", function() O.Adam { beta_1 = 1 } end },
  { "Adam", "beta_2", function() O.Adam { beta_2 = -0.5 } end },
  { "Adam", "bogus", function() O.Adam { bogus = 1 } end },
  { "optimizers.get", "'adamax'", function() O.get("adamax") end },
  { "losses.get", "'hinge'", function() ember.losses.get("hinge") end },
  { "binary_crossentropy", "{3,1}", function() ember.losses.binary_crossentropy(ember.zeros { 2, 1 }, ember.zeros { 3, 1 }) end },
  { "mse", "y_true", function() ember.losses.mse(nil, ember.zeros { 2 }) end },
  { "categorical_crossentropy", "{2,4}", function() ember.losses.categorical_crossentropy(f2(), ember.zeros { 2, 4 }) end },
  { "EarlyStopping", "patience", function() C.EarlyStopping { patience = -1 } end },
  { "EarlyStopping", "mode", function() C.EarlyStopping { mode = "up" } end },
  { "EarlyStopping", "monitor", function() C.EarlyStopping { monitor = 3 } end },
  { "EarlyStopping", "options", function() C.EarlyStopping(5) end },
  { "EarlyStopping", "baseline", function() C.EarlyStopping { baseline = "high" } end },
  { "EarlyStopping", "baseline", function() C.EarlyStopping { baseline = nan } end },
  { "ModelCheckpoint", "filepath", function() C.ModelCheckpoint(nil) end },
  { "ModelCheckpoint", "monitor", function() C.ModelCheckpoint("w.npz", { monitor = {} }) end },
  { "ModelCheckpoint", "save_best_only", function() C.ModelCheckpoint("w.npz", { save_best_only = "yes" }) end },
  { "ModelCheckpoint", "period", function() C.ModelCheckpoint("w.npz", { period = 0 }) end },
  { "ModelCheckpoint", "save_weights_only", function() C.ModelCheckpoint("w.npz", { save_weights_only = false }) end },
  { "ModelCheckpoint", "save_weights_only", function() C.ModelCheckpoint { "w.npz", save_weights_only = false } end },
  { "ModelCheckpoint", "save_weights_only", function() C.ModelCheckpoint { filepath = "w.npz", save_weights_only = 1 } end },
  { "ModelCheckpoint", "filepath", function() C.ModelCheckpoint { "a.npz", filepath = "b.npz" } end },
  { "ModelCheckpoint", "filepath", function() C.ModelCheckpoint { monitor = "loss" } end },
  { "ModelCheckpoint", "filepath", function() C.ModelCheckpoint { 42, monitor = "loss" } end },

  -- preprocessing
  { "Tokenizer", "num_words", function() P.Tokenizer { num_words = -1 } end },
  { "Tokenizer", "num_words", function() P.Tokenizer { num_words = "many" } end },
  { "Tokenizer", "split", function() P.Tokenizer { split = "" } end },
  { "Tokenizer", "filters", function() P.Tokenizer { filters = "\255" } end },
  { "Tokenizer", "options", function() P.Tokenizer("x") end },
  { "Tokenizer", "oov_token", function() P.Tokenizer { oov_token = 5 } end },
  { "fit_on_texts", "texts", function() P.Tokenizer {}:fit_on_texts(nil) end },
  { "fit_on_texts", "texts", function() P.Tokenizer {}:fit_on_texts("one text") end },
  { "fit_on_texts", "texts", function() P.Tokenizer {}:fit_on_texts { "a", 3 } end },
  { "texts_to_sequences", "texts", function() tok():texts_to_sequences(nil) end },
  { "texts_to_sequences", "texts", function() tok():texts_to_sequences { {} } end },
  { "sequences_to_matrix", "mode", function() tok():texts_to_matrix({ "a" }, { mode = "onehot" }) end },
  { "texts_to_matrix", "texts", function() tok():texts_to_matrix(5) end },
  { "sequences_to_matrix", "sequences", function() tok():sequences_to_matrix("x") end },
  { "sequences_to_texts", "sequences", function() tok():sequences_to_texts(nil) end },
  { "sequences_to_texts", "sequences", function() tok():sequences_to_texts { { 1.5 } } end },
  { "sequences_to_texts", "sequences", function() tok():sequences_to_texts(ember.zeros { 1, 2 }) end },
  { "pad_sequences", "sequences", function() P.pad_sequences(nil) end },
  { "pad_sequences", "sequences", function() P.pad_sequences { { 1, "a" } } end },
  { "pad_sequences", "maxlen", function() P.pad_sequences(seqs(), { maxlen = -1 }) end },
  { "pad_sequences", "maxlen", function() P.pad_sequences(seqs(), { maxlen = 1e12 }) end },
  { "pad_sequences", "padding", function() P.pad_sequences(seqs(), { padding = "middle" }) end },
  { "pad_sequences", "truncating", function() P.pad_sequences(seqs(), { truncating = 1 }) end },
  { "pad_sequences", "value", function() P.pad_sequences(seqs(), { value = "zero" }) end },
  { "pad_sequences", "dtype", function() P.pad_sequences(seqs(), { dtype = "float64" }) end },
  { "one_hot", "n", function() P.one_hot("a b", 0) end },
  { "one_hot", "text", function() P.one_hot(nil, 10) end },
  { "one_hot", "n", function() P.one_hot("a b", nan) end },
  { "hashing_trick", "n", function() P.hashing_trick("a b", -5) end },
  { "hashing_trick", "text", function() P.hashing_trick({}, 5) end },
  { "text_to_word_sequence", "text", function() P.text_to_word_sequence(nil) end },
  { "text_to_word_sequence", "split", function() P.text_to_word_sequence("a b", { split = "" }) end },
  { "Sequences", "sequences", function() P.Sequences(3) end },
  { "Sequences", "sequences", function() P.Sequences { { 1, 2.5 } } end },
  { "Sequences", "index", function() seqs():get(0) end },
  { "Sequences", "index", function() seqs():get(99) end },
  { "sequences_from_flat", "offsets", function() ember.text.sequences_from_flat(i32s { 1, 2 }, i32s { 0, 3 }) end },
  { "sequences_from_flat", "offsets", function() ember.text.sequences_from_flat(i32s { 1, 2 }, i32s { 0, 2, 1, 2 }) end },
  { "sequences_from_flat", "offsets", function() ember.text.sequences_from_flat(i32s { 1, 2 }) end },
  { "sequences_from_flat", "values", function() ember.text.sequences_from_flat(ember.tensor { 1, 2 }, i32s { 0, 2 }) end },
  { "sequences_from_flat", "values", function() ember.text.sequences_from_flat(i2(), i32s { 0, 6 }) end },

  -- datasets
  { "imdb.load_data", "num_words", function() D.imdb.load_data { num_words = -10, path = dir } end },
  { "imdb.load_data", "options", function() D.imdb.load_data(7) end },
  { "imdb.load_data", "path", function() D.imdb.load_data { path = dir .. "/nowhere" } end },
  { "imdb.load_data", "bogus", function() D.imdb.load_data { bogus = 1 } end },
  { "imdb.load_raw", "subset", function() D.imdb.load_raw { subset = "validation", path = dir } end },
  { "imdb.load_raw", "path", function() D.imdb.load_raw { path = 5 } end },
  { "glove.load", "path", function() D.glove.load(5) end },
  { "glove.load", "missing.txt", function() D.glove.load(dir .. "/missing.txt") end },
  { "glove.embedding_matrix", "index", function() D.glove.embedding_matrix({}, {}, 10) end },
  { "jena_climate.load", "none.csv", function() D.jena_climate.load { path = dir .. "/none.csv" } end },
  { "jena_climate.load", "options", function() D.jena_climate.load(3) end },
  { "set_data_dir", "dir", function() D.set_data_dir(42) end },
  { "parse_args", "'--data'", function() D.parse_args { "--data" } end },
  { "parse_args", "'--data'", function() D.parse_args { "--epochs", "3", "--data", "" } end },
  { "parse_args", "'--data'", function() D.parse_args { "--data", 7 } end },
  { "parse_args", "args", function() D.parse_args("--data") end },

  -- data
  { "timeseries_generator", "data", function() ember.data.timeseries_generator(nil, { lookback = 2 }) end },
  { "timeseries_generator", "data", function() ember.data.timeseries_generator(ember.zeros { 10 }, { lookback = 2, delay = 1 }) end },
  { "timeseries_generator", "lookback", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { lookback = -2, delay = 1 }) end },
  { "timeseries_generator", "delay", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { lookback = 2, delay = "x" }) end },
  { "timeseries_generator", "step", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { lookback = 2, delay = 1, step = 0 }) end },
  { "timeseries_generator", "batch_size", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { lookback = 2, delay = 1, batch_size = -1 }) end },
  { "timeseries_generator", "target_column", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { lookback = 2, delay = 1, target_column = 3 }) end },
  { "timeseries_generator", "max_index", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { lookback = 2, delay = 1, max_index = 100 }) end },
  { "timeseries_generator", "min_index", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { lookback = 2, delay = 1, min_index = nan }) end },
  { "timeseries_generator", "wat", function() ember.data.timeseries_generator(ember.zeros { 10, 2 }, { wat = 1 }) end },

  -- io, fs
  { "read_csv", "path", function() ember.io.read_csv(nil) end },
  { "fs.read", "none.csv", function() ember.io.read_csv(dir .. "/none.csv") end },
  { "read_csv", "skip_columns", function() ember.io.read_csv(jena_csv(), { skip_columns = -1 }) end },
  { "read_csv", "dtype", function() ember.io.read_csv(jena_csv(), { dtype = "uint8" }) end },
  { "read_csv", "header", function() ember.io.read_csv(jena_csv(), { header = "yes" }) end },
  { "read_csv", "options", function() ember.io.read_csv(jena_csv(), 4) end },
  { "listdir", "path", function() ember.fs.listdir(nil) end },
  { "listdir", "nothing", function() ember.fs.listdir(dir .. "/nothing") end },
  { "read", "path", function() ember.fs.read(3) end },
  { "read", "nothing.txt", function() ember.fs.read(dir .. "/nothing.txt") end },
  { "read", "is a folder", function() ember.fs.read(dir) end },
  { "exists", "path", function() ember.fs.exists(nil) end },
  { "isdir", "path", function() ember.fs.isdir({}) end },
  { "isfile", "path", function() ember.fs.isfile(true) end },
  { "mtime", "path", function() ember.fs.mtime(nil) end },
  { "fs.join", "'part' 2", function() ember.fs.join("a", 3) end },
  { "fs.join", "'part' 1", function() ember.fs.join(nil, "b") end },

  -- plot
  { "plot.history", "history", function() ember.plot.history(nil, { file = dir .. "/h.png" }) end },
  { "plot.history", "metrics", function() ember.plot.history({ history = { loss = { 1, 2 } } }, { metrics = { "acc" }, file = dir .. "/h.png" }) end },
  { "plot.history", "file", function() ember.plot.history({ history = { loss = { 1, 2 } } }, { file = 3 }) end },
  { "plot.line", "y", function() ember.plot.line { x = { 1, 2 }, file = dir .. "/l.png" } end },
  { "plot.line", "x", function() ember.plot.line { x = { 1, 2, 3 }, y = { 1, 2 }, file = dir .. "/l.png" } end },
  { "plot.line", "y", function() ember.plot.line { y = { 1, "a" }, file = dir .. "/l.png" } end },
  { "plot.line", "file", function() ember.plot.line { y = { 1, 2 }, file = dir .. "/l.bmp" } end },
  { "plot.line", "file", function() ember.plot.line { y = { 1, 2 }, file = dir .. "/no/such/l.png" } end },
  { "plot.line", "y", function() ember.plot.line { y = {}, file = dir .. "/l.png" } end },
}

describe("API misuse", function()
  teardown(function() os.execute("rm -rf " .. dir) end)

  it("has at least 150 distinct bad calls", function()
    assert.is_true(#cases >= 150, "only " .. #cases .. " cases")
  end)

  for i, case in ipairs(cases) do
    local fn, arg, call = case[1], case[2], case[3]
    it(("#%d %s: bad '%s' raises an error naming both"):format(i, fn, arg), function()
      local ok, err = pcall(call)
      assert.is_false(ok, ("%s: call #%d succeeded"):format(fn, i))
      assert.is_string(err, ("%s: error is a %s, not a message"):format(fn, type(err)))
      local short = fn:match("[^.]+$")
      assert.is_truthy(err:find(fn, 1, true) or err:find(short, 1, true),
        ("message does not name the function %s: %s"):format(fn, err))
      assert.is_truthy(err:find(arg, 1, true), ("message does not name '%s': %s"):format(arg, err))
    end)
  end

  it("the REPL survives bad calls and exits 0", function()
    local script = dir .. "/repl_input.lua"
    local f = assert(io.open(script, "w"))
    f:write([[
ember.zeros{-1}
ember.tensor("abc")
ember.layers.Dense(-4)
ember.zeros{2,3}:reshape{4}
ember.Sequential():add(nil)
ember.fs.read(3)
ember.preprocessing.pad_sequences(nil)
ember.load("/nonexistent/x.npy")
ember.zeros{1e6,1e6}
error("plain error")
print("survived", 6 * 7)
]])
    f:close()
    local interpreter = arg and arg[-1] or "./ember"
    local out = io.popen(("%s < %s 2>&1; echo EXIT=$?"):format(interpreter, script))
    local text = out:read("a")
    out:close()
    assert.matches("survived\t42", text, 1, true)
    assert.matches("EXIT=0", text, 1, true)
    assert.matches("zeros", text, 1, true)
    assert.matches("Dense", text, 1, true)
  end)
end)

