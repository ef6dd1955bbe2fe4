-- Reliability, round two (issue 14), class 11 and "Also": a save through a
-- symlink replaces the file it names and keeps the link; a replaced file
-- keeps its permissions (before: save_weights replaced the link by a file
-- and reset a 0600 file to 0644).  Saves are atomic and durable (temp file,
-- fsync, rename, fsync of the folder: checked by strace when it is there).
local L = ember.layers

local function mode_of(path)
  local p = io.popen("stat -c %a '" .. path .. "' 2>/dev/null")
  local m = p:read("l")
  p:close()
  return m
end

local function is_link(path)
  return os.execute("test -L '" .. path .. "'") == true
end

describe("saving over an existing target", function()
  local dir
  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
  end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  it("follows a symlink and keeps it", function()
    local m = ember.Sequential { L.Dense(2, { input_dim = 3 }) }
    local real, link = dir .. "/real.npz", dir .. "/link.npz"
    m:save_weights(real)
    assert(os.execute(("ln -s %s %s"):format(real, link)))
    m:save_weights(link)
    assert.is_true(is_link(link))
    ember.save(link, { w = ember.ones { 2 } })
    assert.is_true(is_link(link))
    assert.equal(1, ember.load(real).w:max())
  end)

  it("keeps a private file private", function()
    local p = dir .. "/w.npz"
    local m = ember.Sequential { L.Dense(2, { input_dim = 3 }) }
    m:save_weights(p)
    assert(os.execute("chmod 600 '" .. p .. "'"))
    m:save_weights(p)
    assert.equal("600", mode_of(p))
    ember.save(p, { w = ember.ones { 2 } })
    assert.equal("600", mode_of(p))
  end)

  it("syncs the file and its folder before returning", function()
    if not os.execute("command -v strace >/dev/null 2>&1") then
      pending("no strace")
      return
    end
    local p = dir .. "/d.npy"
    local log = dir .. "/trace"
    local cmd = ("strace -f -e trace=fsync,rename,renameat,renameat2 -o %s %s -e \"ember.save('%s', ember.ones{4})\" 2>&1")
      :format(log, arg[-1], p)
    local ok = os.execute(cmd)
    if not ok then
      pending("strace cannot trace here")
      return
    end
    local f = assert(io.open(log))
    local trace = f:read("a")
    f:close()
    local fsync1 = trace:find("fsync%(")
    local ren = trace:find("rename")
    local fsync2 = ren and trace:find("fsync%(", ren)
    assert.is_truthy(fsync1, trace)
    assert.is_truthy(ren, trace)
    assert.is_truthy(fsync1 < ren and fsync2, "fsync before the rename and of the folder after it:\n" .. trace)
  end)
end)
