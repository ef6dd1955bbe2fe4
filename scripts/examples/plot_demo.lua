-- ember.plot demo: the kinds of figures chapter 6 draws, from made-up data.
--
--   ./ember scripts/examples/plot_demo.lua [--out out/examples]
--
-- Writes loss.png and acc.png (training curves in the style of figures
-- 6-5/6-6: blue dots for training, a blue line for validation),
-- temperature.png and temperature_10days.png (time series as in figures
-- 6-18/6-19), and loss.svg / loss.pdf to show the other formats.
local out = "out/examples"
for i = 1, #arg do
  if arg[i] == "--out" and arg[i + 1] then out = arg[i + 1] end
end
assert(os.execute("mkdir -p '" .. out .. "'"), "cannot create " .. out)

-- A History shaped like Keras's (what model:fit returns): training loss
-- keeps falling, validation loss turns up after a few epochs (overfitting).
math.randomseed(6)
local epochs = 20
local history = {history = {loss = {}, val_loss = {}, acc = {}, val_acc = {}}, epoch = {}}
for e = 1, epochs do
  local h = history.history
  history.epoch[e] = e - 1
  h.loss[e] = 0.55 * math.exp(-(e - 1) / 3.5) + 0.02 + 0.005 * math.random()
  h.val_loss[e] = 0.30 + 0.0009 * (e - 5) ^ 2 + 0.012 * math.random()
  h.acc[e] = 0.99 - 0.8 * h.loss[e] + 0.004 * math.random()
  h.val_acc[e] = 0.875 - 0.0002 * (e - 5) ^ 2 + 0.006 * math.random()
end

local written = {}
local function note(path) written[#written + 1] = path end

note(ember.plot.history(history, {file = out .. "/loss.png"}))
note(ember.plot.history(history, {metrics = {"acc", "val_acc"}, file = out .. "/acc.png"}))
note(ember.plot.history(history, {file = out .. "/loss.svg"}))
note(ember.plot.history(history, {file = out .. "/loss.pdf"}))

-- A stand-in for the Jena temperature record: 10-minute steps over eight
-- years, a yearly and a daily cycle plus noise.
local steps_per_day = 144
local n = steps_per_day * 365 * 8
local temp = {}
for i = 1, n do
  local day = (i - 1) / steps_per_day
  temp[i] = 9 - 10 * math.cos(2 * math.pi * (day + 10) / 365.25)
            - 3 * math.cos(2 * math.pi * day) + 2.5 * (math.random() - 0.5)
end
local series = ember.tensor(temp)  -- a float32 tensor: read in C, no per-point Lua
note(ember.plot.line {y = series, file = out .. "/temperature.png",
                      title = "Temperature (stand-in data)", xlabel = "Time step (10 min)", ylabel = "degC"})

local first = {}
for i = 1, 10 * steps_per_day do first[i] = temp[i] end
note(ember.plot.line {y = first, file = out .. "/temperature_10days.png",
                      title = "First 10 days", xlabel = "Time step (10 min)", ylabel = "degC"})

-- Several series on one figure.
local x, s, c = {}, {}, {}
for i = 1, 100 do
  x[i] = (i - 1) / 99 * 2 * math.pi
  s[i], c[i] = math.sin(x[i]), math.cos(x[i])
end
note(ember.plot.figure {file = out .. "/sine.png", title = "sin and cos", xlabel = "x",
                        series = {{x = x, y = s, label = "sin"}, {x = x, y = c, style = "--", label = "cos"}}})

for _, path in ipairs(written) do print("wrote " .. path) end
