#!/usr/bin/env bash
# One build, for both contracts: bin/compile (classic: the slug in BUILD_DIR, CACHE_DIR) and
# bin/build (Cloud Native Buildpacks: the layers in LAYERS_DIR, the cache layer as CACHE_DIR).
# Bash orchestrates (config, hooks, the report's timers); the Python core, run at most three times
# (decide; install, unless decide reuses the environment as it is; finish), does the rest,
# .profile.d and export (or the layers' files and launch.toml) included.
# lib/pybuildpack/state.py describes the seam.
#
# The caller sources the other modules (see bin/compile), sets BUILD_DIR, CACHE_DIR, ENV_DIR and
# LAYERS_DIR (empty for the classic contract), checks them, and calls build::run.

# build::python_dirs: where this build puts the runtime and the environment (PY_RUNTIME, PY_ENV).
build::python_dirs() {
	if [[ -n "$LAYERS_DIR" ]]; then
		PY_RUNTIME="${LAYERS_DIR}/${LAYER_RUNTIME}"
		PY_ENV="${LAYERS_DIR}/${LAYER_ENV}"
	else
		PY_RUNTIME="${BUILD_DIR}/${SLUG_RUNTIME}"
		PY_ENV="${BUILD_DIR}/${SLUG_ENV}"
	fi
}

# build::finish STATUS: the core's last run: what the build hands on and the cache (a successful
# build) and the report (every build that got as far as having the core).
build::finish() {
	local status="$1"
	[[ -n "${CORE_DIR:-}" ]] || return 0
	core::run "$BOOTSTRAP_PYTHON" "$CORE_DIR" finish "${core_args[@]}" --status "$status" \
		--timers "$(report::timers)" --step "${TIMER_CURRENT:-}" --step-started "${TIMER_STARTED:-0}" \
		--report "$(report::path "$CACHE_DIR" "$STATE_DIR")"
}

# shellcheck disable=SC2329 # the EXIT trap calls it
build::on_exit() {
	local status="$?"
	if ((!FINISHED)); then
		build::finish "$status" >/dev/null 2>&1 || true
	fi
	rm -rf -- "$WORK_DIR"
}

# build::run_hook NAME: the app's bin/NAME, when it has one. A hook that removed the build cache
# (rm -rf "$CACHE_DIR") fails the build, as with Heroku's buildpack: the core and the cached
# environment were there, and what is left can't be saved whole. Nothing is written to CACHE_DIR;
# the report goes beside the buildpack (report::path), written by a fresh copy of the core.
build::run_hook() {
	local hook="$1"
	signals::run hooks::run "$hook" "$APP_DIR" "$ENV_DIR" || exit "$?"
	[[ -f "${APP_DIR}/bin/${hook}" ]] || return 0
	if cache::held "$STATE_DIR" && [[ -f "${CORE_DIR}/pybuildpack/__main__.py" ]]; then
		return 0
	fi
	STATE_DIR="${WORK_DIR}/throwaway-cache"
	mkdir -p -- "$STATE_DIR"
	CORE_DIR="$(core::cached "$BOOTSTRAP_PYTHON" "$STATE_DIR" "${WORK_DIR}/core")"
	hooks::fail_cache_removed "$hook" "$CACHE_DIR"
}

# build::stop SIGNAL: a platform cancelled the build. Nothing it started outlives it, and the
# report says it failed.
# shellcheck disable=SC2329 # the signal traps call it
build::stop() {
	trap - TERM INT HUP
	output::record_failure "build::signal" "stopped by SIG$1"
	printf '\n !     The build was stopped (SIG%s): everything it started is stopped too.\n' "$1"
	signals::kill_descendants "$$"
	exit "$((128 + $(kill -l "$1")))"
}

# build::run: the build, from the work directory to the report.
build::run() {
	env::sanitize
	dirs::absolute_tmpdir
	WORK_DIR="$(dirs::work_dir)"
	# shellcheck disable=SC2034 # lib/output.sh's: where a failure's reason goes
	OUTPUT_FAILURE_FILE="${WORK_DIR}/failure"
	FINISHED=0
	trap build::on_exit EXIT
	signals::mark # what the build starts carries the mark, so that a stop finds what escaped the tree
	signals::watchdog "$WORK_DIR" # a SIGKILL to the build stops what it started too
	trap 'build::stop TERM' TERM
	trap 'build::stop INT' INT
	trap 'build::stop HUP' HUP
	# shellcheck disable=SC2034 # the ERR trap's (bin/compile, bin/build)
	ERROR_MARK="${WORK_DIR}/.internal-error-reported"
	build::python_dirs

	timer::start "setup"
	env::load "$ENV_DIR"
	# The state directory and the core come first, so that every failure after this point is in
	# the build report.
	STATE_DIR="$(cache::prepare "$CACHE_DIR" "${WORK_DIR}/throwaway-cache")"
	if ! cache::lock "$STATE_DIR"; then
		output::warning "Another build has held the build cache for too long; building without it" \
			"CACHE_DIR: ${CACHE_DIR}" "This build downloads everything and saves nothing for the next one."
		STATE_DIR="${WORK_DIR}/throwaway-cache"
		mkdir -p -- "$STATE_DIR" && cache::lock "$STATE_DIR"
	fi
	BOOTSTRAP_PYTHON="$(core::bootstrap_python "$STATE_DIR")" || output::fail "core::no-python" \
		"No Python 3.9+ interpreter to run the buildpack with" \
		"The buildpack's own logic runs on the build image's python3 before the app's runtime" \
		"is installed. Install python3 on the build image, or set BUILDPACK_PYTHON to one."
	CORE_DIR="$(core::cached "$BOOTSTRAP_PYTHON" "$STATE_DIR" "${WORK_DIR}/core")"
	output::use_redactor "$BOOTSTRAP_PYTHON" "${BUILDPACK_DIR}/lib"

	# Apps in a subdirectory of the repository (monorepos): the app's files are read from there;
	# the runtime, the environment and .profile.d stay at the root of the slug.
	APP_DIR="$(env::app_dir "$BUILD_DIR")" ||
		output::fail "config::app-subdir" "BUILDPACK_APP_SUBDIR names no directory of the app: '${BUILDPACK_APP_SUBDIR}'" \
			"It must be a path relative to the repository's root, such as services/api." "" \
			"Fix the config var, or unset it to build the repository's root."
	if [[ -n "${BUILDPACK_APP_SUBDIR:-}" ]]; then
		output::step "Building the app in ${BUILDPACK_APP_SUBDIR%/} (BUILDPACK_APP_SUBDIR)"
	fi
	core_args=(
		--work "$WORK_DIR"
		--build "$BUILD_DIR"
		--app "$APP_DIR"
		--buildpack "$BUILDPACK_DIR"
		--cache "$STATE_DIR"
		--env-dir "$ENV_DIR"
		--stack "$(platform::stack)"
		--arch "$(platform::arch)"
		--layers "$LAYERS_DIR"
	)
	[[ -n "$LAYERS_DIR" ]] || dirs::check_reserved "$BUILD_DIR" # (once the report is armed)
	build::run_hook pre_compile

	timer::start "prepare"
	signals::run core::run "$BOOTSTRAP_PYTHON" "$CORE_DIR" decide "${core_args[@]}" || exit "$?"
	faults::checkpoint "libraries"

	timer::start "dependencies"
	# (decide's answer: an environment reused as it is needs no install, and no interpreter started)
	if [[ "$(cat -- "${WORK_DIR}/environment" 2>/dev/null)" != reuse ]]; then
		signals::run core::run "${PY_RUNTIME}/bin/python3" "$CORE_DIR" install "${core_args[@]}" || exit "$?"
	fi
	faults::checkpoint "dependencies"

	timer::start "finish"
	PATH="${PY_ENV}/bin:${PY_RUNTIME}/bin:${PATH}" signals::run hooks::collectstatic "$APP_DIR" "$ENV_DIR" \
		"${PY_ENV}/bin/python" "$(cat -- "${WORK_DIR}/collectstatic" 2>/dev/null)" || exit "$?"
	PATH="${PY_ENV}/bin:${PY_RUNTIME}/bin:${PATH}" build::run_hook post_compile
	timer::start "cache"
	FINISHED=1
	build::finish 0 || {
		FINISHED=0
		exit 70
	}
	core::seal "$CORE_DIR"
	timer::summary
}
