#!/usr/bin/env bats
# Apps locked with Pipenv: built from Pipfile.lock's [packages] (exact versions, hashes checked), and
# refused when the Pipfile changed since it was locked, as `pipenv install --deploy` does. The
# fixture's Pipfile is written and locked once per run with the pipenv of .tools/ (lock files
# name the index's host, so none is committed).

load ../helpers/suite

# lock_pipfile APP SCRATCH: APP's Pipfile written from its Pipfile.in (the index of pip's
# configuration put in) and locked by the real pipenv; SCRATCH holds what pipenv leaves.
lock_pipfile() {
	local app="$1" scratch="$2" index
	index="$(python -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')"
	sed "s|\${INDEX_URL}|${index}|" "${app}/Pipfile.in" >"${app}/Pipfile"
	rm "${app}/Pipfile.in"
	# (pipenv leaves pipenv-request-*.json files in TMPDIR: its own, so that none stays behind)
	mkdir -p "${scratch}/tmp"
	(cd "$app" && TMPDIR="${scratch}/tmp" WORKON_HOME="${scratch}/venvs" PIPENV_YES=1 \
		PIPENV_IGNORE_VIRTUALENVS=1 pipenv lock >"${scratch}/lock.log" 2>&1) ||
		fail "pipenv lock failed" "$(cat "${scratch}/lock.log")"
}

setup_file() {
	command -v pipenv >/dev/null || fail "pipenv is not on PATH: run 'make tools'"
	cp -a "${FIXTURES}/pipenv-app" "${BATS_FILE_TMPDIR}/pipenv-app"
	lock_pipfile "${BATS_FILE_TMPDIR}/pipenv-app" "$BATS_FILE_TMPDIR"
}

setup() {
	suite_setup
	new_app pipenv-app
	rm -f "${BUILD_DIR}/Pipfile.in"
	cp "${BATS_FILE_TMPDIR}/pipenv-app/Pipfile" "${BATS_FILE_TMPDIR}/pipenv-app/Pipfile.lock" "$BUILD_DIR/"
}

# locked NAME: the version Pipfile.lock pins NAME to.
locked() {
	python -c 'import json, sys; print(json.load(open(sys.argv[1]))["default"][sys.argv[2]]["version"][2:])' \
		"${BUILD_DIR}/Pipfile.lock" "$1"
}

# One cold build for several checks: the locked [packages], a changed Pipfile refused, the slug from
# /app, then Heroku CI's build of the same sources.
@test "pipenv: the locked [packages] from /app, no dev-packages, the version from the lock; a Pipfile changed since locking fails like pipenv install --deploy, and put back it reuses the environment; bin/test-compile installs the dev-packages that bin/compile left out" {
	local django
	django="$(locked django)"
	[[ "$django" == 4.2.* ]] || fail "the lock pins django $django, not a 4.2 release"
	local sources="${BATS_TEST_TMPDIR}/ci-sources" # (for bin/test-compile: the app as checked out)
	app_sources "$sources"
	compile_app
	assert_success
	assert_output_contains "Python 3.13.15" "-----> Reading Pipfile.lock (pipenv)" \
		"-----> Installing dependencies from Pipfile.lock (pipenv)"
	assert_installed "django==${django}" six==1.16.0
	refute_output_contains "pytest"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"package_manager": "pipenv (pipfile-spec 6)"' "\"django\": \"${django}\""

	sed -i 's/^six = "==1.16.0"/six = "==1.16.0"\nidna = "*"/' "${BUILD_DIR}/Pipfile"
	compile_app
	assert_failure 1
	assert_output_contains "Error: Pipfile.lock is out of date: the Pipfile changed since it was locked" \
		"Where: Pipfile.lock" "Pipfile asks for idna, which Pipfile.lock does not lock" "Run 'pipenv lock'"
	refute_output_contains "-----> Installing dependencies"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "lockfile::stale"'
	cp "${BATS_FILE_TMPDIR}/pipenv-app/Pipfile" "$BUILD_DIR/"
	compile_app
	assert_success
	assert_output_contains "-----> Reusing the cached environment (requirements unchanged)"

	slug_to_app
	in_slug /app 'python -c "import django, six; print(django.__version__, six.__version__)"; python -c "import pytest"'
	assert_output_contains "${django} 1.16.0" "No module named 'pytest'"
	cleanup_app

	# Heroku CI's build of the same sources, with the same cache
	BUILD_DIR="$sources"
	test_compile_app
	assert_success
	assert_output_contains "-----> Installing test dependencies from Pipfile.lock (its dependency groups)"
	assert_installed pytest
	run "${BUILD_DIR}/.heroku/venv/bin/python" -c "import pytest, django; print('both')"
	assert_output_contains "both"
}

@test "pipenv: a hash in Pipfile.lock that does not match the download fails the build" {
	python - "${BUILD_DIR}/Pipfile.lock" <<'PY'
import json, sys
path = sys.argv[1]
lock = json.load(open(path))
lock["default"]["six"]["hashes"] = ["sha256:" + "0" * 64]
json.dump(lock, open(path, "w"), indent=4)
PY
	compile_app
	assert_failure 1
	assert_output_contains "THESE PACKAGES DO NOT MATCH THE HASHES"
}

@test "pipenv: a Pipfile without Pipfile.lock says to run pipenv lock" {
	rm "${BUILD_DIR}/Pipfile.lock"
	compile_app
	assert_failure 1
	assert_output_contains "Error: The app has a Pipfile but no Pipfile.lock" "Run 'pipenv lock' and commit Pipfile.lock."
}

@test "pipenv: a .python-version that Pipfile.lock's python_version excludes fails, naming both, before any download" {
	printf '3.11\n' >"${BUILD_DIR}/.python-version"
	local line
	line="$(grep -n '"python_version": "3.13"' "${BUILD_DIR}/Pipfile.lock" | cut -d: -f1)"
	compile_app
	assert_failure 1
	assert_output_contains "-----> Python 3.11.2 (newest matching from .python-version:1)" \
		" !     Error: Python 3.11.2 (from .python-version:1) is not one Pipfile.lock allows: _meta.requires.python_version '3.13'" \
		" !     Where: Pipfile.lock:${line}" \
		" !     .python-version:1 asks for 3.11: Python 3.11.2." \
		" !     (Pipfile:14 is where the lock's version comes from.)" \
		" !     Make them agree: write a version they allow in .python-version (e.g. '3.13'), or change" \
		" !     the Pipfile's [requires] python_version to allow Python 3.11 and run 'pipenv lock'."
	refute_output_contains "-----> Installing Python"
	[[ ! -e "${BUILD_DIR}/.heroku/python" ]]
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "python-version::incompatible"'
}

# The editable packages and the categories share one lock: pipenv lock is the costly part.
@test "pipenv: editable local packages (packages/x and the app itself, file = \".\") import from /app; BUILDPACK_INSTALL_GROUPS installs the Pipfile's categories it names; an undeclared one or an extra fails, listing those declared" {
	new_app pipenv-editable
	cat >>"${BUILD_DIR}/Pipfile.in" <<-'TOML'

		[dev-packages]
		iniconfig = "*"

		[worker]
		docopt = "*"
	TOML
	lock_pipfile "$BUILD_DIR" "$BATS_TEST_TMPDIR"
	local sources="${BATS_TEST_TMPDIR}/locked"
	cp -a "$BUILD_DIR" "$sources"
	printf 'worker' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	compile_app
	assert_success
	assert_output_contains "       with groups worker (BUILDPACK_INSTALL_GROUPS)"
	assert_installed localpkg editable-app six==1.16.0 docopt
	[[ " $(installed_set) " != *" iniconfig=="* ]] || fail "dev-packages were installed" "$(installed_set)"
	slug_to_app
	in_slug /app 'cd / && python -c "import localpkg, webapp; print(localpkg.__file__, webapp.GREETING)"'
	assert_output_contains "/app/packages/localpkg/localpkg/__init__.py hello from the app"
	cleanup_app

	# the same sources again, with the same cache
	BUILD_DIR="$sources"
	printf 'workers' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	compile_app
	assert_failure 1
	assert_output_contains "Error: BUILDPACK_INSTALL_GROUPS names workers: Pipfile declares no such Pipenv category" \
		"Pipfile (its package categories) declares: dev-packages, worker."
	rm "${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	printf 'redis' >"${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	compile_app
	assert_failure 1
	assert_output_contains "Error: BUILDPACK_INSTALL_EXTRAS names redis: Pipfile declares no such extra" "Pipfile declares: no extra."
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "app::extra-unknown"'
}
