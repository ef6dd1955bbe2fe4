-- Reliability, round two (issue 14), class 11: imdb.load_data's cache of
-- ranked reviews is rebuilt when a review file changes, not only when the
-- root folder's time does (before: a review edited in place kept the stale
-- cache).
local imdb = ember.datasets.imdb

describe("the IMDB rank cache", function()
  it("is rebuilt after a review file is edited in place", function()
    local dir = os.tmpname()
    os.remove(dir)
    local root = dir .. "/aclImdb"
    for _, sub in ipairs { "train/neg", "train/pos", "test/neg", "test/pos" } do
      assert(os.execute("mkdir -p " .. root .. "/" .. sub))
    end
    finally(function() os.execute("rm -rf " .. dir) end)
    local function write(name, text)
      local f = assert(io.open(root .. "/" .. name, "w"))
      f:write(text)
      f:close()
    end
    write("train/neg/0_1.txt", "bad film")
    write("train/pos/0_9.txt", "good film")
    write("test/neg/0_2.txt", "bad")
    write("test/pos/0_8.txt", "good")
    local x1 = imdb.load_data { path = root }
    assert.truthy(ember.fs.exists(dir .. "/aclImdb_ranks.npz"))
    -- edit a review in place, dated after the cache (the folder's time stays)
    write("train/pos/0_9.txt", "good good good film wonderful")
    assert(os.execute("touch -d '+1 hour' " .. root .. "/train/pos/0_9.txt"))
    local x2 = imdb.load_data { path = root }
    local lengths = {}
    for _, seq in ipairs(x2:totable()) do lengths[#lengths + 1] = #seq end
    table.sort(lengths)
    assert.equal(6, lengths[#lengths])  -- start_char + the edited review's five words, not the cached two
    assert.is_truthy(x1)
  end)
end)
