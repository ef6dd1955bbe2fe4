-- The chapter-7 scripts' command line: --quick (a cut-down run for the
-- specs), --epochs N, --samples N, --seed N.  Unknown arguments are errors.
local M = {}

function M.parse(argv, defaults)
  local opts = {}
  for k, v in pairs(defaults) do opts[k] = v end
  local i = 1
  while argv and argv[i] do
    local a = argv[i]
    if a == "--quick" then
      opts.quick = true
    elseif a == "--epochs" or a == "--samples" or a == "--seed" then
      local v = math.tointeger(tonumber(argv[i + 1]))
      if not v or v < 1 then error(("%s expects a positive integer, got %s"):format(a, tostring(argv[i + 1])), 0) end
      opts[a:sub(3)] = v
      i = i + 1
    elseif a == "--listing" then
      opts.listing = argv[i + 1]
      i = i + 1
    else
      error(("unknown argument %s (valid: --quick, --epochs N, --samples N, --seed N%s)")
        :format(a, defaults.listing and ", --listing 7-4|7-5" or ""), 0)
    end
    i = i + 1
  end
  return opts
end

return M
