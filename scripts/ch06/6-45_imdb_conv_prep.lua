-- Listing 6-45: preparing the IMDB data for the 1D convnet of 6-46
-- (10,000 words, reviews cut to their last 500 words).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"

local run = ch06.setup("6-45")
local max_features = 10000
local max_len = 500
local x_train, y_train, x_test, y_test = ch06.imdb(run, { max_features = max_features, maxlen = max_len })
print(("y_train: %d labels, %d positive"):format(y_train:size(1), y_train:sum()))
