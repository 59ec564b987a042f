"""The core's commands, one module each, in the order bin/compile runs them (state.py describes
the seam): decide, install, finish; plan (bin/plan's view of the same steps) and install_test
(bin/test-compile). Each reads top to bottom, one call per step into the concept that does it."""
