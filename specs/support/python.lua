-- A Python for the specs' optional references (numpy files, PyTorch and
-- h5py outputs): never a dependency of Ember, and a spec that needs one is
-- pending without it.
--   local py = require("support.python").with("torch", "numpy")   -- or nil
-- The plain python3 on PATH first, then Debian's /usr/bin/python3 (where
-- python3-numpy, python3-torch and python3-h5py install their modules; a
-- pyenv or venv python3 on PATH may lack them).  Answers are cached.
local M = {}
local cache = {}

function M.with(...)
  local modules = table.concat({ ... }, ", ")
  if cache[modules] == nil then
    cache[modules] = false
    for _, py in ipairs { "python3", "/usr/bin/python3" } do
      if os.execute(("%s -c 'import %s' >/dev/null 2>&1"):format(py, modules)) then
        cache[modules] = py
        break
      end
    end
  end
  return cache[modules] or nil
end

return M
