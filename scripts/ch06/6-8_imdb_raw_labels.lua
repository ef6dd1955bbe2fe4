-- Listing 6-8: the raw IMDB training reviews and their labels, read the
-- book's way by walking the folders -- here inside aclImdb.zip, unextracted.
-- Usage: ember scripts/ch06/6-8_imdb_raw_labels.lua [--data DIR]
ember.datasets.parse_args(arg)
local fs = ember.fs

local imdb_dir = ember.datasets.imdb.find()  -- datasets/aclImdb or datasets/aclImdb.zip/aclImdb
local train_dir = fs.join(imdb_dir, "train")

local labels, texts = {}, {}
for _, label_type in ipairs { "neg", "pos" } do
  local dir_name = fs.join(train_dir, label_type)
  for _, fname in ipairs(fs.listdir(dir_name)) do
    if fname:sub(-4) == ".txt" then
      texts[#texts + 1] = fs.read(fs.join(dir_name, fname))
      labels[#labels + 1] = label_type == "neg" and 0 or 1
    end
  end
end

local positives = 0
for _, l in ipairs(labels) do positives = positives + l end
print(("%d texts from %s: %d negative, %d positive"):format(#texts, train_dir, #texts - positives, positives))
print("first review: " .. texts[1]:sub(1, 120) .. "...")
