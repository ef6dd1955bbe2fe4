-- luarocks --lua-version 5.4 make [--tree DIR | --local]
-- builds ember.so from this working tree with the Makefile (`make module`)
-- and installs it where that tree's Lua modules go; then, from lua5.4,
-- `local ember = require "ember"`.  The Debian packages the build needs are
-- in vendor/packages.txt (`make deps` installs the missing ones).
rockspec_format = "3.0"
package = "ember"
version = "scm-1"
source = {
  -- `luarocks make` builds the checked-out tree and never fetches this.
  url = "git+file://./",
}
description = {
  summary = "A deep-learning engine in C with Keras's API in Lua",
  detailed = [[
Tensors, layers (Dense, Embedding, SimpleRNN, LSTM, GRU, Bidirectional,
Conv1D), optimizers, losses, Sequential models with compile/fit/evaluate,
text and data pipelines, plots: the library of the `ember` host as a Lua 5.4
C module.]],
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
build = {
  type = "make",
  build_target = "module",
  build_variables = {
    LUA_INCDIR = "$(LUA_INCDIR)",
  },
  install_target = "install-module",
  install_variables = {
    LUA_CMOD_DIR = "$(LIBDIR)",
  },
}
