-- ember.utils: Keras's keras.utils and scikit-learn's helpers, assembled
-- from one module per concern:
--   ember.get_file       get_file, cache_dir (downloads, verified, cached)
--   ember.data_helpers   to_categorical, permutation, train_test_split
local utils = {}
for _, name in ipairs { "ember.get_file", "ember.data_helpers" } do
  for k, v in pairs(require(name)) do
    assert(utils[k] == nil, "ember.utils: two modules define " .. k)
    utils[k] = v
  end
end
return utils
