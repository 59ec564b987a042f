#!/usr/bin/env bash
# The directories a build is given (BUILD_DIR, CACHE_DIR, ENV_DIR) checked and made absolute, the
# build's own work directory, and the slug's reserved paths. Needs lib/output.sh and lib/slug.sh.

# dirs::check_arguments: bin/compile's BUILD_DIR, CACHE_DIR and ENV_DIR (globals) checked, made
# absolute (CACHE_DIR made when missing); a clear error, before anything is written, when one
# can't be used.
dirs::check_arguments() {
	if [[ -z "$BUILD_DIR" ]]; then
		output::fail "bin/compile's first argument, BUILD_DIR, is empty" \
			"bin/compile's first argument must be the app's directory." "" \
			"Pass one: bin/compile BUILD_DIR CACHE_DIR [ENV_DIR]"
	fi
	if [[ -e "$BUILD_DIR" && ! -d "$BUILD_DIR" ]]; then
		output::fail "The build directory is not a directory: ${BUILD_DIR}" \
			"bin/compile's first argument must be the app's directory."
	fi
	if [[ ! -d "$BUILD_DIR" ]]; then
		output::fail "The build directory does not exist: ${BUILD_DIR}" \
			"bin/compile's first argument must be the app's directory."
	fi
	if [[ "$BUILD_DIR$CACHE_DIR" == *$'\n'* ]]; then
		output::fail "The build directory's or CACHE_DIR's path holds a newline" \
			"Python can't start from such a path, nor can .profile.d be written for it." "" \
			"Build in a directory whose path has no newline."
	fi
	if [[ ! -r "$BUILD_DIR" || ! -x "$BUILD_DIR" || ! -w "$BUILD_DIR" ]]; then
		output::fail "The build directory can't be read and written: ${BUILD_DIR}" \
			"Give the user running the build (uid $(id -u)) read, write and search permission on it."
	fi
	BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"
	if [[ -z "$CACHE_DIR" ]]; then
		output::fail "config::cache-dir" "bin/compile's second argument, CACHE_DIR, is empty" \
			"The build cache needs a directory of its own (it may be new and empty)." "" \
			"Pass one: bin/compile BUILD_DIR CACHE_DIR [ENV_DIR]"
	fi
	mkdir -p -- "$CACHE_DIR" 2>/dev/null || true
	if [[ -d "$CACHE_DIR" ]]; then
		CACHE_DIR="$(cd "$CACHE_DIR" && pwd -P)"
	fi
	if [[ "${CACHE_DIR}/" == "$(cd "$BUILD_DIR" && pwd -P)/"* ]]; then
		output::fail "config::cache-dir" "CACHE_DIR is inside the build directory: ${CACHE_DIR}" \
			"The cache would be shipped in the slug, and the next build would find it in its app." "" \
			"Pass a CACHE_DIR outside BUILD_DIR."
	fi
	# ENV_DIR is read from the app's directory too (hooks and collectstatic run there): absolute.
	if [[ -n "$ENV_DIR" && "$ENV_DIR" != /* ]]; then
		ENV_DIR="${PWD}/${ENV_DIR}"
	fi
}

# dirs::work_dir: print a new work directory for this build (its pid inside), in TMPDIR.
# The work directories of builds that were killed (their process is gone) are
# removed first.
dirs::work_dir() {
	local stale pid dir watchdog
	for stale in "${TMPDIR:-/tmp}"/pybuildpack.*/pid; do
		[[ -f "$stale" && -O "$stale" ]] || continue
		pid="$(<"$stale")"
		if [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
			# A killed build's watchdog (signals::watchdog) may still be stopping what it started,
			# which it does only while the directory is there.
			watchdog="$(cat -- "${stale%/pid}/watchdog" 2>/dev/null || true)"
			[[ "$watchdog" =~ ^[0-9]+$ ]] && kill -0 "$watchdog" 2>/dev/null && continue
			rm -rf -- "${stale%/pid}"
		fi
	done
	dir="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack.XXXXXX")"
	echo "$$" >"${dir}/pid"
	echo "$dir"
}

# dirs::absolute_tmpdir: TMPDIR made absolute (or /tmp when it names no directory), exported.
dirs::absolute_tmpdir() {
	if [[ -n "${TMPDIR:-}" && "$TMPDIR" != /* ]]; then
		TMPDIR="$(cd -- "$TMPDIR" 2>/dev/null && pwd)" || TMPDIR=/tmp
		export TMPDIR
	fi
}

# dirs::check_reserved BUILD_DIR: the build writes .heroku/ and .profile.d/ into BUILD_DIR, never
# through a link out of it: an app's symlink or file there is an error.
dirs::check_reserved() {
	local build_dir="$1" entry
	for entry in "$SLUG_DIR" "$SLUG_PROFILE_D"; do
		if [[ -L "${build_dir}/${entry}" || (-e "${build_dir}/${entry}" && ! -d "${build_dir}/${entry}") ]]; then
			output::fail "app::reserved-path" "The app has a ${entry} that is not a directory (a symlink or a file)" \
				"Where: ${entry}" \
				"The build installs Python into ${entry}; it never writes through a link out of the app." "" \
				"Remove ${entry} from the app's repository (git rm ${entry})."
		fi
	done
}
