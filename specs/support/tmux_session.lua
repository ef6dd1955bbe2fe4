-- A real terminal session of the ember REPL, driven through tmux (for the
-- specs of what only a terminal shows: Ctrl-C, Ctrl-D, Tab, history).
--   local tmux = require "support.tmux_session"
--   local s = tmux.start{home = dir}      -- nil, reason when tmux is missing
--   s:type("x = 1"); s:keys("Enter", "C-c"); s:wait_for("pattern"); s:screen(); s:exited(); s:stop()
-- type sends literal text, keys tmux key names (Enter, Tab, C-c, C-d, Up).
local M = {}
local Session = {}
Session.__index = Session

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function run(cmd) return os.execute(cmd .. " >/dev/null 2>&1") end

function M.start(opts)
  if not run("command -v tmux") then return nil, "tmux is not installed" end
  local self = setmetatable({ name = ("ember_spec_%d_%d"):format(os.time(), math.random(1e9)),
    status_file = os.tmpname() }, Session)
  os.remove(self.status_file)
  local env = opts and opts.home and ("HOME=" .. quote(opts.home) .. " ") or ""
  local cmd = ("%s%s; echo $? > %s; sleep 30"):format(env, quote(arg[-1]), quote(self.status_file))
  run(("tmux new-session -d -s %s -x 150 -y 40 %s"):format(self.name, quote(cmd)))
  self:wait_for(">%s*$")
  return self
end

function Session:type(text) run(("tmux send-keys -t %s -l %s"):format(self.name, quote(text))) end

function Session:keys(...)
  for _, key in ipairs { ... } do run(("tmux send-keys -t %s %s"):format(self.name, quote(key))) end
end

function Session:screen()
  local p = io.popen(("tmux capture-pane -t %s -p 2>/dev/null"):format(self.name))
  local s = p:read("a")
  p:close()
  return s
end

-- Waits (up to `seconds`, default 10) until the screen matches pattern.
function Session:wait_for(pattern, seconds)
  local deadline = os.time() + (seconds or 10)
  repeat
    local s = self:screen()
    if s:find(pattern) then return s end
    os.execute("sleep 0.1")
  until os.time() > deadline
  return nil
end

-- The REPL's exit status once it has ended, else nil.
function Session:exited()
  local f = io.open(self.status_file)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return tonumber(s)
end

function Session:stop()
  run("tmux kill-session -t " .. self.name)
  os.remove(self.status_file)
end

return M
