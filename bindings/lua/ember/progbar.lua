-- Keras 2.2's Progbar: with verbose = 1 a bar redrawn in place with "\r"
--   157/157 [==============================] - 3s 19ms/step - loss: 0.4632 - acc: 0.7851
-- (one final line per epoch when stdout is not a terminal); with verbose = 2
-- one line per epoch " - 3s - loss: ...".  Values are averaged over the
-- units seen so far, weighted by how many units each update covered.
local core = require "ember.core"

local Progbar = {}
Progbar.__index = Progbar

local WIDTH, INTERVAL = 30, 0.05

-- opts.out: a function(string) writing without newline (io.stdout by default);
-- opts.dynamic: redraw in place (default: stdout is a terminal).
function Progbar.new(target, verbose, opts)
  opts = opts or {}
  local dynamic = opts.dynamic
  if dynamic == nil then dynamic = core.train.isatty() end
  return setmetatable({
    target = target, verbose = verbose, dynamic = dynamic,
    out = opts.out or function(s) io.stdout:write(s); io.stdout:flush() end,
    clock = opts.clock or core.clock,
    start = (opts.clock or core.clock)(), last_update = -math.huge,
    seen = 0, sums = {}, counts = {}, order = {}, total_width = 0,
  }, Progbar)
end

-- values: list of {name, value}; averaged with weight (current - seen).
function Progbar:add_values(current, values)
  local weight = math.max(current - self.seen, 1)
  for _, kv in ipairs(values or {}) do
    local k, v = kv[1], kv[2]
    if not self.sums[k] then
      self.sums[k], self.counts[k] = 0, 0
      self.order[#self.order + 1] = k
    end
    self.sums[k] = self.sums[k] + v * weight
    self.counts[k] = self.counts[k] + weight
  end
  self.seen = current
end

local function fmt_value(v)
  if math.abs(v) > 1e-3 then return (" %.4f"):format(v) end
  return (" %.4e"):format(v)
end

function Progbar:values_str()
  local parts = {}
  for _, k in ipairs(self.order) do
    parts[#parts + 1] = " - " .. k .. ":" .. fmt_value(self.sums[k] / math.max(1, self.counts[k]))
  end
  return table.concat(parts)
end

local function per_unit(t)
  if t >= 1 then return (" %.0fs/step"):format(t) end
  if t >= 1e-3 then return (" %.0fms/step"):format(t * 1e3) end
  return (" %.0fus/step"):format(t * 1e6)
end

local function eta_str(eta)
  if eta > 3600 then
    return ("%d:%02d:%02d"):format(eta // 3600, (eta % 3600) // 60, math.floor(eta % 60))
  elseif eta > 60 then
    return ("%d:%02d"):format(eta // 60, math.floor(eta % 60))
  end
  return ("%ds"):format(math.floor(eta))
end

function Progbar:bar(current)
  local digits = math.floor(math.log(self.target, 10) + 1e-9) + 1
  local s = ("%" .. digits .. "d/%d ["):format(current, self.target)
  local width = math.floor(WIDTH * current / self.target)
  if width > 0 then
    s = s .. ("="):rep(width - 1) .. (current < self.target and ">" or "=")
  end
  return s .. ("."):rep(WIDTH - width) .. "]"
end

-- The line Keras prints for `current` (no leading \r, no newline).
function Progbar:line(current, now)
  local elapsed = now - self.start
  local tpu = current > 0 and elapsed / current or 0
  local info = (" - %.0fs"):format(elapsed)
  if self.verbose == 2 then return info .. self:values_str() end
  if current < self.target then
    info = " - ETA: " .. eta_str(tpu * (self.target - current))
  else
    info = info .. per_unit(tpu)
  end
  return self:bar(current) .. info .. self:values_str()
end

function Progbar:update(current, values, force)
  self:add_values(current, values)
  if self.verbose ~= 1 or not self.dynamic then return end
  local now = self.clock()
  if not force and now - self.last_update < INTERVAL and current < self.target then return end
  self.last_update = now
  local line = self:line(current, now)
  local pad = math.max(0, self.total_width - #line)
  self.total_width = #line
  self.out("\r" .. line .. (" "):rep(pad))
end

-- End of the epoch: the final line (with extra values such as val_loss).
function Progbar:finish(values)
  for _, kv in ipairs(values or {}) do
    local k = kv[1]
    if not self.sums[k] then self.order[#self.order + 1] = k end
    self.sums[k], self.counts[k] = kv[2], 1
  end
  if self.verbose == 0 then return end
  local line = self:line(self.target, self.clock())
  if self.verbose == 1 and self.dynamic then
    local pad = math.max(0, self.total_width - #line)
    self.out("\r" .. line .. (" "):rep(pad) .. "\n")
  else
    self.out(line .. "\n")
  end
end

-- Interrupted mid-epoch: end the bar's line.
function Progbar:abort()
  if self.verbose == 1 and self.dynamic and self.total_width > 0 then self.out("\n") end
end

return Progbar
