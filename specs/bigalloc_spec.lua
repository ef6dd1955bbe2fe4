-- engine/core/bigalloc.c at the C level (specs/c/bigalloc_test.c): freed
-- big tensor buffers are reused by the next request of their size, even
-- when the cache holds blocks of other sizes (the oldest are evicted).
local c_program = require "support.c_program"

describe("big buffer cache (C)", function()
  it("reuses a freed block after blocks of other sizes filled the cache", function()
    local out, why = c_program.output("bigalloc_test", "-O1 specs/c/bigalloc_test.c engine/core/bigalloc.c -lpthread")
    if not out then
      pending(why)
      return
    end
    assert.equal("full_cache reused\nagain reused\nzeroed yes\nhuge fresh\n", out)
  end)
end)
