-- ember.plot: files of the right format and size, styles drawn as asked,
-- matplotlib-like ticks, and named errors for every bad argument.
local plot = ember.plot

local dir

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  return data
end

local function png_size(data)
  assert.equal("\137PNG\r\n\26\n", data:sub(1, 8))
  assert.equal("IHDR", data:sub(13, 16))
  return string.unpack(">I4I4", data, 17)
end

local function count(haystack, needle)
  local n, from = 0, 1
  while true do
    local i = haystack:find(needle, from, true)
    if not i then return n end
    n, from = n + 1, i + #needle
  end
end

local function fake_history(epochs)
  local h = {history = {loss = {}, val_loss = {}, acc = {}, val_acc = {}}, epoch = {}}
  for i = 1, epochs do
    h.epoch[i] = i - 1
    h.history.loss[i] = 0.6 * math.exp(-(i - 1) / 4) + 0.05
    h.history.val_loss[i] = 0.35 + 0.001 * (i - 6) ^ 2
    h.history.acc[i] = 1 - 0.8 * h.history.loss[i]
    h.history.val_acc[i] = 0.87 + 0.01 * math.cos(i)
  end
  return h
end

-- Runs a chunk in a fresh ./ember and returns everything it printed.
local function run_ember(code)
  local script = dir .. "/child.lua"
  local f = assert(io.open(script, "w"))
  f:write(code)
  f:close()
  local p = assert(io.popen("./ember " .. script .. " 2>&1"))
  local out = p:read("a")
  p:close()
  return out
end

-- Blue in cairo's SVG output.
local BLUE_FILL, BLUE_STROKE = "fill:rgb(0%,0%,100%)", "stroke:rgb(0%,0%,100%)"

describe("ember.plot", function()
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p '" .. dir .. "'"))
  end)

  teardown(function()
    os.execute("rm -rf '" .. dir .. "'")
  end)

  describe("files", function()
    it("writes a PNG of matplotlib's default size, 640x480", function()
      local path = plot.line {y = {1, 3, 2, 5}, file = dir .. "/a.png"}
      assert.equal(dir .. "/a.png", path)
      local w, h = png_size(read(path))
      assert.equal(640, w)
      assert.equal(480, h)
    end)

    it("honours width and height", function()
      local path = plot.line {y = {1, 3, 2}, file = dir .. "/b.png", width = 800, height = 300}
      local w, h = png_size(read(path))
      assert.equal(800, w)
      assert.equal(300, h)
    end)

    it("writes SVG and PDF by extension (any case)", function()
      local svg = read(plot.line {y = {1, 2, 3}, file = dir .. "/c.svg"})
      assert.truthy(svg:sub(1, 5) == "<?xml" or svg:sub(1, 4) == "<svg")
      assert.truthy(svg:find("<svg", 1, true))
      local pdf = read(plot.line {y = {1, 2, 3}, file = dir .. "/c.PDF"})
      assert.equal("%PDF", pdf:sub(1, 4))
      assert.truthy(#pdf > 500)
    end)

    it("sizes SVG and PDF pages like matplotlib (640x480 px at 100 dpi = 461x346 pt)", function()
      local svg = read(plot.line {y = {1, 2, 3}, file = dir .. "/d.svg"})
      assert.truthy(svg:find('width="461pt" height="346pt"', 1, true))
      local pdf = read(plot.line {y = {1, 2, 3}, file = dir .. "/d.pdf"})
      assert.truthy(pdf:find("MediaBox [ 0 0 461 346 ]", 1, true))
      svg = read(plot.line {y = {1, 2, 3}, file = dir .. "/e.svg", width = 1000, height = 500})
      assert.truthy(svg:find('width="720pt" height="360pt"', 1, true))
    end)

    it("overwrites an existing file", function()
      local path = dir .. "/again.png"
      plot.line {y = {1, 2}, file = path}
      plot.line {y = {1, 2}, file = path, width = 320, height = 240}
      local w = png_size(read(path))
      assert.equal(320, w)
    end)
  end)

  describe("styles", function()
    it("draws 'bo' as one blue dot per point and 'b' as a blue line", function()
      local svg = read(plot.figure {
        file = dir .. "/dots.svg", legend = false,
        series = {{y = {1, 2, 3, 4, 5, 6, 7}, style = "bo"}},
      })
      assert.equal(7, count(svg, BLUE_FILL))
      assert.equal(0, count(svg, BLUE_STROKE))
      svg = read(plot.figure {
        file = dir .. "/line.svg", legend = false,
        series = {{y = {1, 2, 3, 4, 5, 6, 7}, style = "b"}},
      })
      assert.equal(0, count(svg, BLUE_FILL))
      assert.truthy(count(svg, BLUE_STROKE) >= 1)
    end)

    it("skips NaN points (a gap, as in matplotlib)", function()
      local svg = read(plot.figure {
        file = dir .. "/gap.svg", legend = false,
        series = {{y = {1, 0 / 0, 3, 4}, style = "bo"}},
      })
      assert.equal(3, count(svg, BLUE_FILL))
    end)

    it("gives unstyled series matplotlib's colour cycle (C0 then C1)", function()
      local svg = read(plot.figure {
        file = dir .. "/cycle.svg", legend = false,
        series = {{y = {1, 2, 3}}, {y = {3, 2, 1}}},
      })
      -- tab10 C0 #1f77b4 and C1 #ff7f0e as cairo writes them
      assert.truthy(svg:find("stroke:rgb(12.156863%,46.666667%,70.588235%)", 1, true))
      assert.truthy(svg:find("stroke:rgb(100%,49.803922%,5.490196%)", 1, true))
    end)

    it("prints texts as written, '#' included (PLplot's escape character)", function()
      local function glyphs(title)
        local svg = read(plot.line {y = {1, 2, 3}, title = title, file = dir .. "/text.svg"})
        return count(svg, "<use ")
      end
      -- "#u" would otherwise start a superscript and draw no glyphs itself
      assert.equal(glyphs("ab") + 2, glyphs("a#ub"))
      assert.equal(glyphs("ab") + 1, glyphs("a#b"))
    end)

    it("draws the legend's entries for labelled series", function()
      local path = dir .. "/legend.svg"
      plot.figure {file = path, series = {{y = {1, 2, 3}, style = "bo", label = "Training loss"}}}
      -- 3 data dots + the legend's dot glyph
      assert.equal(4, count(read(path), BLUE_FILL))
      plot.figure {file = path, series = {{y = {1, 2, 3}, style = "bo"}}}
      assert.equal(3, count(read(path), BLUE_FILL))
    end)
  end)

  describe("ticks", function()
    it("picks matplotlib's MaxNLocator steps", function()
      assert.equal(2.5, ember.core.plot.tick_step(0.05, 20.95))
      assert.near(0.1, ember.core.plot.tick_step(0.0225, 0.6725), 1e-12)
      assert.equal(100000, ember.core.plot.tick_step(-21027, 441578))
      assert.equal(2, ember.core.plot.tick_step(0.55, 10.45))  -- epochs 1..10: 2, 4, 6, 8, 10
    end)
  end)

  describe("data", function()
    it("takes float32 and int32 tensors as well as lists", function()
      local n = 1000
      local y = ember.randn {n}
      local x = ember.arange(1, n)
      assert.equal(n, x.shape[1])
      local w = png_size(read(plot.line {x = x, y = y, file = dir .. "/t.png"}))
      assert.equal(640, w)
      local svg = read(plot.line {y = ember.tensor({1, 2, 3}):int(), style = "bo", file = dir .. "/ti.svg"})
      assert.equal(3, count(svg, BLUE_FILL))
    end)

    it("reads a strided tensor view (a data column) exactly like the same list", function()
      local data = ember.randn {500, 3}
      local column = data:select(2, 2)
      local list = {}
      for i = 1, 500 do list[i] = data:get(i, 2) end
      local a = read(plot.line {y = column, file = dir .. "/col_view.png"})
      local b = read(plot.line {y = list, file = dir .. "/col_list.png"})
      assert.equal(#b, #a)
      assert.is_true(a == b)
    end)

    it("plots a constant series (flat range widened as matplotlib does)", function()
      assert.truthy(plot.line {y = {2, 2, 2}, file = dir .. "/flat.png"})
      assert.truthy(plot.line {y = {0}, file = dir .. "/one.png"})
    end)
  end)

  describe("history", function()
    it("plots a Keras-shaped History, loss by default", function()
      local path = plot.history(fake_history(20), {file = dir .. "/loss.svg"})
      local svg = read(path)
      -- 20 training dots + the legend dot; validation is a line
      assert.equal(21, count(svg, BLUE_FILL))
      assert.truthy(count(svg, BLUE_STROKE) >= 1)
    end)

    it("plots the History that model:fit returns", function()
      ember.seed(3)
      local x, y = ember.randn {64, 4}, ember.zeros {64, 1}
      for i = 1, 64 do y:set(i, 1, x:get(i, 1) > 0 and 1 or 0) end
      local model = ember.Sequential()
      model:add(ember.layers.Dense(1, {activation = "sigmoid", input_shape = {4}}))
      model:compile {optimizer = "rmsprop", loss = "binary_crossentropy", metrics = {"acc"}}
      local history = model:fit(x, y, {epochs = 3, batch_size = 16, validation_split = 0.25, verbose = 0})
      local svg = read(plot.history(history, {metrics = {"acc", "val_acc"}, file = dir .. "/fit.svg"}))
      assert.equal(4, count(svg, BLUE_FILL))  -- 3 epochs + the legend dot
      assert.truthy(count(svg, BLUE_STROKE) >= 1)
    end)

    it("plots accuracy from a plain metrics table", function()
      local h = fake_history(10).history
      local path = plot.history(h, {metrics = {"acc", "val_acc"}, file = dir .. "/acc.png",
                                    title = "Training and validation accuracy"})
      local w, hh = png_size(read(path))
      assert.equal(640, w)
      assert.equal(480, hh)
    end)

    it("takes tensors, labels and styles", function()
      local h = {loss = ember.tensor {0.5, 0.4, 0.3}, val_loss = {0.6, 0.5, 0.5}}
      local svg = read(plot.history(h, {labels = {"train", "val"}, styles = {"rs", "b--"}, file = dir .. "/ls.svg"}))
      assert.equal(0, count(svg, BLUE_FILL))
      assert.equal(4, count(svg, "fill:rgb(100%,0%,0%)"))  -- 3 red squares + legend
    end)

    it("draws only the metrics asked for", function()
      local svg = read(plot.history(fake_history(5), {metrics = {"loss"}, file = dir .. "/only.svg"}))
      assert.equal(6, count(svg, BLUE_FILL))  -- 5 dots + legend
      assert.equal(0, count(svg, BLUE_STROKE))
    end)
  end)

  describe("terminal", function()
    it("prints nothing and keeps the script's output in order", function()
      local out = run_ember(string.format(
        "print('before')\nember.plot.line{y = {1, 2, 3}, file = %q}\nprint('after')\n", dir .. "/quiet.png"))
      assert.equal("before\nafter\n", out)
    end)

    it("fails without printing when the file cannot be written", function()
      local out = run_ember(string.format(
        "print(pcall(ember.plot.line, {y = {1, 2}, file = %q}))\nprint('still here')\n",
        dir .. "/missing/x.png"))
      assert.truthy(out:find("cannot be written", 1, true))
      assert.truthy(out:find("still here", 1, true))
      assert.falsy(out:find("PLPLOT", 1, true))
    end)
  end)

  describe("errors", function()
    local png = function() return dir .. "/e.png" end

    it("rejects a bad or missing file", function()
      assert.has_error(function() plot.line {y = {1}, file = dir .. "/e.bmp"} end,
        "ember.plot.line: option 'file' expected a path ending in .png, .svg or .pdf, got \"" .. dir .. "/e.bmp\"")
      assert.has_error(function() plot.line {y = {1}} end,
        "ember.plot.line: option 'file' is missing (a path ending in .png, .svg or .pdf)")
      assert.has_error(function() plot.line {y = {1}, file = 3} end,
        "ember.plot.line: option 'file' expected a path ending in .png, .svg or .pdf, got 3")
    end)

    it("rejects an unwritable path and leaves no file", function()
      assert.error_matches(function() plot.line {y = {1, 2}, file = dir .. "/no/such/dir/x.png"} end,
        "^ember%.plot%.line: file '.-/no/such/dir/x%.png' cannot be written %(No such file or directory%)")
      os.execute("mkdir -p '" .. dir .. "/isdir.png'")
      assert.error_matches(function() plot.line {y = {1, 2}, file = dir .. "/isdir.png"} end,
        "^ember%.plot%.line: file '.-isdir%.png' cannot be written")
    end)

    it("rejects missing, empty, mismatched and non-numeric series", function()
      assert.has_error(function() plot.line {file = png()} end,
        "ember.plot.line: option 'y' is missing (the values to plot)")
      assert.has_error(function() plot.line {y = {}, file = png()} end, "ember.plot.line: option 'y' is empty")
      assert.has_error(function() plot.line {x = {1, 2}, y = {1, 2, 3}, file = png()} end,
        "ember.plot.line: options 'x' and 'y' have different lengths (2 and 3)")
      assert.has_error(function() plot.line {y = {1, "a", 3}, file = png()} end,
        "ember.plot.line: option 'y' expected a list of numbers, got \"a\" at index 2")
      assert.has_error(function() plot.line {y = "abc", file = png()} end,
        "ember.plot.line: option 'y' expected a list of numbers or a 1-D tensor, got \"abc\"")
      assert.has_error(function() plot.line {y = ember.zeros {2, 3}, file = png()} end,
        "ember.plot.line: option 'y' expected a list of numbers or a 1-D tensor, got float32 tensor {2,3}")
      assert.has_error(function() plot.line {x = {1, true}, y = {1, 2}, file = png()} end,
        "ember.plot.line: option 'x' expected a list of numbers, got boolean at index 2")
    end)

    it("rejects NaN-only data", function()
      assert.has_error(function() plot.line {y = {0 / 0, 0 / 0}, file = png()} end,
        "ember.plot.line: series 1 has no finite point (all 2 are NaN or infinite)")
      assert.has_error(function()
        plot.figure {file = png(), series = {{y = {1}}, {y = {math.huge}, label = "val"}}}
      end, "ember.plot.figure: series 2 ('val') has no finite point (all 1 are NaN or infinite)")
    end)

    it("rejects bad options", function()
      assert.has_error(function() plot.line "x" end,
        "ember.plot.line: argument 'options' expected a table, got string")
      assert.has_error(function() plot.line {y = {1}, file = png(), titel = "t"} end,
        "ember.plot.line: unknown option 'titel' (valid: file, title, xlabel, ylabel, width, height, legend, x, y, "
        .. "style, label); did you mean 'title'?")
      assert.has_error(function() plot.line {y = {1}, file = png(), series = {}} end,
        "ember.plot.line: unknown option 'series' (valid: file, title, xlabel, ylabel, width, height, legend, x, y, "
        .. "style, label)")
      assert.has_error(function() plot.line {y = {1}, file = png(), title = 5} end,
        "ember.plot.line: option 'title' expected a string, got 5")
      assert.has_error(function() plot.line {y = {1}, file = png(), width = 10} end,
        "ember.plot.line: option 'width' must be in [64, 8192], got 10")
      assert.has_error(function() plot.line {y = {1}, file = png(), legend = "yes"} end,
        "ember.plot.line: option 'legend' expected a boolean, got string")
      assert.error_matches(function() plot.line {y = {1}, file = png(), style = "bz"} end,
        "^ember%.plot%.line: option 'style': unknown character 'z' in style \"bz\"")
      assert.error_matches(function() plot.line {y = {1}, file = png(), style = "bro"} end,
        "^ember%.plot%.line: option 'style': a second colour 'r' in style \"bro\"")
    end)

    it("names the series at fault in ember.plot.figure", function()
      assert.has_error(function() plot.figure {file = png(), series = {}} end,
        "ember.plot.figure: option 'series' is empty")
      assert.has_error(function() plot.figure {file = png(), series = {5}} end,
        "ember.plot.figure: option 'series[1]' expected a table {x =, y =, style =, label =}, got 5")
      assert.has_error(function() plot.figure {file = png(), series = {{y = {1}}, {x = {1}, y = {1, 2}}}} end,
        "ember.plot.figure: options 'series[2].x' and 'series[2].y' have different lengths (1 and 2)")
      assert.has_error(function() plot.figure {file = png(), series = {{y = {1}, colour = "b"}}} end,
        "ember.plot.figure: unknown option 'series[1].colour' (valid: x, y, style, label)")
      assert.has_error(function() plot.figure {file = png(), y = {1}, series = {{y = {1}}}} end,
        "ember.plot.figure: give either option 'series' or options 'x'/'y', not both")
    end)

    it("plots a validation metric that misses the last epoch (an epoch cut short by stop_training)", function()
      local path = png()
      local h = {history = {loss = {0.9, 0.5, 0.4}, val_loss = {1.0, 0.8}}, epoch = {0, 1, 2}}
      assert.equal(path, plot.history(h, {metrics = {"loss", "val_loss"}, file = path}))
      assert.equal("\137PNG", read(path):sub(1, 4))
    end)

    it("checks the history and its options", function()
      assert.has_error(function() plot.history(nil) end,
        "ember.plot.history: argument 'history' expected a History (from model:fit) or a table of metric lists, got nil")
      assert.has_error(function() plot.history({loss = {1, 2}}, {metrics = {"val_loss"}, file = png()}) end,
        "ember.plot.history: option 'metrics' names 'val_loss', which the history does not have (it has: loss)")
      assert.has_error(function() plot.history({loss = {1, "x"}}, {file = png()}) end,
        "ember.plot.history: history metric 'loss' expected a list of numbers, got \"x\" at index 2")
      assert.has_error(function() plot.history({loss = {}}, {file = png()}) end,
        "ember.plot.history: history metric 'loss' is empty")
      assert.has_error(function() plot.history({history = {loss = {1, 2}}, epoch = {0}}, {file = png()}) end,
        "ember.plot.history: history.epoch has 1 entries but metric 'loss' has 2 values")
      assert.has_error(function() plot.history({loss = {1, 2}}, {fil = png()}) end,
        "ember.plot.history: unknown option 'fil' (valid: file, height, labels, legend, metrics, styles, title, width, "
        .. "xlabel, ylabel); did you mean 'file'?")
      assert.has_error(function() plot.history({loss = {1, 2}}, "loss.png") end,
        "ember.plot.history: argument 'options' expected a table, got \"loss.png\"")
      assert.has_error(function() plot.history({loss = {1, 2}}, {metrics = "loss", file = png()}) end,
        "ember.plot.history: option 'metrics' expected a non-empty list of metric names such as {\"loss\", \"val_loss\"}, got \"loss\"")
      assert.has_error(function() plot.history({loss = {1, 2}}, {labels = {"a", "b"}, file = png()}) end,
        "ember.plot.history: option 'labels' expected a list of 1 strings (one per metric), got table")
      assert.error_matches(function() plot.history({loss = {1, 2}}, {styles = {"bq"}, file = png()}) end,
        "^ember%.plot%.history: option 'styles' entry 1: unknown character 'q' in style \"bq\"")
      assert.has_error(function() plot.history({loss = ember.zeros {2, 2}}, {file = png()}) end,
        "ember.plot.history: history metric 'loss' expected a list of numbers or a 1-D tensor, got a 2-D tensor")
      assert.error_matches(function() plot.history({loss = {1, 2}}, {file = dir .. "/h.gif"}) end,
        "^ember%.plot%.history: option 'file' expected a path ending in %.png, %.svg or %.pdf")
      assert.error_matches(function() plot.history({loss = {1, 2}}, {file = dir .. "/nope/h.png"}) end,
        "^ember%.plot%.history: file '.-' cannot be written")
    end)
  end)
end)
