-- The ember library table: the C core (tensors, layers, optimizers, text,
-- data) plus the Keras-shaped Lua half.  Each area lives in its own module;
-- this file only assembles them.
local core = require "ember.core"

-- The core's halves of Lua-half functions stay under ember.core only: dist
-- is public as ember.distributed, net and h5_* are reached through
-- ember.utils.get_file and save_weights / load_weights.
local CORE_ONLY = { dist = true, net = true, h5_load = true, h5_save = true, json_decode = true }

local ember = {}
for k, v in pairs(core) do
  if not CORE_ONLY[k] then ember[k] = v end
end
ember.core = core
ember.version = "0.1.0"

ember.layers = require "ember.layers"
local models = require "ember.models"
ember.Sequential = models.Sequential
ember.models = models
ember.model_from_json = models.model_from_json
ember.load_model = models.load_model
ember.Model = models.Model    -- the functional API (ember.functional)
ember.Input = models.Input
ember.is_symbolic = require("ember.functional").is_symbolic
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
ember.json = require "ember.json"
ember.utils = require "ember.utils"
ember.permutation = ember.utils.permutation
ember.fs = require "ember.fs"
ember.plot = require "ember.plot"
local help = require "ember.help"
ember.help = help.help
ember.help_text = function(x) return help.help_text(x, "help_text") end
ember.distributed = core.dist  -- rank, size, allreduce, ... (bindings/lua_distributed.c)

return ember
