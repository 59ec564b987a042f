#!/usr/bin/env bats
# Apps locked with Poetry: built from poetry.lock's main group (exact versions, hashes checked), in
# both pyproject styles, and refused when pyproject.toml changed since it was locked. Each fixture
# declares the simple-API index pip uses as its Poetry source (written at run time, with the
# index's host) and is locked with the Poetry of .tools/.

load ../helpers/suite

setup_file() {
	command -v poetry >/dev/null || fail "poetry is not on PATH: run 'make tools'"
	poetry_lock "${FIXTURES}/poetry-app" "${BATS_FILE_TMPDIR}/poetry-app"
}

# poetry_lock FIXTURE DIR: FIXTURE copied to DIR, its pyproject.toml written from pyproject.in with
# pip's index as the Poetry source (and the test's index of sdists, start_index's, as the source
# ${FIXTURE_SOURCE} at ${FIXTURE_INDEX_URL}), and locked. The fixture source's name holds its sdists'
# checksum: Poetry caches a source's hashes by its name, across runs.
poetry_lock() {
	local index fixtures
	cp -a "$1" "$2"
	index="$(python -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')"
	fixtures="fixtures-$(cat "${BATS_TEST_TMPDIR}"/index/simple/*/* 2>/dev/null | sha256sum | cut -c1-12)"
	sed -e "s|\${INDEX_URL}|${index}|" -e "s|\${FIXTURE_INDEX_URL}|${INDEX_URL:-}|" \
		-e "s|\${FIXTURE_SOURCE}|${fixtures}|" "$2/pyproject.in" >"$2/pyproject.toml"
	rm "$2/pyproject.in"
	(cd "$2" && poetry lock --no-interaction >"$2.lock.log" 2>&1) || fail "poetry lock failed" "$(cat "$2.lock.log")"
}

# app_from DIR: a fresh build directory holding the locked app in DIR.
app_from() {
	new_app no-deps
	rm -rf "$BUILD_DIR" && cp -a "$1" "$BUILD_DIR"
}

# One cold build for several checks: the locked main group, the same group walked from a lock of
# format 2.0, a stale lock refused and relocked, the slug from /app, then Heroku CI's build of the
# same sources.
@test "poetry ([tool.poetry]): the main group at its locked versions from /app, a path dependency, no dev group, package-mode off; a lock of format 2.0 (Poetry 1.5 to 1.8, no groups recorded) is walked to the same main group; pyproject.toml changed since locking fails before anything is installed, relocked it builds; bin/test-compile installs the dev group that bin/compile left out" {
	app_from "${BATS_FILE_TMPDIR}/poetry-app"
	local django
	django="$(python -c 'import sys, tomllib; print(next(p["version"] for p in tomllib.load(open(sys.argv[1], "rb"))["package"] if p["name"] == "django"))' "${BUILD_DIR}/poetry.lock")"
	[[ "$django" == 4.* ]] || fail "the lock pins django $django, not a 4.x release"
	compile_app
	assert_success
	assert_output_contains "-----> Reading poetry.lock (poetry)" "-----> Installing dependencies from poetry.lock (poetry)"
	assert_installed "django==${django}" helper==1.2.0
	refute_output_contains "pytest" "poetry-app"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"package_manager": "poetry (lock made by Poetry 2.5.1, lock-version 2.1)"' "\"django\": \"${django}\"" '"six": "1.16.0"'

	# what Poetry 1.8 writes: the same lock without each package's groups and markers; walked to the
	# same main group, the environment synced to it is the same set
	local main_group
	main_group="$(installed_set)"
	sed -i '/^groups = /d; /^markers = /d; s/^lock-version = "2.1"/lock-version = "2.0"/' "${BUILD_DIR}/poetry.lock"
	grep -q '^lock-version = "2.0"' "${BUILD_DIR}/poetry.lock" || fail "the lock was not rewritten"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment"
	assert_installed helper==1.2.0 "django==${django}" six==1.16.0
	refute_output_contains "pytest" "iniconfig" "colorama" "-----> Removing packages no longer required"
	assert_equal "$(installed_set)" "$main_group"
	run "${BUILD_DIR}/.heroku/venv/bin/python" -c "import django, helper, sqlparse, asgiref; print('main group')"
	assert_output_contains "main group"

	# pyproject.toml changed since locking: refused before anything is installed; relocked, it syncs
	sed -i 's/^django = "<5"/django = "<5"\nidna = "*"/' "${BUILD_DIR}/pyproject.toml"
	compile_app
	assert_failure 1
	assert_output_contains "Error: poetry.lock is out of date: pyproject.toml changed since it was locked" \
		"Where: poetry.lock" "Run 'poetry lock' and commit poetry.lock"
	refute_output_contains "-----> Installing dependencies"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "lockfile::stale"'
	(cd "$BUILD_DIR" && poetry lock --no-interaction >/dev/null 2>&1) || fail "poetry lock failed"
	compile_app
	assert_success
	assert_output_contains "-----> Updating the cached environment"
	assert_installed idna

	local sources="${BATS_TEST_TMPDIR}/ci-sources"
	app_sources "$sources"
	slug_to_app
	in_slug /app 'python -c "import django, helper; print(django.__version__, helper.greeting())"; python -c "import pytest"'
	assert_output_contains "${django} hello from a path dependency" "No module named 'pytest'"
	cleanup_app

	# Heroku CI's build of the same sources, with the same cache
	BUILD_DIR="$sources"
	test_compile_app
	assert_success
	assert_output_contains "-----> Installing test dependencies from poetry.lock (its dependency groups)"
	assert_installed pytest
	run "${BUILD_DIR}/.heroku/venv/bin/python" -c "import pytest, django, helper; print('all three')"
	assert_output_contains "all three"
}

# (A real sdist that compiles, pesq with Cython and numpy, is built from the index by
# ordered_install.bats' "real legacy sdists"; here the lock's part: its sdist, from a source of
# its own, and numpy, at the versions the lock says.)
@test "poetry ([project]): a legacy sdist that imports numpy in setup.py, from a source of its own, is built after numpy, at their locked versions" {
	start_index legacy-numpy-pkg
	poetry_lock "${FIXTURES}/poetry-legacy" "${BATS_TEST_TMPDIR}/locked"
	app_from "${BATS_TEST_TMPDIR}/locked"
	compile_app
	assert_success
	assert_output_contains "-----> Install plan" "1. numpy==2.2.6 first (asked for at poetry.lock:" \
		"legacy-numpy-pkg==1.0 (poetry.lock:" "without build isolation: legacy-numpy-pkg's setup.py imports numpy" \
		"-----> Building legacy-numpy-pkg without build isolation"
	assert_installed legacy-numpy-pkg==1.0 numpy==2.2.6
	slug_to_app
	in_slug /app 'python -c "import numpy, legacy_numpy_pkg; print(numpy.__version__, legacy_numpy_pkg.BUILT_WITH_NUMPY)"'
	assert_success
	assert_output_contains "2.2.6 2.2.6"
}

@test "poetry: a .python-version that requires-python or Poetry's python excludes fails, naming both; agreeing, it builds" {
	poetry_lock "${FIXTURES}/poetry-python" "${BATS_TEST_TMPDIR}/project"
	app_from "${BATS_TEST_TMPDIR}/project"
	compile_app
	assert_failure 1
	assert_output_contains "-----> Python 3.13.15 (newest matching from .python-version:1)" \
		" !     Error: Python 3.13.15 (from .python-version:1) is not one pyproject.toml allows: [project] requires-python '==3.11.*'" \
		" !     Where: pyproject.toml:5" \
		" !     pyproject.toml:5 [project] requires-python = '==3.11.*'" \
		" !     poetry.lock:" \
		" !     Make them agree: write a version they allow in .python-version (e.g. '3.11'), or change"
	refute_output_contains "-----> Installing Python"

	# The [tool.poetry] style: Poetry's own constraint syntax, in pyproject.toml and poetry.lock.
	cp -a "${FIXTURES}/poetry-python" "${BATS_TEST_TMPDIR}/tool-poetry"
	sed -i -e '/^requires-python/d' -e 's/^package-mode = false/&\n\n[tool.poetry.dependencies]\npython = "~3.11"/' \
		"${BATS_TEST_TMPDIR}/tool-poetry/pyproject.in"
	poetry_lock "${BATS_TEST_TMPDIR}/tool-poetry" "${BATS_TEST_TMPDIR}/tool-poetry-locked"
	app_from "${BATS_TEST_TMPDIR}/tool-poetry-locked"
	compile_app
	assert_failure 1
	assert_output_contains \
		" !     Error: Python 3.13.15 (from .python-version:1) is not one pyproject.toml allows: [tool.poetry.dependencies] python '~3.11'" \
		" [metadata] python-versions = '~3.11'" " !     Poetry would refuse to install poetry.lock's packages with Python 3.13.15." \
		"and run 'poetry lock'."

	printf '3.11\n' >"${BUILD_DIR}/.python-version"
	compile_app
	assert_success
	assert_output_contains "-----> Python 3.11.2 (newest matching from .python-version:1)" "-----> Installing Python 3.11.2"
}

@test "poetry: BUILDPACK_INSTALL_GROUPS installs groups as poetry sync --only main,GROUP would (with included groups), _EXTRAS the optional packages; an undeclared group fails" {
	plain_app
	rm "${BUILD_DIR}/requirements.txt"
	cat >"${BUILD_DIR}/pyproject.toml" <<-'TOML'
		[tool.poetry]
		name = "grouped"
		version = "0.1.0"
		description = ""
		authors = []
		package-mode = false

		[tool.poetry.dependencies]
		python = ">=3.11"
		six = "*"
		docopt = {version = "*", optional = true}

		[tool.poetry.extras]
		cli = ["docopt"]

		[tool.poetry.group.prod]
		include-groups = ["worker"]

		[tool.poetry.group.prod.dependencies]
		certifi = "*"

		[tool.poetry.group.worker.dependencies]
		idna = "*"

		[tool.poetry.group.dev.dependencies]
		iniconfig = "*"
	TOML
	(cd "$BUILD_DIR" && poetry lock --no-interaction >"${BATS_TEST_TMPDIR}/lock.log" 2>&1) || fail "poetry lock failed" "$(cat "${BATS_TEST_TMPDIR}/lock.log")"
	printf 'main prod' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	printf 'cli' >"${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	compile_app
	assert_success
	assert_output_contains "       with groups prod; extras cli (BUILDPACK_INSTALL_GROUPS, BUILDPACK_INSTALL_EXTRAS)"
	assert_installed six certifi idna docopt
	[[ " $(installed_set) " != *" iniconfig=="* ]] || fail "the dev group was installed" "$(installed_set)"
	printf 'dev' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment: BUILDPACK_INSTALL_GROUPS prod -> dev"
	assert_installed six docopt iniconfig
	[[ " $(installed_set) " != *" certifi=="* ]] || fail "certifi is still installed" "$(installed_set)"
	printf 'docs' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	rebuild
	assert_failure 1
	assert_output_contains "Error: BUILDPACK_INSTALL_GROUPS names docs: pyproject.toml declares no such Poetry group" \
		"pyproject.toml ([tool.poetry.group.NAME], [dependency-groups]) declares: dev, prod, worker."
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "app::group-unknown"'
}
