-- Listings 7-1 and 7-2: a two-input question-answering model built with the
-- functional API (Deep Learning with Python, section 7.1.2).  A text and a
-- question, each encoded by Embedding + LSTM, are concatenated and a
-- softmax over the answer vocabulary predicts a one-word answer.  Trained
-- on randomly generated data, as the book does, first with a list of
-- inputs, then with a table by input name.
--
-- One change from the book: its answers are np.random.randint(0, 1, ...),
-- all zeros, so the categorical crossentropy is 0 from the start and
-- nothing is learned; here each sample's answer is a random one-hot word.
-- (The book also swaps Embedding's arguments; Keras's order is
-- Embedding(input_dim = vocabulary, output_dim).)
-- Usage: ember scripts/ch07/7-1_question_answering.lua [--quick] [--epochs N] [--samples N] [--seed N]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
local opts = dofile(here .. "/args.lua").parse(arg, { epochs = 10, samples = 1000, seed = 7 })
if opts.quick then opts.epochs, opts.samples = math.min(opts.epochs, 3), math.min(opts.samples, 128) end

local layers = ember.layers
ember.seed(opts.seed)

-- Listing 7-1
local text_vocabulary_size = 10000
local question_vocabulary_size = 10000
local answer_vocabulary_size = 500

local text_input = ember.Input { shape = { ember.None }, dtype = "int32", name = "text" }
local embedded_text = layers.Embedding(text_vocabulary_size, 64)(text_input)
local encoded_text = layers.LSTM(32)(embedded_text)

local question_input = ember.Input { shape = { ember.None }, dtype = "int32", name = "question" }
local embedded_question = layers.Embedding(question_vocabulary_size, 32)(question_input)
local encoded_question = layers.LSTM(16)(embedded_question)

local concatenated = layers.concatenate({ encoded_text, encoded_question }, { axis = -1 })
local answer = layers.Dense(answer_vocabulary_size, { activation = "softmax" })(concatenated)

local model = ember.Model { inputs = { text_input, question_input }, outputs = answer }
model:compile { optimizer = "rmsprop", loss = "categorical_crossentropy", metrics = { "acc" } }
model:summary()

-- Listing 7-2
local num_samples = opts.samples
local max_length = opts.quick and 20 or 100
local text = ember.randint(1, text_vocabulary_size - 1, { num_samples, max_length })
local question = ember.randint(1, question_vocabulary_size - 1, { num_samples, max_length })
local answers = ember.utils.to_categorical(ember.randint(0, answer_vocabulary_size - 1, { num_samples }),
  answer_vocabulary_size)

local h1 = model:fit({ text, question }, answers, { epochs = opts.epochs, batch_size = 128 })
local h2 = model:fit({ text = text, question = question }, answers, { epochs = opts.epochs, batch_size = 128 })

local function list(v)
  local out = {}
  for i, x in ipairs(v) do out[i] = ("%.4f"):format(x) end
  return table.concat(out, " ")
end
print("loss (inputs as a list):          " .. list(h1.history.loss))
print("loss (inputs as a table by name): " .. list(h2.history.loss))
