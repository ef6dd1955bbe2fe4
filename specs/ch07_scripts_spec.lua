-- The chapter-7 scripts (scripts/ch07/: listings 7-1/7-2 and 7-3/7-4/7-5)
-- run end to end in their cut-down form (--quick): exit status 0, the
-- summaries' "Connected to" entries as Keras 2.2.4 prints them, and losses
-- that fall on the generated data.
local interpreter = arg and arg[-1] or "./ember"

local function run(args)
  local p = io.popen(interpreter .. " " .. args .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  return tonumber(out:match("exit=(%d+)%s*$")), out
end

local function numbers(s)
  local out = {}
  for v in s:gmatch("%S+") do out[#out + 1] = tonumber(v) end
  return out
end

local function has_line(out, line)
  for l in out:gmatch("[^\n]+") do if l == line then return true end end
  return false
end

describe("scripts/ch07", function()
  it("7-1: the two-input question-answering model (summary, fit with a list and a table by name)", function()
    local code, out = run("scripts/ch07/7-1_question_answering.lua --quick")
    assert.equal(0, code, out)
    local pad = function(s, n) return s .. (" "):rep(n - #s) end
    local function row(a, b, c, d) return pad(a, 32) .. pad(b, 21) .. pad(c, 12) .. pad(d, 33) end
    assert.is_true(has_line(out, row("text (InputLayer)", "(None, None)", "0", "")), out)
    assert.is_true(has_line(out, row("embedding_1 (Embedding)", "(None, None, 64)", "640000", "text[0][0]")), out)
    assert.is_true(has_line(out, row("embedding_2 (Embedding)", "(None, None, 32)", "320000", "question[0][0]")), out)
    assert.is_true(has_line(out, row("lstm_1 (LSTM)", "(None, 32)", "12416", "embedding_1[0][0]")), out)
    assert.is_true(has_line(out, row("concatenate_1 (Concatenate)", "(None, 48)", "0", "lstm_1[0][0]")), out)
    assert.is_true(has_line(out, row("", "", "", "lstm_2[0][0]")), out)
    assert.is_true(has_line(out, row("dense_1 (Dense)", "(None, 500)", "24500", "concatenate_1[0][0]")), out)
    assert.truthy(out:find("Total params: 1,000,052", 1, true), out)
    for _, label in ipairs { "list", "table by name" } do
      local l = numbers(out:match("loss %(inputs as a " .. label .. "%):%s*([^\n]*)"))
      assert.equal(3, #l, out)
      assert.is_true(l[3] < l[1], ("%s: loss %s did not fall"):format(label, table.concat(l, " ")))
    end
  end)

  for _, listing in ipairs { "7-5", "7-4" } do
    it(("7-3/%s: the three-output model (summary, per-output losses%s)"):format(listing,
      listing == "7-5" and " and loss_weights" or ""), function()
      local code, out = run("scripts/ch07/7-3_multi_output.lua --quick --listing " .. listing)
      assert.equal(0, code, out)
      for _, head in ipairs { "age (Dense)                     (None, 1)            129         dense_1[0][0]",
        "income (Dense)                  (None, 10)           1290        dense_1[0][0]",
        "gender (Dense)                  (None, 1)            129         dense_1[0][0]",
        "conv1d_1 (Conv1D)               (None, None, 32)     10272       embedding_1[0][0]" } do
        assert.truthy(out:find(head, 1, true), head .. "\n" .. out)
      end
      for _, key in ipairs { "loss", "age_loss" } do
        local first, last = out:match(key .. "%s+first epoch (%S+), last epoch (%S+)")
        assert.truthy(first, out)
        assert.is_true(tonumber(last) < tonumber(first), ("%s did not fall: %s -> %s"):format(key, first, last))
      end
      assert.truthy(out:find("income_loss", 1, true))
      if listing == "7-5" then assert.truthy(out:find(" %- gender_acc: ")) end
    end)
  end

  it("refuse unknown arguments", function()
    local code, out = run("scripts/ch07/7-3_multi_output.lua --fast")
    assert.is_not.equal(0, code)
    assert.truthy(out:find("unknown argument --fast", 1, true), out)
    local code2, out2 = run("scripts/ch07/7-3_multi_output.lua --listing 7-9")
    assert.is_not.equal(0, code2)
    assert.truthy(out2:find("--listing expects 7-4 or 7-5, got 7-9", 1, true), out2)
  end)
end)
