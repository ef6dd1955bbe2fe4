-- Listings 7-3, 7-4 and 7-5: a three-output model built with the functional
-- API (Deep Learning with Python, section 7.1.3).  From a social-media
-- user's posts it predicts the age (regression, mse), the income group
-- (10 classes, categorical_crossentropy) and the gender (binary,
-- binary_crossentropy).  Listing 7-4 compiles with one loss per output;
-- listing 7-5 (the default) adds loss_weights {age = 0.25, income = 1,
-- gender = 10}, so that the age's large mse does not dominate.
--
-- The book gives no data for this model; as for listing 7-2, it is
-- generated here: each user has a hidden profile (0..9) whose posts draw
-- most of their words from that profile's band of the vocabulary, and the
-- targets follow the profile (income group = profile, gender = profile
-- odd, age = 20 + 4 * profile plus noise), so there is something to learn.
-- The layers are the book's (Embedding, five Conv1D, two MaxPooling1D,
-- GlobalMaxPooling1D, Dense 128, three heads) with narrower sizes so that
-- a run takes seconds: vocabulary 5,000 (book: 50,000), embedding 64
-- (256), convolutions 32/64 filters (128/256).
-- Usage: ember scripts/ch07/7-3_multi_output.lua [--listing 7-4|7-5] [--quick] [--epochs N] [--samples N] [--seed N]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
local opts = dofile(here .. "/args.lua").parse(arg, { epochs = 10, samples = 1000, seed = 3, listing = "7-5" })
if opts.listing ~= "7-4" and opts.listing ~= "7-5" then
  error(("--listing expects 7-4 or 7-5, got %s"):format(tostring(opts.listing)), 0)
end
if opts.quick then opts.epochs, opts.samples = math.min(opts.epochs, 4), math.min(opts.samples, 256) end

local layers = ember.layers
ember.seed(opts.seed)

-- Listing 7-3
local vocabulary_size = 5000
local num_income_groups = 10

local posts_input = ember.Input { shape = { ember.None }, dtype = "int32", name = "posts" }
local embedded_posts = layers.Embedding(vocabulary_size, 64)(posts_input)
local x = layers.Conv1D(32, 5, { activation = "relu" })(embedded_posts)
x = layers.MaxPooling1D(5)(x)
x = layers.Conv1D(64, 5, { activation = "relu" })(x)
x = layers.Conv1D(64, 5, { activation = "relu" })(x)
x = layers.MaxPooling1D(5)(x)
x = layers.Conv1D(64, 5, { activation = "relu" })(x)
x = layers.Conv1D(64, 5, { activation = "relu" })(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(128, { activation = "relu" })(x)

local age_prediction = layers.Dense(1, { name = "age" })(x)
local income_prediction = layers.Dense(num_income_groups, { activation = "softmax", name = "income" })(x)
local gender_prediction = layers.Dense(1, { activation = "sigmoid", name = "gender" })(x)

local model = ember.Model { inputs = posts_input, outputs = { age_prediction, income_prediction, gender_prediction } }

if opts.listing == "7-4" then
  -- Listing 7-4: one loss per output, as a list (or a table by output name)
  model:compile { optimizer = "rmsprop", loss = { "mse", "categorical_crossentropy", "binary_crossentropy" } }
else
  -- Listing 7-5: loss weighting
  model:compile { optimizer = "rmsprop",
    loss = { age = "mse", income = "categorical_crossentropy", gender = "binary_crossentropy" },
    loss_weights = { age = 0.25, income = 1, gender = 10 },
    metrics = { income = { "acc" }, gender = { "acc" } } }
end
model:summary()

-- Generated data (see above): posts of 300 words.
local num_samples, length = opts.samples, 300
local band = vocabulary_size // num_income_groups
local posts, ages, income, gender = {}, {}, {}, {}
local profiles = ember.randint(0, num_income_groups - 1, { num_samples }):totable()
local words = ember.randint(1, vocabulary_size - 1, { num_samples, length }):totable()
local own = ember.randint(0, band - 1, { num_samples, length }):totable()
local coin = ember.rand { num_samples, length }:totable()
local noise = ember.randn { num_samples }:totable()
for i = 1, num_samples do
  local p = profiles[i]
  local row = {}
  for t = 1, length do row[t] = coin[i][t] < 0.5 and math.max(1, p * band + own[i][t]) or words[i][t] end
  posts[i] = row
  ages[i] = { 20 + 4 * p + 2 * noise[i] }
  gender[i] = { p % 2 }
end
local posts_t = ember.tensor(posts):int()
local age_targets = ember.tensor(ages)
local income_targets = ember.utils.to_categorical(ember.tensor(profiles):int(), num_income_groups)
local gender_targets = ember.tensor(gender)

local history = model:fit(posts_t, { age_targets, income_targets, gender_targets },
  { epochs = opts.epochs, batch_size = 64 })

for _, key in ipairs { "loss", "age_loss", "income_loss", "gender_loss" } do
  local first, last = history.history[key][1], history.history[key][#history.history[key]]
  print(("%-12s first epoch %.4f, last epoch %.4f"):format(key, first, last))
end
