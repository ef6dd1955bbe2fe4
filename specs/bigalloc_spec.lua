-- engine/core/bigalloc.c at the C level (specs/c/bigalloc_test.c): freed
-- big tensor buffers are reused by the next request of their size, even
-- when the cache holds blocks of other sizes (the oldest are evicted).
describe("big buffer cache (C)", function()
  local dir

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "'"))
  end)

  teardown(function()
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("reuses a freed block after blocks of other sizes filled the cache", function()
    if not os.execute("command -v cc >/dev/null 2>&1") then
      pending("no C compiler")
      return
    end
    local binary = dir .. "/bigalloc_test"
    local p = io.popen("cc -std=gnu11 -O1 specs/c/bigalloc_test.c engine/core/bigalloc.c -lpthread -o '"
      .. binary .. "' 2>&1")
    local compiler_output = p:read("a")
    assert(p:close(), "compiling the bigalloc test failed: " .. compiler_output)
    p = io.popen("'" .. binary .. "' 2>&1")
    local out = p:read("a")
    assert(p:close(), "the test program failed:\n" .. out)
    assert.equal("full_cache reused\nagain reused\nzeroed yes\nhuge fresh\n", out)
  end)
end)
