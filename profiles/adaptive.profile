# adaptive.profile - the default sandbox, tightened mid-run by the in-kernel
# decision tree when the program's behaviour turns hostile (see
# profiles/models/README.md for the model and how it was trained).
#
#   compart-run --profile adaptive -- COMMAND
#
# Levels only go up, and tightening never kills: the program keeps running
# and keeps its data; what it may do next shrinks.  An operator lowers a
# level with `compart-ctl set-level SANDBOX N`.

include "default"

adapt {
	model "models/default.tree"
	eval-every 8
	window 2s
	scratch /tmp
	level 1 forbid connect exec-new
	level 2 forbid write fork exec
	level 3 forbid freeze
}
