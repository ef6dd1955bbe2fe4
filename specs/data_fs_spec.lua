-- ember.fs on folders and zip members (specs/fixtures/aclImdb_tiny.zip).
local fs = ember.fs
local ZIP = "specs/fixtures/aclImdb_tiny.zip"

describe("ember.fs", function()
  it("lists an archive's root and folders inside it, sorted, without extracting", function()
    assert.same({ "aclImdb" }, fs.listdir(ZIP))
    assert.same({ "README", "test", "train" }, fs.listdir(ZIP .. "/aclImdb"))
    assert.same({ "labeledBow.feat", "neg", "pos" }, fs.listdir(ZIP .. "/aclImdb/train/"))
    assert.same({ "0_3.txt", "10_2.txt", "1_1.txt" }, fs.listdir(ZIP .. "/aclImdb/train/neg"))
  end)

  it("reads zip members and plain files", function()
    assert.equal("Good film.", fs.read(ZIP .. "/aclImdb/test/pos/1_7.txt"))
    assert.equal("Loved it: caf\u{e9} scenes, \u{c9}cole scenes, the music.", fs.read(ZIP .. "/aclImdb/train/pos/2_10.txt"))
    local head = fs.read("specs/fixtures/make_zips.py"):sub(1, 24)
    assert.equal("# Builds the small zip f", head)
  end)

  it("lists plain folders sorted", function()
    local names = fs.listdir("specs/fixtures")
    local sorted = { table.unpack(names) }
    table.sort(sorted)
    assert.same(sorted, names)
    assert.truthy(#names >= 4)
  end)

  it("tells files, folders and missing paths apart", function()
    assert.is_true(fs.exists(ZIP))
    assert.is_true(fs.isfile(ZIP))
    assert.is_true(fs.exists(ZIP .. "/aclImdb/train/pos"))
    assert.is_true(fs.isdir(ZIP .. "/aclImdb/train/pos"))
    assert.is_false(fs.isfile(ZIP .. "/aclImdb/train/pos"))
    assert.is_true(fs.isfile(ZIP .. "/aclImdb/README"))
    assert.is_false(fs.exists(ZIP .. "/aclImdb/nope"))
    assert.is_false(fs.exists("specs/no/such/file"))
    assert.is_true(fs.isdir("specs"))
    assert.is_number(fs.mtime(ZIP .. "/aclImdb/README"))
    assert.is_nil(fs.mtime("specs/no/such/file"))
  end)

  it("joins paths like os.path.join", function()
    assert.equal("a/b/c", fs.join("a", "b", "c"))
    assert.equal("a/b", fs.join("a/", "b"))
    assert.equal("/x", fs.join("a", "/x"))
    assert.equal("", fs.join())
  end)

  it("names the bad part of a join: argument 'part' and its position, at the caller's line", function()
    local cases = {
      { function() fs.join("a", 3) end, "fs.join: argument 'part' 2 expected a string, got 3" },
      { function() fs.join(nil, "b") end, "fs.join: argument 'part' 1 expected a string, got nil" },
      { function() fs.join("a", "b", {}) end, "fs.join: argument 'part' 3 expected a string, got table" },
      { function() fs.join("a", 0 / 0) end, "fs.join: argument 'part' 2 expected a string, got NaN" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(c[1])
      assert.is_false(ok)
      assert.equal("specs/data_fs_spec.lua:" .. debug.getinfo(c[1], "S").linedefined .. ": " .. c[2], err)
    end
    -- the same wording as the other fs functions
    assert.error_matches(function() fs.read(3) end, "fs.read: argument 'path' expected a string, got 3")
  end)

  describe("bad input", function()
    it("names a missing member and its archive", function()
      assert.has_error(function() fs.read(ZIP .. "/aclImdb/nope.txt") end,
        "fs.read: no member 'aclImdb/nope.txt' in the archive '" .. ZIP .. "'")
    end)
    it("refuses to read a folder", function()
      assert.error_matches(function() fs.read(ZIP .. "/aclImdb/train") end, "'aclImdb/train' in '.-' is a folder, not a file")
      assert.error_matches(function() fs.read("specs") end, "fs.read: 'specs' is a folder, not a file")
    end)
    it("refuses to list a file or a missing folder", function()
      assert.error_matches(function() fs.listdir(ZIP .. "/aclImdb/README") end,
        "fs.listdir: 'aclImdb/README' is not a folder in the archive")
      assert.error_matches(function() fs.listdir("specs/no/such") end, "fs.listdir: cannot open folder 'specs/no/such'")
      assert.error_matches(function() fs.read("specs/no/such.txt") end, "fs.read: cannot open 'specs/no/such.txt'")
    end)
    it("reports a corrupt zip", function()
      local bad = "specs/fixtures/corrupt.zip"
      assert.error_matches(function() fs.listdir(bad) end, "fs: cannot open zip archive '" .. bad .. "': Not a zip archive")
      assert.error_matches(function() fs.read(bad .. "/x.txt") end, "cannot open zip archive")
      assert.error_matches(function() fs.exists(bad .. "/x.txt") end, "cannot open zip archive")
    end)
    it("reports a damaged member (CRC) instead of returning bad bytes", function()
      local bad = "specs/fixtures/corrupt_member.zip"
      assert.same({ "notes.txt" }, fs.listdir(bad))
      assert.has_error(function() fs.read(bad .. "/notes.txt") end,
        "fs.read: corrupt member 'notes.txt' in '" .. bad .. "': CRC error")
    end)
    it("checks argument types", function()
      assert.has_error(function() fs.read(42) end, "fs.read: argument 'path' expected a string, got 42")
      assert.has_error(function() fs.listdir() end, "fs.listdir: argument 'path' expected a string, got no value")
      assert.has_error(function() fs.exists({}) end, "fs.exists: argument 'path' expected a string, got table")
    end)
  end)
end)
