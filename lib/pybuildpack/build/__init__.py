"""The build's Python steps, one module each, in the order bin/compile runs them (state.py describes
the seam): decide, install, finish; and show, bin/plan's view of the same steps. app.py and
version.py hold what they share."""
