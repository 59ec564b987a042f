# Python buildpack: make test | lint | mirror | demo | bench | slug-compare | corpus | vendor | buildpackage | reproducible
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

TOOLS := $(CURDIR)/.tools
TOOLS_BIN := $(TOOLS)/bin
MIRROR_DIR := $(CURDIR)/.mirror
BASH_FILES := bin/detect bin/compile bin/build bin/release bin/plan bin/report bin/test-compile bin/test $(wildcard lib/*.sh) $(wildcard lib/profile.d/*.sh) $(wildcard builds/*.sh) test/demo.sh test/bench/run.sh test/bench/slug.sh test/corpus/run.sh test/reproducible/run.sh $(wildcard test/trials/*.sh) \
	$(wildcard builds/*/*.sh) $(wildcard builds/*/*/*.sh) $(wildcard test/helpers/*.bash) test/integration/setup_suite.bash test/helpers/tests_tmpdir.sh .ci/run
# The bats suites run BATS_JOBS tests at a time (GNU parallel); integration tests that use /app
# take turns. More than the cores, so that a test waiting on the network leaves none idle (on 2
# shared cores, 4 at a time with lint, pytest and the unit suites beside them took as long as 2
# at a time alone). More than 4 shortens nothing: vmstat shows a whole run with no idle time.
BATS_JOBS ?= 4

.PHONY: test lint unit integration pytest tools mirror demo bench slug-compare corpus vendor buildpackage reproducible clean

# make test: lint, pytest and the unit suites run while the integration suites do (they share no
# files, ports or /app); each one's output is printed whole when it ends.
test: tools
	$(MAKE) --no-print-directory --jobs=4 --output-sync=target lint pytest unit integration

tools: $(TOOLS)/.installed

# pip fetches the pinned uv, and uv installs the rest, compiled (a machine with
# PYTHONDONTWRITEBYTECODE set would compile Poetry's and pipenv's modules at every run of them):
# 10 s where pip took 20 (its resolver) before every CI run.
$(TOOLS)/.installed: test/requirements.txt
	python3 -m venv $(TOOLS)
	$(TOOLS_BIN)/pip install --quiet --disable-pip-version-check "$$(grep -m1 '^uv==' test/requirements.txt)"
	$(TOOLS_BIN)/uv pip install --quiet --compile-bytecode --python $(TOOLS_BIN)/python -r test/requirements.txt
	touch $@

lint: tools
	$(TOOLS_BIN)/shellcheck -x $(BASH_FILES)
	$(TOOLS_BIN)/ruff check lib test/python builds test/cnb test/helpers test/reproducible test/trials
	$(TOOLS_BIN)/ruff format --check lib test/python builds test/cnb test/helpers test/reproducible test/trials

# (some read the mirror's uv: make builds it once, before pytest and the integration suites alike)
pytest: tools mirror
	$(TOOLS_BIN)/pytest -q test/python

unit: tools
	PATH="$(TOOLS_BIN):$$PATH" bats --jobs $(BATS_JOBS) test/unit

# One pool: the test that builds with the pip engine whatever the run's engine ("pip engine: ..." in
# ordered_install.bats) runs beside the rest. TEST_INSTALLER=pip runs every suite with pip.
# test/integration/setup_suite.bash builds the run's bytecode seed first (test/helpers/seed.bash).
# The files that hold the longest tests (a cold CNB build and its rebuilds, uWSGI compiled, every
# form with pip, numpy-built sdists) are given first: GNU parallel starts the files in the order
# given, and a 60 s test that starts last is a 60 s tail with the other jobs idle.
INTEGRATION_FIRST := $(addprefix test/integration/,cnb.bats c_extensions.bats requirement_forms.bats \
	lockfiles_poetry.bats ordered_install.bats cache.bats lockfiles_uv.bats)
INTEGRATION_FILES := $(INTEGRATION_FIRST) $(filter-out $(INTEGRATION_FIRST),$(sort $(wildcard test/integration/*.bats)))

integration: tools mirror
	PATH="$(TOOLS_BIN):$$PATH" MIRROR_DIR="$(MIRROR_DIR)" TMPDIR="$$(bash test/helpers/tests_tmpdir.sh)" \
		bats --timing --jobs $(BATS_JOBS) $(INTEGRATION_FILES)

# make mirror: every archive of builds/mirror-versions.txt; what the mirror lacks is built side by
# side (MIRROR_JOBS at a time, default the cores).
mirror:
	bash builds/mirror.sh $(MIRROR_DIR)

# make demo: the mirror gets only what the demo app needs, the runtime of its .python-version.
demo:
	bash builds/mirror.sh $(MIRROR_DIR) python$$(cat test/fixtures/flask-app/.python-version)
	bash test/demo.sh

vendor:
	bash builds/vendor.sh

# make buildpackage: the buildpack as a buildpackage, an OCI image layout (one layer, an image index
# with a manifest per architecture of buildpack.toml's targets), the same bytes on every run.
BUILDPACKAGE_DIR ?= $(CURDIR)/dist/buildpackage
buildpackage:
	python3 builds/buildpackage.py "$(BUILDPACKAGE_DIR)"

clean:
	rm -rf $(TOOLS) $(MIRROR_DIR)

bench: tools mirror
	PATH="$(TOOLS_BIN):$$PATH" bash test/bench/run.sh

# make slug-compare HEROKU_BUILDPACK=DIR: the bench app's slug beside the one Heroku's classic Python
# buildpack makes (DIR: a checkout of it, fetched by you; see "The slug's size" in the README).
slug-compare: tools mirror
	PATH="$(TOOLS_BIN):$$PATH" HEROKU_BUILDPACK="$(HEROKU_BUILDPACK)" bash test/bench/slug.sh

corpus: mirror
	bash test/corpus/run.sh

# make reproducible [FIXTURES="flask-app django-app"]: each app built twice, cold, in two build
# directories a minute apart, classic (the slugs diffed, then a warm rebuild's with the first) and
# CNB (the layers' digests compared).
reproducible: tools mirror
	PATH="$(TOOLS_BIN):$$PATH" bash test/reproducible/run.sh
