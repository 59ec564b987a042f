#!/usr/bin/env bats
# Cloud Native Buildpack mode end to end: bin/detect and bin/build run by the lifecycle emulation
# (test/cnb/lifecycle.py, written from Buildpack API 0.10: not the real lifecycle, no images), the
# image launched as the launcher does it (layer env files, exec.d, the process exec'd as nobody in
# the app directory). Each test shares its builds between its assertions: one state, several checks.

load ../helpers/suite

LIFECYCLE="${BUILDPACK_DIR}/test/cnb/lifecycle.py"
BP_LAYERS_NAME="pybuildpack_python"

setup() {
	suite_setup
	# Every parent of the state must be traversable by nobody (bats' own directories are 0700).
	CNB_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/cnb.XXXXXX")"
	chmod 0755 "$CNB_ROOT"
	STATE="${CNB_ROOT}/state"
	PLATFORM="${CNB_ROOT}/platform"
	mkdir -p "${PLATFORM}/env"
	cnb_mirror "$MIRROR_DIR"
	if [[ -n "${TEST_INSTALLER:-}" ]]; then
		printf '%s' "$TEST_INSTALLER" >"${PLATFORM}/env/BUILDPACK_INSTALLER"
	fi
}

teardown() {
	suite_teardown
	rm -rf -- "${CNB_ROOT:?}"
}

needs_build() {
	[[ -x "${BUILDPACK_DIR}/bin/build" ]] || skip "needs bin/build"
}

# cnb_mirror DIR: the mirror the builds use (the platform's env file BUILDPACK_MIRROR_URL).
cnb_mirror() {
	printf 'file://%s' "$1" >"${PLATFORM}/env/BUILDPACK_MIRROR_URL"
}

# cnb_app FIXTURE: the app's sources, copied to APP (the lifecycle copies them to the workspace).
cnb_app() {
	APP="${CNB_ROOT}/app"
	rm -rf -- "$APP"
	cp -a -- "${FIXTURES}/$1" "$APP"
}

# cnb_build: one whole build of STATE's image from APP (detect, restore, build, export).
cnb_build() {
	run python3 "$LIFECYCLE" build --buildpack "$BUILDPACK_DIR" --app "$APP" --state "$STATE" --platform "$PLATFORM"
}

# cnb_launch ARGS...: the image launched (lifecycle.py launch ARGS), as nobody.
cnb_launch() {
	run python3 "$LIFECYCLE" launch --state "$STATE" "$@"
}

# image_sboms: the SBOM files of the last build as the exporter placed them (last-build.json's
# "sbom": the image's launch SBOM layer, the build SBOM), one per line.
image_sboms() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["sbom"]; print("\n".join(d["launch"] + d["build"]))' \
		"${STATE}/last-build.json"
}

# layer_digest LAYER: the layer's digest in the last build (last-build.json).
layer_digest() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["layers"][sys.argv[2]]["digest"])' \
		"${STATE}/last-build.json" "$1"
}

# cnb_boot: start the image's default (web) process with PORT set; wait for it to answer.
cnb_boot() {
	WEB_PORT="$(free_port)"
	python3 "$LIFECYCLE" launch --state "$STATE" --env "PORT=${WEB_PORT}" >"${CNB_ROOT}/web.log" 2>&1 &
	WEB_PID=$!
	wait_for_url "http://127.0.0.1:${WEB_PORT}/" 600 ||
		fail "the web process did not answer" "$(cat "${CNB_ROOT}/web.log")"
}

# mirror_with_patch NEWER: a mirror that also holds this machine's Python 3.13.15 archive under the
# version NEWER (a patch release the real mirror does not have); its path in PATCH_MIRROR.
mirror_with_patch() {
	local newer="$1" name
	mirror_archive python 3.13.15
	PATCH_MIRROR="${CNB_ROOT}/mirror"
	mkdir -p "$PATCH_MIRROR"
	for name in "${MIRROR_DIR}"/*; do ln -s "$name" "$PATCH_MIRROR/"; done
	rm "${PATCH_MIRROR}/index.txt"
	name="${ARCHIVE_NAME/3.13.15/$newer}"
	cp "$ARCHIVE" "${PATCH_MIRROR}/${name}"
	(cd "$PATCH_MIRROR" && sha256sum "$name" >"${name}.sha256")
	{ cat "${MIRROR_DIR}/index.txt" && echo "$name"; } >"${PATCH_MIRROR}/index.txt"
}

@test "cnb: detect passes a Python app and gives a non-Python app 100, never an error" {
	[[ -f "${BUILDPACK_DIR}/buildpack.toml" ]] || skip "needs buildpack.toml"
	cnb_app no-deps
	run python3 "$LIFECYCLE" detect --buildpack "$BUILDPACK_DIR" --app "$APP" --platform "$PLATFORM"
	assert_success
	APP="${CNB_ROOT}/not-python"
	mkdir -p "$APP/static" && printf '<html></html>\n' >"$APP/static/index.html" && printf '{}\n' >"$APP/package.json"
	run python3 "$LIFECYCLE" detect --buildpack "$BUILDPACK_DIR" --app "$APP" --platform "$PLATFORM"
	assert_failure 100
	assert_output_contains "pybuildpack/python 100 (fail)"
	# A whole build stops at detection (the lifecycle's 20: no group passed), with nothing exported.
	cnb_build
	assert_failure 20
	[[ ! -e "${STATE}/image" ]]
}

@test "cnb: Django + gunicorn served by web; no .pyc rewritten at launch; unchanged, a failing build, one added (pylibmc, its libmemcached in a launch layer, talks to memcached), a patch change" {
	needs_build
	mirror_with_patch 3.13.99
	cnb_mirror "$PATCH_MIRROR"
	cnb_app django-app
	printf '3.13.15\n' >"${APP}/.python-version"
	cnb_build
	assert_success
	assert_output_contains "-----> Installing Python 3.13.15"
	# The image's part the build made: its launch layers and the app (never the cache's layers).
	[[ "$output" =~ "-----> Image size: "[0-9]+" MB in the launch layers and the app (python "[0-9]+" MB, venv "[0-9.]+" MB, the app "[0-9.]+" MB), the run image besides" ]] ||
		fail "no image size by layer: $output"
	local python venv size_said
	size_said="$(grep -F -- "-----> Image size: " <<<"$output")"
	python="$(layer_digest python)"
	venv="$(layer_digest venv)"
	# The bill of materials, a file beside each layer it describes (Buildpack API 0.10), each valid;
	# the exporter put the launch layers' in the image's SBOM layer, the tools' in the build SBOM.
	# (The pip engine fetches no uv: without a tools layer, the tools are the buildpack's build.sbom.)
	local layers="${STATE}/layers/${BP_LAYERS_NAME}" bill tools=tools/ tools_file=tools
	if [[ ! -d "${layers}/tools" ]]; then
		tools="" tools_file=build
	fi
	run sbom_check validate "$layers"/{python,venv,"$tools_file"}.sbom.cdx.json
	assert_success
	run image_sboms
	assert_equal "$output" "launch/${BP_LAYERS_NAME}/python/sbom.cdx.json
launch/${BP_LAYERS_NAME}/venv/sbom.cdx.json
build/${BP_LAYERS_NAME}/${tools}sbom.cdx.json"
	run sbom_check show "${layers}/venv.sbom.cdx.json"
	assert_output_contains "pypi:django@5.2.19 sha256= origin=requirements.txt:1 relationship=direct"
	run sbom_check show "${layers}/python.sbom.cdx.json"
	assert_output_contains "runtime:python@3.13.15 sha256=$(cut -d' ' -f1 "${PATCH_MIRROR}/${ARCHIVE_NAME}.sha256")"
	bill="$(cat "${layers}/venv.sbom.cdx.json")"

	# The web process (no Procfile: the inferred one) serves the app's page.
	cnb_boot
	run curl -sS "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "hello from django"
	stop_pid "$WEB_PID"
	WEB_PID=""

	# Importing the app's packages and the standard library at launch writes no bytecode into the
	# layers, and rewrites none of the app's own that the build wrote (collectstatic imported
	# mysite.settings): every file's mtime is 1980-01-01T00:00:01Z in the image, and the layers and
	# the app are writable by the process's user, so a timestamp-checked .pyc would be compiled and
	# written again at every start. (A module of the app's that the build never imported, here
	# mysite.wsgi, is compiled at its first import, as in classic mode.)
	# shellcheck disable=SC2016 # expanded by the launched shell
	cnb_launch -- bash -c 'find "$PWD" -name "*.pyc" >"$HOME/built" && grep -q settings "$HOME/built" &&
		touch "$HOME/before" &&
		DJANGO_SETTINGS_MODULE=mysite.settings python -c "import django, gunicorn, mysite.wsgi, json, decimal, email.mime.text" &&
		find "$0" -name "*.pyc" -newer "$HOME/before" &&
		while read -r built; do [[ ! "$built" -nt "$HOME/before" ]] || echo "rewritten: $built"; done <"$HOME/built"' \
		"${STATE}/layers"
	assert_success
	assert_equal "$output" ""

	# Nothing changed: no install, the venv and python layers' digests unchanged.
	cnb_build
	assert_success
	assert_output_contains "-----> Reusing the cached environment (requirements unchanged)"
	refute_output_contains "Downloading python-" "Installing dependencies from"
	assert_equal "$(layer_digest python)" "$python"
	assert_equal "$(layer_digest venv)" "$venv"
	assert_equal "$(cat "${layers}/venv.sbom.cdx.json")" "$bill"
	# The same size said, the venv layer's taken from its metadata (kept by the build that wrote it).
	assert_output_contains "$size_said"
	grep -q '^"size" = [0-9][0-9]*$' "${layers}/venv.toml" || fail "no size in venv.toml: $(cat "${layers}/venv.toml")"

	# A requirement the index does not have: the build fails with the lifecycle's 51 (the
	# buildpack's build failed), the classic message and the reason code, and exports nothing (the
	# image and the cache stay the last build's, which the next build starts from).
	local image
	cp -- "${APP}/requirements.txt" "${CNB_ROOT}/requirements.txt"
	image="$(ls -l "${STATE}/image" "${STATE}/cache" && cat "${STATE}/image/config.json" "${STATE}/cache/config.json")"
	printf 'this-package-does-not-exist-pybuildpack==1.0\n' >>"${APP}/requirements.txt"
	cnb_build
	assert_failure 51
	assert_output_contains \
		" !     Error: pip could not find this-package-does-not-exist-pybuildpack==1.0 on the package index" \
		" !     Where: requirements.txt:3"
	refute_output_contains "Internal error"
	assert_equal "$(ls -l "${STATE}/image" "${STATE}/cache" && cat "${STATE}/image/config.json" "${STATE}/cache/config.json")" "$image"
	run python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["failure_reason"])' \
		"${layers}/cache/python/report.json"
	assert_equal "$output" "install::requirement-not-found"
	cp -- "${CNB_ROOT}/requirements.txt" "${APP}/requirements.txt"

	# One requirement added, a C extension that needs a native library: synced into the
	# environment, libmemcached bootstrapped into its launch layer; the python layer reused as it is.
	if dpkg -s libmemcached-dev >/dev/null 2>&1 || [[ -e /usr/include/libmemcached/memcached.h ]]; then
		fail "libmemcached is installed on this machine: this test proves the image needs none"
	fi
	printf 'PyLibMC==1.6.3\n' >>"${APP}/requirements.txt"
	cnb_build
	assert_success
	assert_output_contains "-----> Updating the cached environment: requirements.txt changed" \
		"libmemcached 1.1.4: pylibmc (requirements.txt:3) needs it"
	refute_output_contains "Downloading python-" " + django==" "Collecting django"
	assert_equal "$(layer_digest python)" "$python"
	[[ "$(layer_digest venv)" != "$venv" ]] || fail "the venv layer did not change"
	run sbom_check show "${layers}/venv.sbom.cdx.json" # (before a launch, which unpacks the image there)
	assert_output_contains "pypi:pylibmc@1.6.3 sha256= origin=requirements.txt:3 relationship=direct"
	# pylibmc finds libmemcached in its launch layer at run time and talks to memcached.
	start_memcached
	cnb_launch -- python -c "import django
$(memcached_py 'hello from the image' django.__version__)"
	assert_success
	assert_output_contains "got: hello from the image 5.2.19"
	# shellcheck disable=SC2016 # expanded by the launched shell
	cnb_launch -- bash -c 'ldd "$(python -c "import _pylibmc; print(_pylibmc.__file__)")"'
	assert_success
	assert_output_contains "libmemcached.so.11 => ${STATE}/layers/${BP_LAYERS_NAME}/"
	refute_output_contains "not found"

	# A Python patch change: the environment made afresh on the new runtime.
	printf '3.13.99\n' >"${APP}/.python-version"
	cnb_build
	assert_success
	assert_output_contains "-----> Installing Python 3.13.99" \
		"-----> Rebuilding the environment: python version 3.13.15 -> 3.13.99"
	[[ "$(layer_digest python)" != "$python" ]] || fail "the python layer did not change"
	cnb_launch -- python -c "import pylibmc, django; print(django.__version__)"
	assert_success
	assert_output_contains "5.2.19"
}

@test "cnb: a uv.lock app gets the locked versions and its Procfile's web process serves them; a group selected syncs the venv layer" {
	needs_build
	command -v uv >/dev/null || fail "uv is not on PATH: run 'make tools'"
	cnb_app uv-django
	# A lock as made on 2024-10-01 (lockfiles_uv.bats's lock_old), with the system's TLS roots.
	(cd "$APP" && UV_SYSTEM_CERTS=1 uv lock --quiet --exclude-newer 2024-10-01T00:00:00Z) || fail "uv lock failed"
	sed -i '/^\[options\]$/,/^$/d' "${APP}/uv.lock"
	cnb_build
	assert_success
	assert_output_contains "-----> Installing dependencies from uv.lock (uv)"
	# The bill names the file the lock offers that was installed (the wheel of the installed tags)
	# and its hash, and the package's line in the lock.
	local wheel
	wheel="$(grep -io 'django-5\.1\.1-py3-none-any\.whl", hash = "sha256:[0-9a-f]*' "${APP}/uv.lock")"
	run sbom_check show "${STATE}/layers/${BP_LAYERS_NAME}/venv.sbom.cdx.json"
	assert_output_contains "pypi:django@5.1.1 sha256=${wheel##*sha256:} file=${wheel%%\"*} origin=uv.lock:$(grep -n '^name = "django"$' "${APP}/uv.lock" | cut -d: -f1) relationship=direct"
	cnb_launch -- python -c 'import django, numpy; print(django.__version__, numpy.__version__); import pytest'
	assert_output_contains "5.1.1 2.1.1" "No module named 'pytest'"
	cnb_boot
	run curl -sS "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "django 5.1.1 numpy 2.1.1"
	stop_pid "$WEB_PID"
	WEB_PID=""

	# The dev group selected (a config var in the platform's env/): synced into the venv layer in
	# place, the python layer reused. (A selection changed again, and what it no longer names
	# removed: lockfiles_uv.bats' groups case, the same sync.)
	local python
	python="$(layer_digest python)"
	printf 'dev' >"${PLATFORM}/env/BUILDPACK_INSTALL_GROUPS"
	cnb_build
	assert_success
	assert_output_contains "       with groups dev (BUILDPACK_INSTALL_GROUPS)" \
		"-----> Updating the cached environment: BUILDPACK_INSTALL_GROUPS (none) -> dev"
	refute_output_contains "Collecting django" " + django=="
	assert_equal "$(layer_digest python)" "$python"
	cnb_launch -- python -c 'import pytest; print(pytest.__version__)'
	assert_success
	assert_output_contains "8.3.3"
}

@test "cnb: a uv workspace's member in BUILDPACK_APP_SUBDIR: its sibling from the venv layer, its inferred web process from its directory" {
	needs_build
	command -v uv >/dev/null || fail "uv is not on PATH: run 'make tools'"
	cnb_app uv-workspace
	(cd "$APP" && UV_SYSTEM_CERTS=1 uv lock --quiet) || fail "uv lock failed"
	printf 'services/api' >"${PLATFORM}/env/BUILDPACK_APP_SUBDIR"
	cnb_build
	assert_success
	assert_output_contains "-----> Installing dependencies from uv.lock (uv workspace member api)" \
		"-----> web process: gunicorn --chdir services/api app:application (WSGI application in services/api/app.py:6)"
	cnb_launch -- python -c 'import shared, six; print(shared.__file__); import idna'
	assert_output_contains "${STATE}/layers/${BP_LAYERS_NAME}/venv/lib/python3.13/site-packages/shared/__init__.py" \
		"No module named 'idna'"
	cnb_boot
	run curl -sS "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "hello from api, with shared"
}
