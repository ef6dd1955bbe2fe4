-- ember.distributed and data-parallel training over MPI (engine/dist/,
-- bindings/lua_distributed.c, the fit loop in training.lua).
--
-- On one process: the collectives are the identity and every argument
-- error is raised.  Under `mpirun -np 2` and `-np 3` (skipped when mpirun
-- is missing): small Dense, Dense + Dropout, LSTM, GRU with dropout and
-- recurrent_dropout, Conv1D and Embedding fits
-- (specs/support/dist_fit.lua: 37 samples, batch 10, 2 epochs, RMSprop,
-- 20% validation, so the shares of a batch are uneven and some batches are
-- short) must give the final weights, History, evaluate and predict of one
-- process with the same global batch within |a - b| <= 1e-5 * max(|a|, |b|)
-- + 1e-6 (float32 sums in another order).  Dropout masks are drawn per
-- sample from its global row (core/random.h), so they do not depend on N;
-- History must be equal on every rank; a rank killed or failing ends the
-- job within seconds; ranks with different seeds are refused; arguments
-- wrong on one rank only raise on every rank without a hang.
local ember = require "ember"
local d = ember.distributed

local interpreter = arg and arg[-1] or "./ember"
local RTOL, ATOL = 1e-5, 1e-6

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

local have_mpirun = os.execute("command -v mpirun >/dev/null 2>&1") == true
-- One thread per process: the runs compared use the same kernels, and
-- the 2-core machine is not oversubscribed further.
-- Under ember-debug: Open MPI keeps its components loaded and the slow
-- unwinder walks through its frames, so that the LeakSanitizer
-- suppressions of specs/support/lsan.supp (Open MPI's own allocations
-- kept past MPI_Finalize) can name them; no effect on ./ember.
local ENV = "EMBER_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_MCA_mca_base_component_disable_dlclose=1 "
  .. "ASAN_OPTIONS=\"${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0\" "
local function mpirun(np, args, limit)
  return sh(("%stimeout %d mpirun --oversubscribe --allow-run-as-root -np %d %s %s")
    :format(ENV, limit or 60, np, interpreter, args))
end

local function tmpscript(source)
  local path = os.tmpname() .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(source)
  f:close()
  return path
end

local function parse(out)
  local r = {}
  for line in out:gmatch("[^\n]+") do
    local key, rest = line:match("^(%a[%w_]*) (.*)$")
    if key then
      local nums = {}
      for v in rest:gmatch("%S+") do nums[#nums + 1] = tonumber(v) end
      r[key] = nums
    end
  end
  return r
end

local function assert_close(what, a, b)
  assert.is_truthy(a, what .. ": missing in the one-process run")
  assert.is_truthy(b, what .. ": missing in the MPI run")
  assert.equal(#a, #b, what .. ": different lengths")
  assert.is_true(#a > 0, what .. ": no values")
  for i = 1, #a do
    local tol = RTOL * math.max(math.abs(a[i]), math.abs(b[i])) + ATOL
    if not (math.abs(a[i] - b[i]) <= tol) then
      error(("%s[%d]: one process %.9g, MPI %.9g (tolerance %.3g)"):format(what, i, a[i], b[i], tol), 2)
    end
  end
end

describe("ember.distributed on one process (no mpirun)", function()
  it("is rank 0 of 1; allreduce and broadcast leave the tensor as it is", function()
    assert.equal(0, d.rank())
    assert.equal(1, d.size())
    assert.is_true(d.is_main())
    d.barrier()
    local t = ember.tensor { 1.5, -2, 3 }
    for _, op in ipairs { "sum", "mean", "max", "min" } do
      assert.equal(t, d.allreduce(t, op))
      assert.same({ 1.5, -2, 3 }, t:totable())
    end
    local i = ember.tensor({ 4, 5 }, { dtype = "int32" })
    d.allreduce(i, "max")
    d.broadcast(i, 0)
    assert.same({ 4, 5 }, i:totable())
  end)

  it("refuses wrong arguments, naming the function and the argument", function()
    local t = ember.zeros { 2, 3 }
    assert.has_error(function() d.allreduce("x") end, "allreduce: argument 'tensor' expected a tensor, got string")
    assert.has_error(function() d.allreduce(nil) end, "allreduce: argument 'tensor' expected a tensor, got nil")
    assert.has_error(function() d.allreduce(t, "avg") end,
      "allreduce: argument 'op' expected one of 'sum', 'mean', 'max', 'min', got 'avg'")
    assert.has_error(function() d.allreduce(t, 3) end,
      "allreduce: argument 'op' expected one of 'sum', 'mean', 'max', 'min', got number")
    assert.has_error(function() d.allreduce(ember.zeros({ 2 }, { dtype = "int32" }), "mean") end,
      "allreduce: argument 'op' is 'mean', which needs a float32 tensor, got int32 (use 'sum')")
    assert.has_error(function() d.allreduce(t:t()) end,
      "allreduce: argument 'tensor' must be contiguous (a view with strides cannot be reduced in place; use a copy)")
    assert.has_error(function() d.broadcast({}) end, "broadcast: argument 'tensor' expected a tensor, got table")
    assert.has_error(function() d.broadcast(t, 1) end, "broadcast: argument 'root' expected a rank in 0..0, got 1")
    assert.has_error(function() d.broadcast(t, -1) end, "broadcast: argument 'root' expected a rank in 0..0, got -1")
    assert.has_error(function() d.broadcast(t, 0.5) end, "broadcast: argument 'root' expected a rank in 0..0, got 0.5")
    assert.has_error(function() d.broadcast(t, "0") end,
      "broadcast: argument 'root' expected a rank in 0..0, got string")
    assert.has_error(function() d.barrier(1) end, "barrier: takes no arguments, got 1")
  end)

  it("leaves one-process training alone (no hook, no MPI)", function()
    ember.seed(3)
    local m = ember.Sequential { ember.layers.Dense(1, { input_shape = { 2 } }) }
    m:compile { optimizer = "sgd", loss = "mse" }
    local h = m:fit(ember.randn { 8, 2 }, ember.randn { 8, 1 }, { epochs = 1, verbose = 0 })
    assert.is_nil(m._dist_synced)
    assert.equal(1, #h.history.loss)
  end)
end)

describe("training over mpirun", function()
  local function need_mpirun()
    if not have_mpirun then pending("mpirun is not installed (openmpi-bin)") end
    return have_mpirun
  end

  local single = {}
  local function one_process(kind)
    if not single[kind] then
      local out, code = sh(ENV .. interpreter .. " specs/support/dist_fit.lua " .. kind)
      assert.equal(0, code, out)
      single[kind] = parse(out)
    end
    return single[kind]
  end

  for _, kind in ipairs { "dense", "dense_dropout", "lstm", "gru_dropout", "conv1d", "embedding" } do
    for _, np in ipairs { 2, 3 } do
      it(("gives one process's weights, History, evaluate and predict: %s on %d ranks"):format(kind, np), function()
        if not need_mpirun() then return end
        local base = one_process(kind)
        local out, code = mpirun(np, "specs/support/dist_fit.lua " .. kind)
        assert.equal(0, code, out)
        local r = parse(out)
        assert.same({ 1 }, r.ranks_agree, "History differs across ranks")
        for _, what in ipairs { "weights", "history", "evaluate", "predict" } do
          assert_close(kind .. " " .. what, base[what], r[what])
        end
      end)
    end
  end

  it("gives one process's result when the batch has fewer rows than there are ranks (empty shares)", function()
    if not need_mpirun() then return end
    local out1, code1 = sh(ENV .. interpreter .. " specs/support/dist_fit.lua gru_dropout 1 2")
    assert.equal(0, code1, out1)
    local out, code = mpirun(3, "specs/support/dist_fit.lua gru_dropout 1 2")
    assert.equal(0, code, out)
    local base, r = parse(out1), parse(out)
    assert.same({ 1 }, r.ranks_agree)
    for _, what in ipairs { "weights", "history", "evaluate", "predict" } do
      assert_close("batch 2 on 3 ranks " .. what, base[what], r[what])
    end
  end)

  it("prints one progress bar and writes files on rank 0 only; load_weights reads on every rank", function()
    if not need_mpirun() then return end
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    local script = tmpscript(([[
      local dir = %q
      local d = ember.distributed
      local m = ember.Sequential { ember.layers.Dense(2, { input_shape = { 3 } }), ember.layers.Dense(1) }
      m:compile { optimizer = "adam", loss = "mse", metrics = { "mae" } }
      local ck = ember.callbacks.ModelCheckpoint(dir .. "/ck.npz", { verbose = 1 })
      local h = m:fit(ember.randn { 20, 3 }, ember.randn { 20, 1 }, { epochs = 2, batch_size = 8, callbacks = { ck } })
      -- every rank tries its own file name: only rank 0's may appear
      m:save_weights(dir .. "/w" .. d.rank() .. ".npz")
      local before = m:get_weights()[1]:clone()
      m:get_weights()[1]:fill_(0)
      m:load_weights(dir .. "/w0.npz")
      print(("rank %%d loaded %%s"):format(d.rank(), tostring((m:get_weights()[1] - before):abs():max() == 0)))
      local ok, err = pcall(m.save_weights, m, dir .. "/no/such/folder/w.npz")
      print(("rank %%d save failed: %%s"):format(d.rank(), tostring(err)))
    ]]):format(dir))
    local out, code = mpirun(2, script)
    assert.equal(0, code, out)
    local _, epochs = out:gsub("Epoch 1/2", "")
    assert.equal(1, epochs, out)
    local _, saves = out:gsub("saving model to", "")
    assert.equal(2, saves, out)  -- one message per epoch: rank 0's
    assert.truthy(out:find("rank 0 loaded true", 1, true), out)
    assert.truthy(out:find("rank 1 loaded true", 1, true), out)
    -- a failed save fails on every rank, not only on rank 0
    assert.truthy(out:find("rank 0 save failed: save_weights: ", 1, true), out)
    assert.truthy(out:find("rank 1 save failed: save_weights: rank 0 could not write " .. dir
      .. "/no/such/folder/w.npz (see its error)", 1, true), out)
    assert.truthy(io.open(dir .. "/w0.npz"), "rank 0's file is missing")
    assert.is_nil(io.open(dir .. "/w1.npz"), "rank 1 wrote a file")
    assert.truthy(io.open(dir .. "/ck.npz"))
    os.execute("rm -rf " .. dir)
  end)

  it("raises an argument error wrong on one rank only on every rank, without a hang", function()
    if not need_mpirun() then return end
    local script = tmpscript([[
      local d = ember.distributed
      local function try(f, ...)
        local ok, e = pcall(f, ...)
        print(("rank %d: %s"):format(d.rank(), ok and "ok" or e))
      end
      try(d.allreduce, d.rank() == 1 and "x" or ember.ones { 3 })
      try(d.allreduce, ember.ones { 3 + d.rank() })
      try(d.allreduce, ember.ones { 3 }, d.rank() == 0 and "sum" or "max")
      try(d.broadcast, ember.ones { 3 }, d.rank())
      try(d.broadcast, ember.ones { 2 }, 7)
      local t = ember.ones { 2 } * (d.rank() + 1)
      d.allreduce(t, "sum")
      print(("rank %d: sum %s"):format(d.rank(), table.concat(t:totable(), ",")))
      d.broadcast(t:fill_(d.rank() + 5), 1)
      print(("rank %d: bcast %s"):format(d.rank(), table.concat(t:totable(), ",")))
    ]])
    local out, code = mpirun(2, script, 30)
    assert.equal(0, code, out)
    for _, line in ipairs {
      "rank 0: allreduce: argument 'tensor' was refused on rank 1 (see its error; every rank stops here)",
      "rank 1: allreduce: argument 'tensor' expected a tensor, got string",
      "rank 0: allreduce: argument 'tensor' differs across ranks: its dim 1 is 3 here, between 3 and 4",
      "rank 1: allreduce: argument 'tensor' differs across ranks: its dim 1 is 4 here, between 3 and 4",
      "rank 0: allreduce: argument 'op' differs across ranks",
      "rank 1: allreduce: argument 'op' differs across ranks",
      "rank 0: broadcast: argument 'root' differs across ranks: the root is 0 here, between 0 and 1",
      "rank 1: broadcast: argument 'root' differs across ranks: the root is 1 here, between 0 and 1",
      "rank 0: broadcast: argument 'root' expected a rank in 0..1, got 7",
      "rank 1: broadcast: argument 'root' expected a rank in 0..1, got 7",
      "rank 0: sum 3.0,3.0", "rank 1: sum 3.0,3.0", "rank 0: bcast 6.0,6.0", "rank 1: bcast 6.0,6.0",
    } do
      assert.truthy(out:find(line, 1, true), line .. "\n---\n" .. out)
    end
  end)

  it("refuses a launch whose ranks start from different weights (different seeds)", function()
    if not need_mpirun() then return end
    local script = tmpscript([[
      ember.seed(100 + ember.distributed.rank())
      local m = ember.Sequential { ember.layers.Dense(1, { input_shape = { 3 } }) }
      m:compile { optimizer = "sgd", loss = "mse" }
      m:fit(ember.randn { 8, 3 }, ember.randn { 8, 1 }, { verbose = 0 })
    ]])
    local out, code = mpirun(2, script, 30)
    assert.is_true(code ~= 0 and code ~= 124, out)
    assert.truthy(out:find("fit: the ranks' initial weights differ (checksums differ); every rank must run "
      .. "the same script with the same seed (ember.seed) and model: refusing this launch", 1, true), out)
  end)

  it("refuses sample weights and Lua metrics over ranks (not reduced yet) instead of other numbers", function()
    if not need_mpirun() then return end
    local script = tmpscript([[
      ember.seed(5)
      local m = ember.Sequential { ember.layers.Dense(1, { input_shape = { 3 } }) }
      m:compile { optimizer = "sgd", loss = "mse" }
      local x, y = ember.randn { 8, 3 }, ember.randn { 8, 1 }
      local ok, err = pcall(m.fit, m, x, y, { verbose = 0, sample_weight = ember.ones { 8 } })
      if ember.distributed.is_main() then print("weights: " .. tostring(err)) end
      m:compile { optimizer = "sgd", loss = "mse", metrics = { { name = "mine", fn = function() return 0 end } } }
      ok, err = pcall(m.fit, m, x, y, { verbose = 0 })
      if ember.distributed.is_main() then print("metric: " .. tostring(err)) end
    ]])
    local out, code = mpirun(2, script, 30)
    assert.equal(0, code, out)
    assert.truthy(out:find("weights: fit: sample_weight and class_weight are not supported over several MPI ranks yet",
      1, true), out)
    assert.truthy(out:find("metric: fit: metric 'mine' (a Lua function) is not supported over several MPI ranks yet",
      1, true), out)
  end)

  it("saves a whole model on rank 0 only; a failed save fails on every rank", function()
    if not need_mpirun() then return end
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "'"))
    local script = tmpscript(([[
      ember.seed(5)
      local m = ember.Sequential { ember.layers.Dense(2, { input_shape = { 3 } }) }
      m:compile { optimizer = "adam", loss = "mse" }
      m:fit(ember.randn { 8, 3 }, ember.randn { 8, 2 }, { verbose = 0, epochs = 2 })
      m:save("%s/model.npz")
      local back = ember.load_model("%s/model.npz")
      print(("same %%d %%s"):format(ember.distributed.rank(), tostring(tostring(back.layers[1]:get_weights()[1]) == tostring(m.layers[1]:get_weights()[1]))))
      local ok, err = pcall(m.save, m, "%s/missing/model.npz")
      print(("failed %%d %%s"):format(ember.distributed.rank(), tostring(not ok and err:find("^save: ") ~= nil)))
    ]]):format(dir, dir, dir))
    local out, code = mpirun(2, script, 60)
    os.execute("rm -rf '" .. dir .. "'")
    assert.equal(0, code, out)
    for rank = 0, 1 do
      assert.truthy(out:find("same " .. rank .. " true", 1, true), out)
      assert.truthy(out:find("failed " .. rank .. " true", 1, true), out)
    end
  end)

  local TRAIN_FOREVER = [[
    local d = ember.distributed
    local m = ember.Sequential { ember.layers.Dense(16, { input_shape = { 8 } }), ember.layers.Dense(1) }
    m:compile { optimizer = "rmsprop", loss = "mse" }
    local x, y = ember.randn { 64, 8 }, ember.randn { 64, 1 }
    m:fit(x, y, { epochs = 1, verbose = 0 })
    if d.rank() == 1 then FAULT end
    m:fit(x, y, { epochs = 1000000, verbose = 0 })
    print("the other ranks went on")
  ]]

  local function fault_run(fault)
    local t0 = os.time()
    local out, code = mpirun(2, tmpscript((TRAIN_FOREVER:gsub("FAULT", function() return fault end))), 60)
    return out, code, os.time() - t0
  end

  it("stops every rank within seconds when one rank is killed", function()
    if not need_mpirun() then return end
    local out, code, seconds = fault_run([[
      local pid = io.open("/proc/self/stat"):read("l"):match("^(%d+)")
      os.execute("kill -9 " .. pid)]])
    assert.is_true(code ~= 0 and code ~= 124, "exit " .. tostring(code) .. "\n" .. out)
    assert.is_true(seconds < 30, seconds .. " s")
    assert.falsy(out:find("the other ranks went on", 1, true))
    assert.truthy(out:find("exited on signal 9", 1, true), out)
  end)

  it("stops every rank within seconds when one rank raises an error", function()
    if not need_mpirun() then return end
    local out, code, seconds = fault_run([[error("rank 1 gives up")]])
    assert.is_true(code ~= 0 and code ~= 124, "exit " .. tostring(code) .. "\n" .. out)
    assert.is_true(seconds < 30, seconds .. " s")
    assert.truthy(out:find("rank 1 gives up", 1, true), out)
    assert.truthy(out:find("ember: rank 1 of 2 failed; stopping every rank", 1, true), out)
    assert.falsy(out:find("the other ranks went on", 1, true))
  end)
end)
