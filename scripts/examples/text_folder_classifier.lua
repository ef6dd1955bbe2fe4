-- A classifier over a folder of .txt files, one subfolder per class (as
-- aclImdb/train/{neg,pos}): the words are indexed by a Tokenizer, each text
-- becomes maxlen word ids, and an Embedding + GlobalAveragePooling1D +
-- Dense(softmax) model learns the classes (0-based ids, in the sorted order
-- of the subfolder names).  The folder may be inside a .zip.
--
--   ./ember scripts/examples/text_folder_classifier.lua texts/ [out_dir] [epochs]
--
-- Writes <out_dir>/training_log.csv (CSVLogger) and <out_dir>/weights.npz.
local L, U, P, fs = ember.layers, ember.utils, ember.preprocessing, ember.fs

local root, out_dir, epochs = arg[1], arg[2] or ".", tonumber(arg[3] or "20")
if not root then
  io.stderr:write("usage: text_folder_classifier.lua FOLDER [OUT_DIR] [EPOCHS]\n")
  os.exit(2)
end
ember.seed(1)
local max_words, maxlen, embedding_dim = 2000, 60, 16

-- The classes: the subfolders, sorted; the texts and their 0-based class ids.
local classes = {}
for _, name in ipairs(fs.listdir(root)) do
  if fs.isdir(fs.join(root, name)) then classes[#classes + 1] = name end
end
if #classes < 2 then error(("%s: expected one subfolder per class (at least 2), found %d"):format(root, #classes)) end
local texts, labels = {}, {}
for id, class in ipairs(classes) do
  local dir = fs.join(root, class)
  for _, name in ipairs(fs.listdir(dir)) do
    if name:sub(-4) == ".txt" then
      texts[#texts + 1] = fs.read(fs.join(dir, name))
      labels[#labels + 1] = id - 1  -- sparse targets are 0-based class ids, as Keras
    end
  end
end
print(("%d texts in %d classes (%s)"):format(#texts, #classes, table.concat(classes, ", ")))

local tokenizer = P.Tokenizer { num_words = max_words }
tokenizer:fit_on_texts(texts)
local x = P.pad_sequences(tokenizer:texts_to_sequences(texts), { maxlen = maxlen })
local y = ember.tensor(labels, { dtype = "int32" })
local x_train, x_test, y_train, y_test = U.train_test_split(x, y, { test_size = 0.25, seed = 7 })

local model = ember.Sequential {
  L.Embedding(max_words, embedding_dim, { input_length = maxlen }),
  L.GlobalAveragePooling1D(),
  L.Dense(16, { activation = "relu" }),
  L.Dense(#classes, { activation = "softmax" }),
}
model:compile { optimizer = ember.optimizers.RMSprop { lr = 0.01 }, loss = "sparse_categorical_crossentropy", metrics = { "acc" } }

local log_path = fs.join(out_dir, "training_log.csv")
local history = model:fit(x_train, y_train, { epochs = epochs, batch_size = 16, verbose = 0, validation_split = 0.2,
  callbacks = { ember.callbacks.CSVLogger(log_path) } })
for e = 1, #history.history.loss do
  print(("epoch %3d  loss %.4f  acc %.3f  val_loss %.4f  val_acc %.3f"):format(e, history.history.loss[e],
    history.history.acc[e], history.history.val_loss[e], history.history.val_acc[e]))
end

local test_loss, test_metrics = model:evaluate(x_test, y_test, { verbose = 0 })
print(("test loss %.4f, test acc %.3f"):format(test_loss, test_metrics.acc))
-- argmax gives 1-based positions (Lua); minus 1 they are the 0-based class ids
local predicted = (model:predict(x_test):argmax(2) - 1):totable()
print(("first test text: predicted '%s', true '%s'"):format(classes[predicted[1] + 1], classes[y_test:get(1) + 1]))
local weights_path = fs.join(out_dir, "weights.npz")
model:save_weights(weights_path)
print("wrote " .. log_path .. " and " .. weights_path)
