-- engine/plot/guard.c at the C level (specs/c/plot_guard_test.c): PLplot's
-- fatal errors, recoverable errors and terminal chatter become em_fail
-- messages; the process neither exits nor prints; saves do not nest.
local c_program = require "support.c_program"

describe("PLplot guard (C)", function()
  it("turns plexit, plabort and nesting into errors and keeps working", function()
    local prog, why = c_program.build("plot_guard_test", "-I/usr/include/plplot specs/c/plot_guard_test.c "
      .. "engine/plot/*.c engine/core/error.c -lplplot -lm")
    if not prog then
      pending(why)
      return
    end
    finally(function() prog:remove() end)
    local ok, code, out = prog:run("'" .. prog.dir .. "/guard.png'")
    assert.is_true(ok, "the test program exited with " .. tostring(code) .. ":\n" .. out)

    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    local expected = {
      "^exit rc=%-1 em_figure_save: PLplot failed to draw '.-': simulated fatal error$",
      "^ok_after_exit rc=0",
      "^abort rc=%-1 em_figure_save: PLplot failed to draw '.-': plvpor: Invalid limits$",
      "^ok_after_abort rc=0",
      "^outer rc=0",
      "^nested rc=%-1 em_figure_save: another figure is being drawn %(PLplot is not re%-entrant%)$",
      "^no_device rc=%-1 em_figure_save: PLplot has no 'no_such_device' output device",
      "^ok_at_end rc=0",
    }
    -- Exactly these lines: none of PLplot's banners or the test's own noise.
    assert.equal(#expected, #lines, out)
    for i, pattern in ipairs(expected) do
      assert.truthy(lines[i]:match(pattern), "line " .. i .. ": " .. lines[i])
    end
  end)
end)
