-- ember.io.read_csv and ember.datasets.jena_climate.load on small files the
-- spec writes itself (and the committed specs/fixtures/table.csv.zip).
local IO = ember.io

local function write(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

describe("read_csv", function()
  it("reads a header and a float32 table, skipping leading columns", function()
    local p = write('"Date Time","p (mbar)","T (degC)"\n01.01.2009 00:10:00,996.52,-8.02\n01.01.2009 00:20:00,996.57,-8.41\n')
    local header, data = IO.read_csv(p, { skip_columns = 1 })
    assert.same({ "Date Time", "p (mbar)", "T (degC)" }, header)
    assert.same({ 2, 2 }, data.shape)
    assert.equal("float32", data.dtype)
    assert.near(996.52, data:get(1, 1), 1e-4)
    assert.near(-8.41, data:get(2, 2), 1e-6)
    os.remove(p)
  end)

  it("reads from inside a zip, with CRLF line ends and blank lines", function()
    local header, data = IO.read_csv("specs/fixtures/table.csv.zip/table.csv", { skip_columns = 1 })
    assert.same({ "Date Time", "a (x)", "b" }, header)
    assert.same({ { 1.5, -2 }, { 2.5, 1000 } }, data:totable())
    local p = write("a,b\r\n1,2\r\n\r\n3,4\r\n")
    local h2, d2 = IO.read_csv(p)
    assert.same({ "a", "b" }, h2)
    assert.same({ { 1, 2 }, { 3, 4 } }, d2:totable())
    os.remove(p)
  end)

  it("reads without a header, as int32 on request", function()
    local p = write("1,2,3\n4,5,6")
    local h, d = IO.read_csv(p, { header = false, dtype = "int32" })
    assert.same({}, h)
    assert.equal("int32", d.dtype)
    assert.same({ { 1, 2, 3 }, { 4, 5, 6 } }, d:totable())
    os.remove(p)
  end)

  it("rounds like numpy: float64 parse, then float32", function()
    local p = write("x\n0.1\n-9999\n1e-3\n")
    local _, d = IO.read_csv(p)
    assert.equal(0.1, tonumber(string.format("%.8g", d:get(1, 1))))
    assert.equal(-9999, d:get(2, 1))
    os.remove(p)
  end)

  it("parses every number format exactly as strtod (then float32), fast path or not", function()
    ember.seed(3)
    local fields = { "0", "-0", "1", "+2.5", "985.08", "-9999", "0.000123", "1e-3", "2.5E+10", "123456789012345678901234",
      "0.1", "3.14159265358979323846", "1e30", "-1.5e-30", "7.", ".5", "-.25", "nan", "inf", "-inf",
      "9007199254740993", "1e22", "1e23", "00012.50", "4.9e-324" }
    local u = ember.rand { 200 }
    for i = 1, 200 do fields[#fields + 1] = ("%." .. (i % 7) .. "f"):format((u:get(i) - 0.5) * 10 ^ (i % 9)) end
    local p = write("x\n" .. table.concat(fields, "\n") .. "\n")
    local _, d = IO.read_csv(p)
    for i, f in ipairs(fields) do
      local special = { nan = 0 / 0, inf = math.huge, ["-inf"] = -math.huge }  -- Lua's tonumber refuses these
      local v = special[f] or tonumber(f)
      local want = ember.tensor({ v }):get(1)
      local got = d:get(i, 1)
      if want ~= want then assert.is_true(got ~= got, f) else assert.equal(want, got, f) end
    end
    os.remove(p)
  end)

  describe("bad input (nothing is returned)", function()
    it("names the line with the wrong number of fields", function()
      local p = write("a,b,c\n1,2,3\n4,5\n")
      assert.error_matches(function() IO.read_csv(p) end, "read_csv: .- line 3 has 2 fields, expected 3")
      os.remove(p)
    end)
    it("names line and column of a non-numeric field (text = false) or an empty one (na = \"error\")", function()
      local p = write("a,b,c\n1,2,3\n4,x5,6\n")
      assert.error_matches(function() IO.read_csv(p, { text = false }) end, "read_csv: .- line 3, column 2 %(b%): 'x5' is not a number")
      local q = write("a,b\n1,\n")
      assert.error_matches(function() IO.read_csv(q, { na = "error" }) end, "line 2, column 2 %(b%): empty field, expected a number")
      os.remove(p)
      os.remove(q)
    end)
    it("refuses a non-integer in an int32 table, bad options and missing files", function()
      local p = write("a\n1.5\n")
      assert.error_matches(function() IO.read_csv(p, { dtype = "int32" }) end, "line 2, column 1: 1.5 is not an int32")
      assert.error_matches(function() IO.read_csv(p, { skip_columns = 1 }) end, "has 1 columns, skip_columns = 1 leaves none")
      assert.error_matches(function() IO.read_csv(p, { skip = 1 }) end, "read_csv: unknown option 'skip'")
      assert.error_matches(function() IO.read_csv(p, { header = 1 }) end, "read_csv: option 'header' expected a boolean")
      assert.error_matches(function() IO.read_csv(p, { delimiter = ";;" }) end, "option 'delimiter' must be one character")
      os.remove(p)
      assert.error_matches(function() IO.read_csv("specs/no/such.csv") end, "fs.read: cannot open 'specs/no/such.csv'")
      assert.error_matches(function() IO.read_csv("specs/fixtures/table.csv.zip/other.csv") end, "no member 'other.csv'")
      assert.error_matches(function() IO.read_csv(write("")) end, "holds no data")
      assert.error_matches(function() IO.read_csv(nil) end, "read_csv: argument 'path' expected a string, got nil")
    end)
  end)
end)

describe("jena_climate.load", function()
  it("loads a given file: full header, every column but the date", function()
    local header, data = ember.datasets.jena_climate.load { path = "specs/fixtures/table.csv.zip/table.csv" }
    assert.same({ "Date Time", "a (x)", "b" }, header)
    assert.same({ 2, 2 }, data.shape)
  end)

  it("splits rows as the book (200000 / 300000), proportionally on a shorter file", function()
    local J = ember.datasets.jena_climate
    assert.same({ 200000, 300000 }, { J.splits(420551) })
    assert.same({ 3804, 5706 }, { J.splits(8000) })
    assert.same({ 0, 1 }, { J.splits(ember.zeros { 2, 3 }) })
  end)

  it("names the file, every place looked and the download address when missing", function()
    local empty = os.tmpname()
    os.remove(empty)
    ember.datasets.set_data_dir(empty)
    local ok, err = pcall(ember.datasets.jena_climate.load)
    ember.datasets.set_data_dir(nil)
    assert.is_false(ok)
    assert.matches("jena_climate.load: cannot find jena_climate_2009_2016.csv", err, 1, true)
    assert.matches(empty .. "/jena_climate_2009_2016.csv\n", err, 1, true)
    assert.matches(empty .. "/jena_climate_2009_2016-surrogate.csv.zip/jena_climate_2009_2016.csv", err, 1, true)
    assert.matches("https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip", err, 1, true)
  end)
end)

describe("datasets.parse_args", function()
  local D = ember.datasets
  after_each(function() D.set_data_dir(nil) end)

  it("makes the folder after --data the only data folder", function()
    assert.is_nil(D.parse_args(nil))
    assert.is_nil(D.parse_args { "--epochs", "3" })
    assert.equal("/data/ch6", D.parse_args { "--epochs", "3", "--data", "/data/ch6" })
    assert.same({ "/data/ch6" }, D.data_dirs())
  end)

  it("names itself and the option: --data without a folder, a bad argument; nothing is changed", function()
    local before = D.data_dirs()
    local cases = {
      { { "--data" }, "parse_args: option '--data' needs a folder name (--data DIR), got nothing" },
      { { "--data", "" }, "parse_args: option '--data' needs a folder name (--data DIR), got an empty string" },
      { { "x", "--data", 3 }, "parse_args: option '--data' needs a folder name (--data DIR), got number" },
      { "--data", "parse_args: argument 'args' expected the script's arg table or nil, got string" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(D.parse_args, c[1])
      assert.is_false(ok)
      assert.equal(c[2], err)
      -- and at the caller's line
      ok, err = pcall(function() D.parse_args(c[1]) end)
      assert.equal("specs/data_csv_spec.lua:" .. debug.getinfo(1, "l").currentline - 1 .. ": " .. c[2], err)
      assert.same(before, D.data_dirs())
    end
  end)
end)
