-- ember.layers: every layer constructor, gathered from the area modules.
local layers = {}
for _, area in ipairs { "ember.layers.core", "ember.layers.recurrent", "ember.layers.conv" } do
  for name, constructor in pairs(require(area)) do layers[name] = constructor end
end
return layers
