-- The ember library table: the C core (tensors, layers, optimizers, text,
-- data) plus the Keras-shaped Lua half.  Each area lives in its own module;
-- this file only assembles them.
local core = require "ember.core"

local ember = {}
for k, v in pairs(core) do ember[k] = v end
ember.core = core
ember.version = "0.1.0"

ember.layers = require "ember.layers"
local models = require "ember.models"
ember.Sequential = models.Sequential
ember.models = models
ember.optimizers = require "ember.optimizers"
ember.regularizers = require "ember.regularizers"
ember.initializers = require "ember.initializers"
ember.losses = require "ember.losses"
ember.callbacks = require "ember.callbacks"
ember.preprocessing = require "ember.preprocessing"
ember.Sequences = ember.preprocessing.Sequences
ember.datasets = require "ember.datasets"
ember.data = require "ember.data"
ember.io = require "ember.io"
ember.fs = require "ember.fs"
ember.plot = require "ember.plot"
local help = require "ember.help"
ember.help = help.help
ember.help_text = function(x) return help.help_text(x, "help_text") end

return ember
