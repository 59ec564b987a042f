#!/usr/bin/env bash
# shellcheck disable=SC2034 # the variables are the files that source this one's
# The slug's layout: where the build puts what the app runs with, relative to the build directory
# (BUILD_DIR; SLUG_HOME once the slug runs on a dyno). The Python core names the same places in
# lib/pybuildpack/context.py (Layout, SLUG_HOME); test/python/test_slug.py holds the two equal and
# fails when any other file of bin/, lib/ or builds/ spells one of these paths.
#
# Sourcing it sets these variables only (nothing else, no shell options).

SLUG_HOME=/app                               # where a dyno unpacks the slug (the runtime's prefix)
SLUG_DIR=.heroku                             # the buildpack's part of the slug
SLUG_RUNTIME=.heroku/python                  # the CPython runtime
SLUG_RUNTIME_PYTHON=.heroku/python/bin/python3
SLUG_ENV=.heroku/venv                        # the app's virtual environment
SLUG_ENV_PYTHON=.heroku/venv/bin/python
SLUG_NATIVES=.heroku/vendor                  # native libraries, one directory each (NAME/lib, ...)
SLUG_PROFILE_D=.profile.d                    # run-time settings, sourced at dyno start
SLUG_APP_SUBDIR=.heroku/app-subdir           # where the app is in the slug (BUILDPACK_APP_SUBDIR), for bin/release

# The Cloud Native Buildpack shape (bin/build): layers of CNB_LAYERS_DIR in place of the slug's
# .heroku/ and of CACHE_DIR (the cache layer is bin/build's CACHE_DIR).
LAYER_RUNTIME=python                         # the CPython runtime
LAYER_ENV=venv                               # the app's virtual environment
LAYER_NATIVES=natives                        # native libraries, one directory each
LAYER_CACHE=cache                            # what classic keeps in CACHE_DIR (cache only)
LAYER_TOOLS=tools                            # the package managers (build and cache only)
