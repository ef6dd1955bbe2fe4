-- Reliability regressions: inputs that fuzzing or the sanitizers found,
-- kept as specs (the fuzz inputs themselves also stay in the seed corpora
-- under specs/fuzz/corpus/, so every `make fuzz` replays them).
local ember = require "ember"
local P = ember.preprocessing

describe("reliability regressions", function()
  -- fuzz_tokenizer: a collection holding only empty sequences had no values
  -- buffer, and em_seq_at computed NULL + 0 (undefined behaviour, flagged by
  -- clang's UBSan) in texts_to_matrix, reversed and pad_sequences.
  it("handles collections of empty sequences", function()
    local tok = P.Tokenizer { num_words = 5 }
    local s = tok:texts_to_sequences { "", "unknown words" }
    assert.equals(2, #s)
    assert.equals(0, s[1]:numel())
    local m = tok:texts_to_matrix({ "", "x" }, { mode = "count" })
    assert.same({ 2, 5 }, m.shape)
    assert.equals(0, m:sum())
    assert.equals(2, #s:reversed())
    local padded = P.pad_sequences(s, { maxlen = 3 })
    assert.same({ { 0, 0, 0 }, { 0, 0, 0 } }, padded:totable())
    assert.equals(0, #P.Sequences {})
  end)
end)
