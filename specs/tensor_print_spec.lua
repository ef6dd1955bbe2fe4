-- tostring(tensor) prints like numpy's print.  The expected strings were
-- produced by numpy 1.24 (str(np.array(..., dtype=np.float32))); when
-- python3 with numpy is present, random tensors are also compared live.
local T = ember.tensor
local function I(t) return ember.tensor(t, { dtype = "int32" }) end

describe("tostring", function()
  it("prints floats with numpy's shortest aligned digits", function()
    assert.equal("[1.  2.5]", tostring(T { 1, 2.5 }))
    assert.equal("[[1.  2. ]\n [3.  4.5]]", tostring(T { { 1, 2 }, { 3, 4.5 } }))
    assert.equal("[0.33333334 1.        ]", tostring(T { 1 / 3, 1 }))
    assert.equal("[-1.  2.]", tostring(T { -1, 2 }))
    assert.equal("[ -0.5  100.25]", tostring(T { -0.5, 100.25 }))
    assert.equal("[0.1 0.2]", tostring(T { 0.1, 0.2 }))
    assert.equal("[123456.7]", tostring(T { 123456.7 }))
    assert.equal("[0. 0.]", tostring(T { 0, 0 }))
    assert.equal("[0.0001234]", tostring(T { 0.0001234 }))
  end)

  it("switches to scientific notation as numpy does", function()
    assert.equal("[1.5e-05 1.0e+00]", tostring(T { 1.5e-5, 1 }))
    assert.equal("[1.e+00 2.e+03]", tostring(T { 1, 2000 }))
    assert.equal("[1.e+10 1.e+00]", tostring(T { 1e10, 1 }))
    assert.equal("[1.25e-05 3.00e-07]", tostring(T { 1.25e-5, 3e-7 }))
    assert.equal("[1.e-04 1.e+00]", tostring(T { 1e-4, 1 }))
  end)

  it("prints ints, nan, inf, scalars and empty tensors", function()
    assert.equal("[1 2 3]", tostring(I { 1, 2, 3 }))
    assert.equal("[-3 -2 -1  0  1  2  3  4]", tostring(ember.arange(-3, 4)))
    assert.equal("[ nan  1.5 -inf]", tostring(T { 0 / 0, 1.5, -1 / 0 }))
    assert.equal("2.5", tostring(T(2.5)))
    assert.equal("1.0", tostring(T(1)))
    assert.equal("7", tostring(I(7)))
    assert.equal("[]", tostring(ember.zeros { 0, 3 }))
    assert.equal("[ 2147483647 -2147483648]", tostring(I { 2147483647, -2147483648 }))
  end)

  it("separates blocks of 3-D tensors with a blank line", function()
    assert.equal("[[[ 0.  1.  2.  3.]\n  [ 4.  5.  6.  7.]\n  [ 8.  9. 10. 11.]]\n\n [[12. 13. 14. 15.]\n  [16. 17. 18. 19.]\n  [20. 21. 22. 23.]]]",
      tostring(ember.arange(0, 23):float():reshape { 2, 3, 4 }))
  end)

  it("wraps long rows at 75 columns and elides past 1000 elements", function()
    assert.equal("[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n"
      .. " 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]", tostring(ember.arange(0, 29):float()))
    assert.equal("[[   0    1    2 ...   97   98   99]\n [ 100  101  102 ...  197  198  199]\n"
      .. " [ 200  201  202 ...  297  298  299]\n ...\n [9700 9701 9702 ... 9797 9798 9799]\n"
      .. " [9800 9801 9802 ... 9897 9898 9899]\n [9900 9901 9902 ... 9997 9998 9999]]",
      tostring(ember.arange(0, 9999):reshape { 100, 100 }))
    assert.equal("[0.0000000e+00 1.4285715e-01 2.8571430e-01 ... 2.8528571e+02 2.8542856e+02\n 2.8557144e+02]",
      tostring(ember.arange(0, 1999):float() / 7))
  end)

  it("prints strided views in logical order", function()
    assert.equal("[[1. 3.]\n [2. 4.]]", tostring(T { { 1, 2 }, { 3, 4 } }:t()))
  end)

  it("matches numpy on random tensors", function()
    local py = require("support.python").with("numpy")
    if not py then pending("python3 with numpy is not installed") return end
    local dir = os.tmpname()
    os.remove(dir)
    os.execute('mkdir -p "' .. dir .. '"')
    ember.seed(11)
    local k = 0
    for _, shape in ipairs { { 7 }, { 3, 5 }, { 2, 3, 4 }, { 40 }, { 1001 }, { 12, 12, 12 } } do
      for _, scale in ipairs { 1, 1e-3, 1e-6, 1e3, 1e9 } do
        k = k + 1
        local t = ember.randn(shape) * scale
        if k % 3 == 0 then t = (t * 100):int() end
        ember.save(("%s/c%03d.npy"):format(dir, k), t)
        local f = assert(io.open(("%s/c%03d.txt"):format(dir, k), "w"))
        f:write(tostring(t))
        f:close()
      end
    end
    local script = dir .. "/cmp.py"
    local f = assert(io.open(script, "w"))
    f:write("import numpy as np, glob, sys\nbad = [p for p in sorted(glob.glob(sys.argv[1] + '/c*.npy'))\n"
      .. "       if str(np.load(p)) != open(p[:-4] + '.txt').read()]\nif bad: print(bad)\nsys.exit(1 if bad else 0)\n")
    f:close()
    local ok = os.execute(py .. ' "' .. script .. '" "' .. dir .. '"')
    os.execute('rm -rf "' .. dir .. '"')
    assert.is_true(ok == true)
  end)
end)
