-- ember.layers: every layer constructor, gathered from the area modules.
--- @api ember.layers
--- Keras layer constructors. Every layer also takes these options:
--- @opt input_shape: shape without the batch dimension, e.g. {ember.None, 14}
--- @opt batch_input_shape: shape with the batch dimension
--- @opt batch_size: with input_shape, the batch dimension (batch_input_shape = {batch_size, ...}), for stateful layers
--- @opt name: the layer's name (default: type_N, as Keras)
--- @opt trainable = true: whether fit updates its weights

local layers = {}
for _, area in ipairs { "ember.layers.core", "ember.layers.recurrent", "ember.layers.conv", "ember.layers.normalization",
  "ember.layers.merge" } do
  for name, constructor in pairs(require(area)) do layers[name] = constructor end
end
return layers
