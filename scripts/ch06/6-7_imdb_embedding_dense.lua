-- Listings 6-6 and 6-7: IMDB reviews cut to their last 20 words, an
-- Embedding learned from scratch, flattened, and one sigmoid unit.
-- The book reaches about 75% validation accuracy.
local layers = ember.layers

local max_features = 10000  -- words kept as features
local maxlen = 20           -- cut reviews after this many words

local imdb = ember.datasets.imdb
local pad_sequences = ember.preprocessing.pad_sequences
if not (imdb and imdb.load_data) or not pad_sequences then
  error("listing 6-7 needs ember.datasets.imdb.load_data and ember.preprocessing.pad_sequences, "
    .. "which this build does not have yet", 0)
end

local x_train, y_train, x_test, y_test = imdb.load_data{num_words = max_features}
x_train = pad_sequences(x_train, {maxlen = maxlen})
x_test = pad_sequences(x_test, {maxlen = maxlen})

local model = ember.Sequential()
model:add(layers.Embedding(10000, 8, {input_length = maxlen}))
model:add(layers.Flatten())
model:add(layers.Dense(1, {activation = "sigmoid"}))
model:compile{optimizer = "rmsprop", loss = "binary_crossentropy", metrics = {"acc"}}
model:summary()

local history = model:fit(x_train, y_train, {epochs = 10, batch_size = 32, validation_split = 0.2})
print(("final val_acc: %.4f"):format(history.history.val_acc[#history.history.val_acc]))
