-- A regression on a CSV table with a text column: predict one numeric
-- column from the others.  Text columns (here, a city) are one-hot encoded,
-- numeric columns standardized with the training part's mean and std, a
-- small Dense network is trained, each epoch is logged to a CSV file, and
-- the weights are saved.
--
--   ./ember scripts/examples/csv_regression.lua houses.csv price [out_dir] [epochs]
--
-- Writes <out_dir>/training_log.csv (CSVLogger) and <out_dir>/weights.npz.
local L, U = ember.layers, ember.utils

local path, target, out_dir, epochs = arg[1], arg[2], arg[3] or ".", tonumber(arg[4] or "40")
if not path or not target then
  io.stderr:write("usage: csv_regression.lua FILE.csv TARGET_COLUMN [OUT_DIR] [EPOCHS]\n")
  os.exit(2)
end
ember.seed(1)

-- header: every name; data: the numeric columns (names in `columns`);
-- text: name -> list of strings, for each column that is not numeric.
local _, data, text, columns = ember.io.read_csv(path)
if data:ne(data):sum() > 0 then error("the table has empty fields (read as NaN): fill or drop them first") end

-- The target column and the numeric features.
local target_col
for j, name in ipairs(columns) do if name == target then target_col = j end end
if not target_col then error(("no numeric column '%s' (numeric columns: %s)"):format(target, table.concat(columns, ", "))) end
local n = data:size(1)
local y = data[{ {}, { target_col } }]:contiguous()
local parts = {}
for j = 1, #columns do
  if j ~= target_col then parts[#parts + 1] = data[{ {}, { j } }] end
end

-- Each text column: its distinct values (sorted) as 0-based class ids, then one-hot.
local names = {}
for name in pairs(text) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  local values, ids, vocab = text[name], {}, {}
  for _, v in ipairs(values) do vocab[v] = true end
  local sorted = {}
  for v in pairs(vocab) do sorted[#sorted + 1] = v end
  table.sort(sorted)
  local id_of = {}
  for i, v in ipairs(sorted) do id_of[v] = i - 1 end
  for i, v in ipairs(values) do ids[i] = id_of[v] end
  print(("text column '%s': %d values (%s) one-hot encoded"):format(name, #sorted, table.concat(sorted, ", ")))
  parts[#parts + 1] = U.to_categorical(ids, #sorted)
end
local x = ember.cat(parts, 2)
print(("%d rows, %d features"):format(n, x:size(2)))

-- Train / test split, then standardize with the training part's statistics.
local x_train, x_test, y_train, y_test = U.train_test_split(x, y, { test_size = 0.2, seed = 42 })
local mean, std = x_train:mean(1), x_train:std(1) + 1e-6
x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
local y_mean, y_std = y_train:mean(), y_train:std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std

local model = ember.Sequential {
  L.Dense(32, { activation = "relu", input_shape = { x:size(2) } }),
  L.Dense(16, { activation = "relu" }),
  L.Dense(1),
}
model:compile { optimizer = ember.optimizers.Adam { lr = 0.01 }, loss = "mse", metrics = { "mae" } }

local log_path = ember.fs.join(out_dir, "training_log.csv")
local history = model:fit(x_train, y_train, {
  epochs = epochs, batch_size = 16, verbose = 0, validation_split = 0.1,
  -- ReduceLROnPlateau first: it adds "lr" to the logs that CSVLogger then writes
  callbacks = { ember.callbacks.ReduceLROnPlateau { monitor = "val_loss", factor = 0.5, patience = 5 },
    ember.callbacks.CSVLogger(log_path) },
})
for e = 1, #history.history.loss, math.max(1, #history.history.loss // 8) do
  print(("epoch %3d  loss %.4f  val_loss %.4f"):format(e, history.history.loss[e], history.history.val_loss[e]))
end
print(("final   loss %.4f"):format(history.history.loss[#history.history.loss]))

local test_loss, test_metrics = model:evaluate(x_test, y_test, { verbose = 0 })
print(("test mse %.4f, test mae %.2f (in the target's units)"):format(test_loss,
  test_metrics.mean_absolute_error * y_std))
local weights_path = ember.fs.join(out_dir, "weights.npz")
model:save_weights(weights_path)
print("wrote " .. log_path .. " and " .. weights_path)
