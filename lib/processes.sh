#!/usr/bin/env bash
# The web process an app without a Procfile gets, for bin/release: inferred by the core's
# lib/pybuildpack/webapp (the same rule the build says and the CNB default process uses; the
# build's own check of the process types is the core's: webapp/procfile.py, run by finish).
# Needs lib/core.sh.

# processes::default_web BUILD_DIR ENV [APP_DIR]: the web process the app in APP_DIR (BUILD_DIR by
# default; BUILDPACK_APP_SUBDIR) gets without a Procfile (or nothing), run from BUILD_DIR; ENV: its
# virtual environment (what it installs).
processes::default_web() {
	core::run_lib pybuildpack.webapp "$1" "$2" --app "${3:-$1}"
}
