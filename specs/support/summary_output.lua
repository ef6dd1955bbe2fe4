-- busted output handler: the usual utfTerminal output, then one plain line
-- "N passed, N failed, N skipped" that CI reads whatever the runner.
-- Errors (a spec that raised outside an assertion) count as failed.
return function(options)
  local busted = require "busted"
  local handler = require "busted.outputHandlers.utfTerminal"(options)
  busted.subscribe({ "suite", "end" }, function()
    io.write(("%d passed, %d failed, %d skipped\n"):format(handler.successesCount,
      handler.failuresCount + handler.errorsCount, handler.pendingsCount))
    io.flush()
    return nil, true
  end)
  return handler
end
