-- Listing 6-15: plotting the results of 6-14 (run it first): training
-- accuracy as dots, validation accuracy as a line, then the losses.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local ch06 = require "common"

local run = ch06.setup("6-15")
local history = run:load_history("6-14")

ember.plot.figure {
  title = "Training and validation accuracy", xlabel = "Epochs", ylabel = "Accuracy",
  file = run:path("6-15_acc.png"),
  series = { { y = history.history.acc, style = "bo", label = "Training acc" },
             { y = history.history.val_acc, style = "b", label = "Validation acc" } } }
ember.plot.figure {
  title = "Training and validation loss", xlabel = "Epochs", ylabel = "Loss",
  file = run:path("6-15_loss.png"),
  series = { { y = history.history.loss, style = "bo", label = "Training loss" },
             { y = history.history.val_loss, style = "b", label = "Validation loss" } } }
print("figures: " .. run:path("6-15_acc.png") .. ", " .. run:path("6-15_loss.png"))
