-- Reliability, round two (issue 14), class 9: memory stays bounded on
-- hostile input.  An .npz member's size must be what its header's shape
-- needs, and fit in memory, before it is inflated; ember.fs.read of a
-- device that never ends stops at 1 GiB; a layer whose parameters and their
-- gradients together exceed physical memory is refused at build (before:
-- each allocation was checked alone, so 2 x 60 % passed).
local function physical_memory()
  local f = io.open("/proc/meminfo")
  if not f then return nil end
  local kb = f:read("a"):match("MemTotal:%s*(%d+)")
  f:close()
  return kb and tonumber(kb) * 1024
end

describe("bounded memory", function()
  it("checks an .npz member's size against its header's shape before inflating it", function()
    local p = os.tmpname() .. ".npz"
    finally(function() os.remove(p) end)
    ember.save(p, { w = ember.full({ 1000 }, 1) })
    local f = assert(io.open(p, "rb"))
    local s = f:read("a"):gsub("%(1000,%)", "(9000,)")  -- same length: the header now claims 9x the data
    f:close()
    f = assert(io.open(p, "wb"))
    f:write(s)
    f:close()
    local ok, err = pcall(ember.load, p)
    assert.is_false(ok)
    assert.matches("member 'w.npy': the member holds %d+ bytes but its header's shape needs %d+", err)
  end)

  it("stops reading a device that never ends", function()
    local f = io.open("/dev/zero", "rb")
    if not f then
      pending("no /dev/zero")
      return
    end
    f:close()
    local ok, err = pcall(ember.fs.read, "/dev/zero")
    assert.is_false(ok)
    assert.matches("fs.read: '/dev/zero' is not a regular file and gave more than 1024 MiB", err)
  end)

  it("refuses a layer whose parameters and gradients together exceed physical memory", function()
    local phys = physical_memory()
    if not phys then
      pending("no /proc/meminfo")
      return
    end
    local n = math.floor(math.sqrt(0.6 * phys / 4))  -- a kernel of 60 % of memory, its gradient 60 % more
    local d = ember.layers.Dense(n, { input_dim = n })
    local ok, err = pcall(d.build, d, { ember.None, n })
    assert.is_false(ok)
    assert.matches("Dense: the kernel and its gradient", err)
    assert.matches("more than this machine's", err)
  end)
end)
