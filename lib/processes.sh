#!/usr/bin/env bash
# The web process an app without a Procfile gets, for bin/release: inferred by the core's
# lib/pybuildpack/webapp (the same rule the build says and the CNB default process uses; the
# build's own check of the process types is the core's: webapp/procfile.py, run by finish).
# Needs lib/core.sh.

# processes::default_web BUILD_DIR ENV: the web process the app gets without a Procfile (or
# nothing); ENV: its virtual environment (what it installs).
processes::default_web() {
	core::run_lib pybuildpack.webapp "$1" "$2"
}
