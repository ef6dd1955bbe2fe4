-- The tensor-only listings of chapter 6 run and print the book's shapes.
local function run(name)
  local p = assert(io.popen("./ember scripts/ch06/" .. name .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

describe("chapter 6 tensor listings", function()
  it("6-1 one-hot encodes words", function()
    local out, ok = run("6-1_word_one_hot.lua")
    assert.is_true(ok, out)
    assert.truthy(out:find("results.shape = (2, 10, 11)", 1, true), out)
    assert.truthy(out:find('"homework.": 10', 1, true), out)
    assert.truthy(out:find("[[0. 1. 0. 0. 0. 0. 0. 0. 0. 0. 0.]", 1, true), out)
  end)

  it("6-2 one-hot encodes characters", function()
    local out, ok = run("6-2_char_one_hot.lua")
    assert.is_true(ok, out)
    assert.truthy(out:find("results.shape = (2, 50, 101)", 1, true), out)
    assert.truthy(out:find("ones per sample: 23, 24", 1, true), out)
  end)

  it("6-4 hashes words deterministically", function()
    local out, ok = run("6-4_hashing_trick.lua")
    assert.is_true(ok, out)
    assert.truthy(out:find("results.shape = (2, 10, 1000)", 1, true), out)
    assert.truthy(out:find("The -> 636", 1, true), out) -- FNV-1a("The") % 1000
    assert.equal(out, (run("6-4_hashing_trick.lua")))
  end)

  it("6-21 runs the numpy RNN forward pass", function()
    local out, ok = run("6-21_numpy_rnn.lua")
    assert.is_true(ok, out)
    assert.truthy(out:find("output_t:\t(64,)", 1, true), out)
    assert.truthy(out:find("final_output_sequence:\t(100, 64)", 1, true), out)
  end)
end)
