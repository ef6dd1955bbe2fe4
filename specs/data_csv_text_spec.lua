-- ember.io.read_csv: text columns, usecols and missing values (issue 17).
local IO = ember.io

local files = {}
local function write(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  files[#files + 1] = path
  return path
end
teardown(function() for _, p in ipairs(files) do os.remove(p) end end)

local function isnan(v) return v ~= v end

describe("read_csv text columns", function()
  it("returns a column that is not numeric as a list of strings, by name; data holds the numeric ones", function()
    local p = write("city,rooms,price\nParis,3,500.5\nLyon,2,310\nNantes,4,280\n")
    local header, data, text, columns = IO.read_csv(p)
    assert.same({ "city", "rooms", "price" }, header)
    assert.same({ 3, 2 }, data.shape)
    assert.same({ { 3, 500.5 }, { 2, 310 }, { 4, 280 } }, data:totable())
    assert.same({ city = { "Paris", "Lyon", "Nantes" } }, text)
    assert.same({ "rooms", "price" }, columns)
  end)

  it("a column is text when any field is not a number: earlier fields are kept as written", function()
    local p = write("zip,v\n75001,1\n1.50,2\nA1,3\n")
    local _, data, text, columns = IO.read_csv(p)
    assert.same({ zip = { "75001", "1.50", "A1" } }, text)
    assert.same({ "v" }, columns)
    assert.same({ { 1 }, { 2 }, { 3 } }, data:totable())
  end)

  it("quoted fields keep delimiters; a doubled quote reads as one", function()
    local p = write('name,x\n"Saint-Denis, FR",1\n"say ""hi""",2\nplain,3\r\n')
    local _, data, text = IO.read_csv(p)
    assert.same({ "Saint-Denis, FR", 'say "hi"', "plain" }, text.name)
    assert.same({ { 1 }, { 2 }, { 3 } }, data:totable())
  end)

  it("an all-numeric file reads as before, with an empty text table", function()
    local p = write("a,b\n1,2\n3,4\n")
    local header, data, text, columns = IO.read_csv(p)
    assert.same({ "a", "b" }, header)
    assert.same({ { 1, 2 }, { 3, 4 } }, data:totable())
    assert.same({}, text)
    assert.same({ "a", "b" }, columns)
  end)

  it("without a header, text columns and data columns are named by their 1-based numbers", function()
    local p = write("x,1,y\nz,2,w\n")
    local header, data, text, columns = IO.read_csv(p, { header = false })
    assert.same({}, header)
    assert.same({ [1] = { "x", "z" }, [3] = { "y", "w" } }, text)
    assert.same({ 2 }, columns)
    assert.same({ { 1 }, { 2 } }, data:totable())
  end)

  it("repeated names of text columns get .1, .2 as pandas", function()
    local p = write("a,a,a,n\nx,y,z,1\n")
    local _, _, text = IO.read_csv(p)
    assert.same({ a = { "x" }, ["a.1"] = { "y" }, ["a.2"] = { "z" } }, text)
  end)

  it("only text columns: data is {rows, 0}", function()
    local p = write("w\nhello\nworld\n")
    local _, data, text = IO.read_csv(p)
    assert.same({ 2, 0 }, data.shape)
    assert.same({ "hello", "world" }, text.w)
  end)

  it("old Mac line ends, int32 data beside a text column", function()
    local p = write("c,n\rfoo,1\rbar,2\r")
    local _, data, text = IO.read_csv(p, { dtype = "int32" })
    assert.equal("int32", data.dtype)
    assert.same({ { 1 }, { 2 } }, data:totable())
    assert.same({ "foo", "bar" }, text.c)
    -- a field that makes an int32 column text is not an int32 error
    local q = write("c\n1.5\nabc\n")
    local _, d2, t2 = IO.read_csv(q, { dtype = "int32" })
    assert.same({ "1.5", "abc" }, t2.c)
    assert.same({ 2, 0 }, d2.shape)
  end)

  it("text = false keeps the strict reader: a field that is not a number is an error", function()
    local p = write("city,rooms\nParis,3\n")
    assert.error_matches(function() IO.read_csv(p, { text = false }) end,
      "read_csv: .- line 2, column 1 %(city%): 'Paris' is not a number")
  end)
end)

describe("read_csv missing values", function()
  it("an empty numeric field is NaN by default (na = \"nan\"); an empty text field is \"\"", function()
    local p = write("a,b,c\n1,,x\n,2,\n3,4,y\n")
    local _, data, text = IO.read_csv(p)
    local t = data:totable()
    assert.equal(1, t[1][1])
    assert.is_true(isnan(t[1][2]))
    assert.is_true(isnan(t[2][1]))
    assert.equal(4, t[3][2])
    assert.same({ "x", "", "y" }, text.c)
  end)

  it("na = \"error\" names the first empty numeric field; empty text fields are still \"\"", function()
    local p = write("a,b,c\n1,2,x\n3,,\n,4,y\n")
    assert.error_matches(function() IO.read_csv(p, { na = "error" }) end,
      "read_csv: .- line 3, column 2 %(b%): empty field, expected a number %(na = \"error\"%)")
    local q = write("a,c\n1,x\n2,\n")
    local _, data, text = IO.read_csv(q, { na = "error" })
    assert.same({ { 1 }, { 2 } }, data:totable())
    assert.same({ "x", "" }, text.c)
  end)

  it("int32 cannot hold NaN: an empty field of an int32 column is an error", function()
    local p = write("a\n1\n\"\"\n")
    assert.error_matches(function() IO.read_csv(p, { dtype = "int32" }) end,
      "line 3, column 1 %(a%): empty field, and an int32 column cannot hold NaN")
  end)

  it("bad values of the options name them", function()
    local p = write("a\n1\n")
    assert.error_matches(function() IO.read_csv(p, { na = "zero" }) end, "read_csv: option 'na' .*nan.*error")
    assert.error_matches(function() IO.read_csv(p, { text = "yes" }) end, "read_csv: option 'text' expected a boolean")
    assert.error_matches(function() IO.read_csv(p, { nan = "error" }) end, "read_csv: unknown option 'nan'")
  end)
end)

describe("read_csv usecols", function()
  local p
  setup(function() p = write("id,city,rooms,price,year\n1,Paris,3,500,2001\n2,Lyon,2,310,1999\n") end)

  it("reads the named columns, in file order", function()
    local header, data, text, columns = IO.read_csv(p, { usecols = { "price", "city", "rooms" } })
    assert.same({ "id", "city", "rooms", "price", "year" }, header)
    assert.same({ "rooms", "price" }, columns)
    assert.same({ { 3, 500 }, { 2, 310 } }, data:totable())
    assert.same({ city = { "Paris", "Lyon" } }, text)
  end)

  it("takes 1-based numbers, negative from the end, and mixes them with names", function()
    local _, data, text, columns = IO.read_csv(p, { usecols = { 1, -1, "price" } })
    assert.same({ "id", "price", "year" }, columns)
    assert.same({ { 1, 500, 2001 }, { 2, 310, 1999 } }, data:totable())
    assert.same({}, text)
    local _, d2 = IO.read_csv(p, { usecols = { 3 }, header = true })
    assert.same({ { 3 }, { 2 } }, d2:totable())
  end)

  it("without a header, by number", function()
    local q = write("1,a,2\n3,b,4\n")
    local _, data, text, columns = IO.read_csv(q, { header = false, usecols = { 2, 3 } })
    assert.same({ 3 }, columns)
    assert.same({ { 2 }, { 4 } }, data:totable())
    assert.same({ [2] = { "a", "b" } }, text)
  end)

  describe("bad usecols (nothing returned)", function()
    local cases = {
      { { usecols = { "prise" } }, "read_csv: option 'usecols': .- has no column 'prise' %(columns: id, city, rooms, price, year%)" },
      { { usecols = { 6 } }, "read_csv: option 'usecols': column 6 is out of range: .- has 5 columns" },
      { { usecols = { -6 } }, "read_csv: option 'usecols': column %-6 is out of range" },
      { { usecols = { 0 } }, "read_csv: option 'usecols' entry 1 expected a column name or a 1%-based column number" },
      { { usecols = { 1.5 } }, "read_csv: option 'usecols' entry 1 expected .-, got 1.5" },
      { { usecols = { {} } }, "read_csv: option 'usecols' entry 1 expected .-, got table" },
      { { usecols = { "city", 2 } }, "read_csv: option 'usecols' lists column 2 %(city%) twice" },
      { { usecols = {} }, "read_csv: option 'usecols' is empty" },
      { { usecols = "city" }, "read_csv: option 'usecols' expected a list of column names or 1%-based numbers, got string" },
      { { usecols = { "city" }, skip_columns = 1 }, "read_csv: options 'usecols' and 'skip_columns' cannot be combined" },
      { { usecols = { "city" }, header = false }, "read_csv: option 'usecols' names column 'city' but the file is read without a header" },
    }
    for i, c in ipairs(cases) do
      it("case " .. i .. ": " .. c[2], function()
        assert.error_matches(function() IO.read_csv(p, c[1]) end, c[2])
      end)
    end
  end)
end)
