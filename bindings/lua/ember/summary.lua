-- What Sequential:summary and Model:summary (Keras 2.2.4's print_summary)
-- share: shapes as Keras prints them, thousands separators, the fixed
-- column layout and the parameter counts at the bottom.
local None = require("ember.core").None

local S = {}

-- {None, 20, 8} -> "(None, 20, 8)"; one dimension -> "(8,)" as Python's tuple.
function S.shape_str(shape)
  local parts = {}
  for i, d in ipairs(shape) do parts[i] = d == None and "None" or tostring(d) end
  if #parts == 1 then return "(" .. parts[1] .. ",)" end
  return "(" .. table.concat(parts, ", ") .. ")"
end

function S.thousands(n)
  local s = tostring(math.floor(n))
  local out = s:reverse():gsub("(%d%d%d)", "%1,"):reverse()
  return (out:gsub("^,", ""))
end

-- row(fields): each field cut or padded to end at its column position, one
-- space before every field but the first (Keras's print_row).
function S.row_printer(print_fn, positions)
  return function(fields)
    local line = ""
    for i, f in ipairs(fields) do
      if i > 1 then line = line:sub(1, -2) .. " " end
      line = (line .. f):sub(1, positions[i])
      line = line .. (" "):rep(positions[i] - #line)
    end
    print_fn(line)
  end
end

-- The three count lines and the closing rule.  Keras counts a frozen
-- layer's weights and the weights marked non-trainable (moving statistics)
-- as non-trainable.
function S.footer(print_fn, layers, line_length)
  local total, trainable = 0, 0
  for _, layer in ipairs(layers) do
    local params, _, _, flags = layer:params()
    for j, p in ipairs(params) do
      total = total + p:numel()
      if layer.trainable ~= false and (not flags or flags[j] ~= false) then trainable = trainable + p:numel() end
    end
  end
  print_fn("Total params: " .. S.thousands(total))
  print_fn("Trainable params: " .. S.thousands(trainable))
  print_fn("Non-trainable params: " .. S.thousands(total - trainable))
  print_fn(("_"):rep(line_length))
end

return S
