#!/usr/bin/env bats
# Apps locked with uv: built from uv.lock (exact versions, no dependency groups), through the same
# graph, plan, native libraries and cache as requirements.txt apps. The fixtures carry no lock
# file (lock files name the index's host): each test locks its app with the uv of .tools/, the
# version vendor/tools.toml pins.

load ../helpers/suite

setup() {
	suite_setup
	command -v uv >/dev/null || fail "uv is not on PATH: run 'make tools'"
}

# lock [ARGS...]: uv lock in BUILD_DIR, with the system's TLS roots.
lock() {
	(cd "$BUILD_DIR" && UV_SYSTEM_CERTS=1 uv lock --quiet "$@") || fail "uv lock $* failed"
}

# lock_old: a lock as it was made on 2024-10-01 (every version it pins is older than the index's
# newest): made with --exclude-newer, which the lock then forgets, as a lock made that day would.
lock_old() {
	lock --exclude-newer 2024-10-01T00:00:00Z
	sed -i '/^\[options\]$/,/^$/d' "${BUILD_DIR}/uv.lock"
}

# small_app: a uv project that asks for one small package (six), not yet locked, on Python 3.13.
small_app() {
	plain_app
	rm "${BUILD_DIR}/requirements.txt"
	cat >"${BUILD_DIR}/pyproject.toml" <<-'TOML'
		[project]
		name = "small"
		version = "0.1.0"
		requires-python = ">=3.11"
		dependencies = ["six"]
	TOML
}

# One cold build for several checks: the plan and the locked set (with pylibmc, whose native library
# is bootstrapped), the warm build with no network, a stale lock refused, the sync of its change
# once relocked, the synced slug from /app, then Heroku CI's build of the same sources.
@test "uv: the locked versions (bin/plan shows their uv.lock lines), no dev group, uv not in the slug, pylibmc's libmemcached bootstrapped; unchanged, the warm build reuses the environment with no network; a stale uv.lock fails before anything is installed, saying what is stale; relocked, a change syncs only the difference; served from /app, talking to a real memcached; bin/test-compile installs the dev group that bin/compile left out" {
	new_app uv-django
	sed -i 's/"six"\]/"six", "pylibmc==1.6.3"]/' "${BUILD_DIR}/pyproject.toml"
	lock_old
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR"
	assert_success
	line="$(grep -n '^name = "django"' "${BUILD_DIR}/uv.lock" | cut -d: -f1)"
	assert_output_contains "django==5.1.1" "uv.lock:${line}"
	compile_app
	assert_success
	assert_output_contains "-----> Reading uv.lock (uv)" "-----> Installing dependencies from uv.lock (uv)" \
		"-----> Native libraries" "libmemcached 1.1.4: pylibmc (uv.lock:"
	assert_installed django==5.1.1 numpy==2.1.1 gunicorn==23.0.0 six==1.16.0 pylibmc==1.6.3
	refute_output_contains "pytest"
	[[ -z "$(find "$BUILD_DIR" -name 'uv' -type f)" ]] || fail "uv is in the slug" "$(find "$BUILD_DIR" -name uv -type f)"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"package_manager": "uv 0.13.9"' '"django": "5.1.1"'
	refute_output_contains '"pytest"'

	run unshare --net env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" \
		"${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "-----> Reusing the cached environment (requirements unchanged)"
	refute_output_contains "Fetching uv"
	# six removed and idna added, not yet locked: stale, nothing installed
	sed -i 's/, "six", /, "idna==3.10", /' "${BUILD_DIR}/pyproject.toml"
	compile_app
	assert_failure 1
	assert_output_contains "Error: uv.lock is out of date: it no longer matches pyproject.toml" \
		"Where: uv.lock" "pyproject.toml asks for idna==3.10, which uv.lock does not lock" \
		"uv.lock locks six, which pyproject.toml no longer asks for" "Run 'uv lock' and commit uv.lock"
	refute_output_contains "-----> Installing dependencies"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "lockfile::stale"'
	# relocked: the cache is still usable; six gone after the next build, idna the only package installed
	lock_old
	compile_app
	assert_success
	assert_output_contains "-----> Updating the cached environment: pyproject.toml changed; uv.lock changed" \
		"-----> Removing packages no longer required" "six 1.16.0"
	assert_installed idna==3.10
	refute_output_contains "Collecting django" " + django==" "Warning: The updated environment"
	[[ ! -e "${BUILD_DIR}/.heroku/venv/lib/python3.13/site-packages/six.py" ]] || fail "six is still installed"

	local sources="${BATS_TEST_TMPDIR}/ci-sources"
	app_sources "$sources"
	slug_to_app
	in_slug /app 'python -c "import django, numpy, idna; print(django.__version__, numpy.__version__)"; python -c "import pytest"'
	assert_output_contains "5.1.1 2.1.1" "No module named 'pytest'"
	start_memcached
	in_slug /app "python -c \"$(memcached_py 'from a uv lock')\""
	assert_success
	assert_output_contains "got: from a uv lock"
	boot /app "gunicorn web.app:application"
	run curl -sS "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "django 5.1.1 numpy 2.1.1"
	stop_pid "$WEB_PID"
	WEB_PID=""
	cleanup_app

	# Heroku CI's build of the same sources, with the same cache
	BUILD_DIR="$sources"
	test_compile_app
	assert_success
	assert_output_contains "-----> Installing test dependencies from uv.lock (its dependency groups)"
	assert_installed pytest==8.3.3
	run "${BUILD_DIR}/.heroku/venv/bin/python" -c "import pytest, django; print(pytest.__version__, django.__version__)"
	assert_output_contains "8.3.3 5.1.1"
}

@test "uv: requirements.txt beside uv.lock is an error naming both, unless BUILDPACK_PACKAGE_MANAGER chooses" {
	new_app uv-django
	lock_old
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "The app has the files of 2 package managers: requirements.txt, uv.lock" \
		"set the config var BUILDPACK_PACKAGE_MANAGER to one of: pip, uv"
	printf 'pip' >"${ENV_DIR}/BUILDPACK_PACKAGE_MANAGER"
	compile_app
	assert_success
	assert_output_contains "Installing dependencies from requirements.txt"
	assert_installed six==1.17.0
	refute_output_contains "django"
}

@test "uv: an app that is a package, with a path dependency; Python from requires-python, and a .python-version it excludes fails, naming both, before any download" {
	new_app uv-package
	lock
	printf '3.13\n' >"${BUILD_DIR}/.python-version"
	compile_app
	assert_failure 1
	assert_output_contains \
		" !     Error: Python 3.13.15 (from .python-version:1) is not one pyproject.toml allows: [project] requires-python '>=3.11,<3.12'" \
		" !     Where: pyproject.toml:4" " !     uv would refuse to install uv.lock's packages with Python 3.13.15." \
		"write a version they allow in .python-version (e.g. '3.11')" "and run 'uv lock'."
	refute_output_contains "-----> Installing Python"
	rm "${BUILD_DIR}/.python-version"
	compile_app
	assert_success
	assert_output_contains "Python 3.11.2" "requires-python"
	assert_installed helper==1.2.0 uvpkg==0.1.0
	slug_to_app
	in_slug /app 'python -c "import uvpkg, docopt, six; print(uvpkg.hello())"'
	assert_success
	assert_output_contains "uvpkg says hello from a path dependency"
}

@test "uv: fetched from the index when the mirror has no tools/, and refused when it is not the pinned wheel" {
	small_app
	cold_runtime
	lock
	local mirror="${BATS_TEST_TMPDIR}/mirror"
	mkdir -p "${mirror}/tools"
	ln -s "${MIRROR_DIR}"/*.tar.zst "${MIRROR_DIR}"/*.sha256 "$mirror/"
	grep -v '^tools/' "${MIRROR_DIR}/index.txt" >"${mirror}/index.txt"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${mirror}" \
		"${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "Fetching uv 0.13.9"
	# a mirror whose uv is another file (its own .sha256 matches it): refused, nothing kept
	rm -rf "$CACHE_DIR" "${BUILD_DIR}/.heroku"
	local wheel
	wheel="$(cd "${MIRROR_DIR}/tools" && ls ./*.whl)"
	head -c 1000 "${MIRROR_DIR}/tools/${wheel}" >"${mirror}/tools/${wheel}"
	(cd "${mirror}/tools" && sha256sum "${wheel#./}" >"${wheel#./}.sha256")
	cp "${MIRROR_DIR}/index.txt" "${mirror}/index.txt"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${mirror}" \
		"${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "Checksum mismatch for uv 0.13.9: the download is not the pinned wheel"
	[[ -z "$(ls -A "${CACHE_DIR}/python/package-managers" 2>/dev/null)" ]] || fail "a bad uv was kept"
}

@test "uv: a private index of [[tool.uv.index]] with its credentials in uv's config vars, never printed" {
	FIXTURE_ROOT="${BATS_TEST_TMPDIR}/served"
	PRIVATE_USER="uvuser"
	PRIVATE_PASSWORD="pw-$RANDOM$RANDOM$RANDOM"
	mkdir -p "${FIXTURE_ROOT}/files"
	build_sdist boundpkg 1.0 "${FIXTURE_ROOT}/private/simple/boundpkg"
	start_fixture_server
	small_app
	cat >>"${BUILD_DIR}/pyproject.toml" <<TOML

[[tool.uv.index]]
name = "private-repo"
url = "${FIXTURE_URL}/private/simple"
explicit = true

[tool.uv.sources]
boundpkg = { index = "private-repo" }
TOML
	sed -i 's/"six"\]/"six", "boundpkg"]/' "${BUILD_DIR}/pyproject.toml"
	UV_INDEX_PRIVATE_REPO_USERNAME="$PRIVATE_USER" UV_INDEX_PRIVATE_REPO_PASSWORD="$PRIVATE_PASSWORD" lock
	grep -q "$PRIVATE_PASSWORD" "${BUILD_DIR}/uv.lock" && fail "uv wrote the password into uv.lock"
	printf '%s' "$PRIVATE_USER" >"${ENV_DIR}/UV_INDEX_PRIVATE_REPO_USERNAME"
	printf '%s' "$PRIVATE_PASSWORD" >"${ENV_DIR}/UV_INDEX_PRIVATE_REPO_PASSWORD"
	compile_app
	assert_success
	assert_installed boundpkg==1.0
	refute_output_contains "$PRIVATE_PASSWORD"
	run grep -rl --binary-files=text -- "$PRIVATE_PASSWORD" "$BUILD_DIR" "$CACHE_DIR"
	assert_equal "$output" ""
	in_slug "$BUILD_DIR" 'python -c "import boundpkg; print(boundpkg.VALUE)"'
	assert_output_contains "bound"
}

@test "uv workspace: a member in BUILDPACK_APP_SUBDIR gets its own dependencies (and its own groups) from the root's uv.lock, its sibling from /app" {
	new_app uv-workspace
	lock
	printf 'services/api' >"${ENV_DIR}/BUILDPACK_APP_SUBDIR"
	printf 'prod' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS" # the member's own group (uv export --package --group)
	compile_app
	assert_success
	assert_output_contains "-----> Python 3.13.15 (newest matching from ../../.python-version:1)" \
		"-----> Reading uv.lock (uv workspace member api)" \
		"       with groups prod (BUILDPACK_INSTALL_GROUPS)" \
		"-----> Installing dependencies from uv.lock (uv workspace member api)" \
		"-----> web process: gunicorn --chdir services/api app:application (WSGI application in services/api/app.py:6)"
	assert_installed shared==1.0.0 six==1.17.0 gunicorn==23.0.0 itsdangerous==2.2.0
	refute_output_contains "idna" # the worker's
	[[ "$(installed_set)" != *idna* && "$(installed_set)" != *worker* && "$(installed_set)" != *certifi* ]] ||
		fail "the worker's dependencies (or its group's) are installed" "$(installed_set)"
	slug_to_app
	in_slug /app 'cd services/api && python -c "import app, shared; print(shared.__file__); print(app.greeting(\"x\"))"'
	assert_success
	assert_output_contains "/app/.heroku/venv/lib/python3.13/site-packages/shared/__init__.py" "hello from x, with shared"
	# its web process, inferred in its directory without a Procfile, as bin/release gives it
	run "${BUILDPACK_DIR}/bin/release" /app
	assert_output_contains '  web: "gunicorn --chdir services/api app:application"'
	boot /app "gunicorn --chdir services/api app:application"
	run curl -sS "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "hello from api, with shared"
	stop_pid "$WEB_PID"
	WEB_PID=""
	cleanup_app

	# a group the member does not declare fails, listing the member's own (the worker's jobs is not one)
	new_app uv-workspace
	lock
	printf 'jobs' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	compile_app
	assert_failure 1
	assert_output_contains \
		"Error: BUILDPACK_INSTALL_GROUPS names jobs: services/api/pyproject.toml declares no such dependency group" \
		"services/api/pyproject.toml [dependency-groups] declares: prod."
	refute_output_contains "-----> Installing dependencies"
	rm "${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"

	# the lock's freshness is the workspace's: the other member asks for more than uv.lock locks
	sed -i 's/"idna==3.10"/"idna==3.10", "docopt"/' "${BUILD_DIR}/services/worker/pyproject.toml"
	compile_app
	assert_failure 1
	assert_output_contains "Error: uv.lock is out of date: it no longer matches pyproject.toml" \
		"services/worker/pyproject.toml asks for docopt, which uv.lock does not lock"
	refute_output_contains "-----> Installing dependencies"

	# a directory the workspace's members do not match
	printf 'tools/cli' >"${ENV_DIR}/BUILDPACK_APP_SUBDIR"
	compile_app
	assert_failure 1
	assert_output_contains "Error: The app in tools/cli is not a member of the uv workspace whose uv.lock is uv.lock" \
		"Where: pyproject.toml [tool.uv.workspace] members" \
		"The workspace's members: libs/shared, services/api, services/worker." \
		"Add 'tools/cli' to [tool.uv.workspace] members in pyproject.toml and run 'uv lock', or give"
}

@test "uv: BUILDPACK_INSTALL_GROUPS and _EXTRAS add groups (with those they include) and extras; a change syncs; an undeclared one fails, listing those declared" {
	plain_app
	cat >"${BUILD_DIR}/pyproject.toml" <<-'TOML'
		[project]
		name = "grouped"
		version = "0.1.0"
		requires-python = ">=3.11"
		dependencies = ["six"]

		[project.optional-dependencies]
		redis = ["idna"]

		[dependency-groups]
		dev = ["iniconfig"]
		prod = ["certifi", {include-group = "worker"}]
		worker = ["docopt"]
	TOML
	rm "${BUILD_DIR}/requirements.txt"
	lock
	printf 'Prod' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	printf 'redis' >"${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	compile_app
	assert_success
	assert_output_contains "-----> Reading uv.lock (uv)" \
		"       with groups prod; extras redis (BUILDPACK_INSTALL_GROUPS, BUILDPACK_INSTALL_EXTRAS)"
	assert_installed six certifi docopt idna
	[[ " $(installed_set) " != *" iniconfig=="* ]] || fail "the dev group was installed" "$(installed_set)"
	run bash -c '"$1/bin/report" "$2" "$3" | python3 -c "import json, sys; d = json.load(sys.stdin); print(d[\"install_groups\"], d[\"install_extras\"])"' _ "$BUILDPACK_DIR" "$BUILD_DIR" "$CACHE_DIR"
	assert_equal "$output" "['prod'] ['redis']"
	# another selection: the cached environment synced to it
	printf 'worker' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	rm "${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	rebuild
	assert_success
	assert_output_contains \
		"-----> Updating the cached environment: BUILDPACK_INSTALL_EXTRAS redis -> (none); BUILDPACK_INSTALL_GROUPS prod -> worker" \
		"-----> Removing packages no longer required"
	assert_installed six docopt
	[[ " $(installed_set) " != *" certifi=="* && " $(installed_set) " != *" idna=="* ]] ||
		fail "certifi and idna are still installed" "$(installed_set)"
	# a misspelt group: nothing installed, nothing saved (the next build reuses the environment)
	printf 'worker,prdo' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	rebuild
	assert_failure 1
	assert_output_contains "Error: BUILDPACK_INSTALL_GROUPS names prdo: pyproject.toml declares no such dependency group" \
		"Where: config var BUILDPACK_INSTALL_GROUPS" "pyproject.toml [dependency-groups] declares: dev, prod, worker."
	refute_output_contains "-----> Installing" "-----> Updating the cached environment"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "app::group-unknown"'
	printf 'worker' >"${ENV_DIR}/BUILDPACK_INSTALL_GROUPS"
	rebuild
	assert_success
	assert_output_contains "-----> Reusing the cached environment (requirements unchanged)"
}
