-- engine/plot/guard.c at the C level (specs/c/plot_guard_test.c): PLplot's
-- fatal errors, recoverable errors and terminal chatter become em_fail
-- messages; the process neither exits nor prints; saves do not nest.
describe("PLplot guard (C)", function()
  local dir, binary

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "'"))
    binary = dir .. "/plot_guard_test"
  end)

  teardown(function()
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("turns plexit, plabort and nesting into errors and keeps working", function()
    if not os.execute("command -v cc >/dev/null 2>&1") then
      pending("no C compiler")
      return
    end
    local compile = "cc -std=gnu11 -I/usr/include/plplot specs/c/plot_guard_test.c engine/plot/*.c "
      .. "engine/core/error.c -lplplot -lm -o '" .. binary .. "' 2>&1"
    local p = io.popen(compile)
    local compiler_output = p:read("a")
    assert(p:close(), "compiling the guard test failed: " .. compiler_output)

    p = io.popen("'" .. binary .. "' '" .. dir .. "/guard.png' 2>&1")
    local out = p:read("a")
    local ok, _, code = p:close()
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
