-- A random-API fuzzer (issue 14, "Also"): with a fixed seed, thousands of
-- calls of public functions and methods with hostile arguments (wrong types,
-- NaN, infinities, huge and negative integers, empty and 0-d tensors,
-- transposed and narrowed views, int32 and uint8 where float32 is expected).  Every
-- call must return or raise a Lua error; a crash ends the busted run, and
-- `make check` runs this under ASan and UBSan, which turn any memory error
-- or undefined behaviour into a failure.  EMBER_API_FUZZ_CALLS sets the
-- number of calls (default 4000), EMBER_API_FUZZ_SEED the seed (default 1).
local calls = tonumber(os.getenv("EMBER_API_FUZZ_CALLS") or "") or 4000
local seed = tonumber(os.getenv("EMBER_API_FUZZ_SEED") or "") or 1

-- A small deterministic generator of our own (math.random's sequence is
-- not guaranteed across Lua builds).
local state = seed
local function rand(n)
  state = (state * 1103515245 + 12345) % 2147483648
  return state % n + 1
end
local function pick(list) return list[rand(#list)] end

local function tensors()
  return {
    ember.zeros { 0 }, ember.zeros { 3, 0 }, ember.tensor(2.5), ember.randn { 4 }, ember.randn { 3, 4 },
    ember.randn { 2, 3, 4 }, ember.randn { 4, 3 }:t(), ember.randn { 5, 6 }:narrow(2, 2, 3),
    ember.randint(0, 9, { 3, 4 }), ember.full({ 2, 2 }, 0 / 0), ember.full({ 3 }, 1 / 0),
    ember.ones { 1, 1, 1, 1 },
    -- uint8 (issue 17): contiguous, a strided view, 0-d, empty, a one-hot
    ember.tensor({ { 0, 1, 255 }, { 7, 0, 1 } }, { dtype = "uint8" }),
    ember.tensor({ { 0, 1, 255 }, { 7, 0, 1 } }, { dtype = "uint8" }):t(), ember.tensor(3, { dtype = "uint8" }),
    ember.zeros({ 0, 2 }, { dtype = "uint8" }), ember.ones({ 2, 3, 4 }, { dtype = "bool" }),
  }
end

local function values()
  local t = tensors()
  local v = { nil, true, false, 0, -1, 1, 2, 3, 0.5, -7.25, 2 ^ 31, -2 ^ 31 - 1, 2 ^ 53, 1e300, -1e300, 0 / 0,
    1 / 0, -1 / 0, "", "x", "float32", "int32", "uint8", "valid", "same", {}, { 1 }, { 2, 3 }, { -1, 2 }, { 0 },
    { 1e12, 1e12 }, { "a", 1 }, { {} }, function() end, ember.None }
  for _, x in ipairs(t) do v[#v + 1] = x end
  return v
end

-- Functions of the public API taking up to three arguments.
local functions = {
  "tensor", "zeros", "ones", "full", "rand", "randn", "randint", "arange", "cat", "stack", "matmul", "seed",
  "set_num_threads", "set_flush_denormal", "is_tensor", "eq", "gt",
}
-- Tensor methods taking up to two arguments.
local methods = {
  "add", "sub", "mul", "div", "add_", "sub_", "mul_", "div_", "fill_", "copy_", "sum", "mean", "max", "min",
  "argmax", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "t", "transpose", "reshape", "view",
  "narrow", "select", "sub", "squeeze", "unsqueeze", "flip", "float", "int", "clone", "contiguous", "matmul",
  "dot", "get", "set", "size", "dim", "item", "totable", "index", "clamp", "pow", "byte", "uint8", "eq", "gt",
  "le", "argmin", "std",
}
local layers = { "Dense", "Embedding", "Dropout", "Activation", "Flatten", "Conv1D", "MaxPooling1D",
  "GlobalMaxPooling1D", "SimpleRNN", "LSTM", "GRU" }

describe("random API calls with hostile arguments", function()
  it(("survive %d calls (seed %d)"):format(calls, seed), function()
    -- the process-wide settings a call may change, restored for the specs that follow
    local threads, flushing = ember.num_threads(), ember.flush_denormal()
    finally(function()
      ember.set_num_threads(threads)
      ember.set_flush_denormal(flushing)
    end)
    local v = values()
    local nv = 41  -- the first entries of v are the scalars and tables; tensors follow
    local function arg() return v[rand(#v)] end
    local survived, raised = 0, 0
    for i = 1, calls do
      local kind = rand(4)
      local ok
      if kind == 1 then
        local f = ember[pick(functions)]
        ok = pcall(f, arg(), arg(), arg())
      elseif kind == 2 then
        local t = v[nv + rand(#v - nv)] or ember.zeros { 1 }
        local m = pick(methods)
        -- mostly plausible arguments (the tensor itself, a copy, small dims), so calls get past the checks
        local function near()
          if rand(10) <= 3 then return arg() end
          return pick { t, t:clone(), 1, 2, -1, 0, 1.5, t:dim() > 0 and t:size(1) or 1 }
        end
        ok = pcall(function() return t[m](t, near(), near()) end)
      elseif kind == 3 then
        local name = pick(layers)
        ok = pcall(function()
          local layer = ember.layers[name](arg(), arg())
          layer:build(arg())
          local y = layer:forward(arg(), pick { true, false })
          return layer:backward(y)
        end)
      else
        ok = pcall(function()
          local t = pick(tensors())
          t[arg()] = arg()
          return t[arg()]
        end)
      end
      if ok then survived = survived + 1 else raised = raised + 1 end
      if i % 500 == 0 then
        v = values()  -- fresh tensors: in-place calls must not compound into huge values forever
        collectgarbage()
      end
    end
    -- reaching here is the check (a crash or a sanitizer report ends the run);
    -- both outcomes must occur, or the arguments never got past the checks
    assert.is_true(raised > 0 and survived > 0)
    print(("api fuzz: %d calls returned, %d raised"):format(survived, raised))
  end)
end)
