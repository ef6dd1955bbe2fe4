-- Reliability, round two (issue 14), class 3: every archive member read is
-- checked against its CRC-32, so one flipped byte is an error naming the
-- file and the member (before: a damaged .npz loaded silently).
local function flip_in(path, pattern)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  local at = assert(s:find(pattern, 1, true), "pattern not found")
  local damaged = s:sub(1, at + 5) .. string.char(s:byte(at + 6) ~ 0x01) .. s:sub(at + 7)
  f = assert(io.open(path, "wb"))
  f:write(damaged)
  f:close()
end

describe("archive checksums", function()
  it("ember.load refuses an .npz member whose bytes changed", function()
    local path = os.tmpname() .. ".npz"
    finally(function() os.remove(path) end)
    ember.save(path, { w = ember.full({ 256 }, 1.5), b = ember.full({ 4 }, 2) })
    assert.equal(1.5, ember.load(path).w:max())
    flip_in(path, string.pack("<f", 1.5):rep(4))
    local ok, err = pcall(ember.load, path)
    assert.is_false(ok)
    assert.matches("member 'w.npy': damaged member, its CRC%-32 checksum does not match", err)
    assert.truthy(tostring(err):find(path, 1, true))
  end)

  it("load_weights refuses a damaged weights file and leaves the weights as they were", function()
    local path = os.tmpname() .. ".npz"
    finally(function() os.remove(path) end)
    ember.seed(1)
    local m = ember.Sequential { ember.layers.Dense(64, { input_dim = 8 }) }
    m:save_weights(path)
    local k = m:get_weights()[1]
    flip_in(path, string.pack("<ffff", k:get(1, 1), k:get(1, 2), k:get(1, 3), k:get(1, 4)))
    m:set_weights { ember.zeros { 8, 64 }, ember.zeros { 64 } }
    local ok, err = pcall(m.load_weights, m, path)
    assert.is_false(ok)
    assert.matches("CRC%-32", tostring(err))
    assert.equal(0, m:get_weights()[1]:abs():max())  -- nothing half-applied
  end)
end)

describe("an .npz with two members of the same name", function()
  it("is refused saying so (before: libzip's 'File already exists')", function()
    local ok, err = pcall(ember.load, "specs/fixtures/duplicate_member.npz")
    assert.is_false(ok)
    assert.matches("not a readable .npz archive %(two members have the same name%)", err)
  end)
end)
