-- ember.fs: listdir / read / exists on folders and on zip members alike:
--   ember.fs.listdir("datasets/aclImdb.zip/aclImdb/train/pos")
-- (C side: engine/io/zipfs.c; archives are read in place, never extracted.)
local core = require "ember.core"

local fs = {}
for k, v in pairs(core.fs) do fs[k] = v end

-- fs.join("a", "b", "c") -> "a/b/c" (like os.path.join, for the listings).
-- Every argument is a path part; a bad one is named as "argument 'part' N",
-- with what it got as the C fs functions say it ("got 3", "got nil").
local function describe(v)
  if type(v) == "number" then return v ~= v and "NaN" or tostring(v) end
  if core.is_tensor(v) then return v.dtype .. " tensor" end
  return type(v)
end

--- @api ember.fs.join(...) -> string
--- Joins path parts with "/".
--- @arg ...: strings

function fs.join(...)
  local parts = table.pack(...)
  local out = nil
  for i = 1, parts.n do
    local p = parts[i]
    if type(p) ~= "string" then
      error(("fs.join: argument 'part' %d expected a string, got %s"):format(i, describe(p)), 2)
    end
    if out == nil or p:sub(1, 1) == "/" then out = p
    elseif out == "" or out:sub(-1) == "/" then out = out .. p
    else out = out .. "/" .. p end
  end
  return out or ""
end

return fs
