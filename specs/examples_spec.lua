-- The user scripts of scripts/examples/ (issue 17), run with ./ember on small
-- fixtures generated here: a CSV regression with a text column and a
-- classifier over a folder of .txt files.  Each must train (the loss falls),
-- write its log and weights, and say so.
local fs = ember.fs

local function tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p '" .. p .. "'"))
  return p
end

local function run(cmd)
  local f = assert(io.popen(cmd .. " 2>&1"))
  local out = f:read("a")
  local ok, _, code = f:close()
  return out, ok, code
end

local function lines_of(path)
  local t = {}
  for line in io.lines(path) do t[#t + 1] = line end
  return t
end

local dirs = {}
teardown(function() for _, d in ipairs(dirs) do os.execute("rm -rf '" .. d .. "'") end end)

describe("scripts/examples/csv_regression.lua", function()
  local dir
  setup(function()
    dir = tmpdir()
    dirs[#dirs + 1] = dir
    ember.seed(5)
    local f = assert(io.open(dir .. "/houses.csv", "w"))
    f:write("city,rooms,area,price\n")
    local base = { Paris = 300, Lyon = 180, Nantes = 120 }
    local cities = { "Paris", "Lyon", "Nantes" }
    local u = ember.rand { 300, 3 }
    for i = 1, 300 do
      local c = cities[1 + math.floor(u:get(i, 1) * 3)]
      local rooms = 1 + math.floor(u:get(i, 2) * 5)
      local area = 20 + rooms * 18 + math.floor(u:get(i, 3) * 20)
      local price = base[c] + 2.5 * area + 10 * rooms + (u:get(i, 3) - 0.5) * 20
      f:write(("%s,%d,%d,%.1f\n"):format(c, rooms, area, price))
    end
    f:close()
  end)

  it("one-hots the text column, trains (the loss falls), writes the log and the weights", function()
    local out, ok = run(("./ember scripts/examples/csv_regression.lua '%s/houses.csv' price '%s' 30"):format(dir, dir))
    assert.is_true(ok, out)
    assert.truthy(out:find("text column 'city': 3 values (Lyon, Nantes, Paris) one-hot encoded", 1, true), out)
    assert.truthy(out:find("300 rows, 5 features", 1, true), out)
    local first = tonumber(out:match("epoch +1  loss ([%d.]+)"))
    local final = tonumber(out:match("final   loss ([%d.]+)"))
    assert.is_true(first ~= nil and final ~= nil, out)
    assert.is_true(final < first / 10, out)
    local log = lines_of(dir .. "/training_log.csv")
    assert.equal("epoch,loss,lr,mean_absolute_error,val_loss,val_mean_absolute_error\r", log[1])
    assert.equal(31, #log)
    assert.truthy(fs.isfile(dir .. "/weights.npz"))
    -- the test error is small next to the prices' spread (hundreds)
    local mae = tonumber(out:match("test mae ([%d.]+)"))
    assert.is_true(mae ~= nil and mae < 20, out)
  end)

  it("names a missing target column and exits non-zero", function()
    local out, ok = run(("./ember scripts/examples/csv_regression.lua '%s/houses.csv' nope '%s' 1"):format(dir, dir))
    assert.falsy(ok)  -- io.popen:close gives nil (fail) on a non-zero exit
    assert.truthy(out:find("no numeric column 'nope' (numeric columns: rooms, area, price)", 1, true), out)
  end)
end)

describe("scripts/examples/text_folder_classifier.lua", function()
  local dir
  setup(function()
    dir = tmpdir()
    dirs[#dirs + 1] = dir
    ember.seed(3)
    local words = { cooking = { "pan", "salt", "oven", "recipe", "butter", "onion", "bake", "simmer", "flour", "garlic" },
      sports = { "ball", "goal", "team", "match", "coach", "score", "referee", "league", "striker", "season" } }
    local filler = { "the", "a", "and", "was", "it", "very", "today", "we", "then", "good", "with", "of" }
    for class, list in pairs(words) do
      assert(os.execute(("mkdir -p '%s/texts/%s'"):format(dir, class)))
      local u = ember.rand { 60, 30 }
      for i = 1, 60 do
        local t = {}
        for j = 1, 30 do
          local r = u:get(i, j)
          t[j] = r < 0.35 and list[1 + math.floor(r / 0.35 * #list)] or filler[1 + math.floor((r - 0.35) / 0.65 * #filler)]
        end
        local f = assert(io.open(("%s/texts/%s/%03d.txt"):format(dir, class, i), "w"))
        f:write(table.concat(t, " "), ".\n")
        f:close()
      end
    end
  end)

  it("reads the classes from the subfolders, trains (the loss falls), classifies, writes log and weights", function()
    local out, ok = run(("./ember scripts/examples/text_folder_classifier.lua '%s/texts' '%s' 12"):format(dir, dir))
    assert.is_true(ok, out)
    assert.truthy(out:find("120 texts in 2 classes (cooking, sports)", 1, true), out)
    local losses = {}
    for l in out:gmatch("epoch +%d+  loss ([%d.]+)") do losses[#losses + 1] = tonumber(l) end
    assert.equal(12, #losses)
    assert.is_true(losses[12] < losses[1] / 2, out)
    local acc = tonumber(out:match("test acc ([%d.]+)"))
    assert.is_true(acc ~= nil and acc >= 0.8, out)
    assert.equal(13, #lines_of(dir .. "/training_log.csv"))
    assert.truthy(fs.isfile(dir .. "/weights.npz"))
  end)

  it("says what it expects of a folder without class subfolders", function()
    local out, ok = run(("./ember scripts/examples/text_folder_classifier.lua '%s/texts/cooking' '%s' 1"):format(dir, dir))
    assert.falsy(ok)  -- io.popen:close gives nil (fail) on a non-zero exit
    assert.truthy(out:find("expected one subfolder per class (at least 2), found 0", 1, true), out)
  end)
end)
