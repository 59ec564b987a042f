#!/usr/bin/env bash
# The buildpack's Python core (lib/pybuildpack): which interpreter runs it, where it is unpacked
# (with the vendored wheels it imports), and how it is run. The seam between bash and the core is
# described in lib/pybuildpack/state.py.

# core::bootstrap_python [STATE_DIR]: an interpreter (3.9+) to run the buildpack's logic before
# the app's runtime is installed: BUILDPACK_PYTHON, else python3 on PATH. A build's answer is kept
# in STATE_DIR/core/python with what it was found from (the first candidate on PATH and the
# interpreter, each by path, size and time): a build that finds both as they were takes it without
# starting anything (through a pyenv shim, a start costs 0.12 s of CPU; /usr/bin/python3's, 0.02).
# shellcheck disable=SC2120 # (STATE_DIR is optional: a build passes it, bin/plan and others do not)
core::bootstrap_python() {
	local record="${1:+${1}/core/python}" candidate found first="" seen
	for candidate in "${BUILDPACK_PYTHON:-}" python3 python3.13 python3.12 python3.11 python3.10 python3.9; do
		[[ -n "$candidate" ]] || continue
		if command -v "$candidate" >/dev/null 2>&1; then
			if [[ -z "$first" ]]; then
				first="$(command -v "$candidate")"
				if [[ -n "$record" && -f "$record" ]]; then
					found="$(sed -n 2p -- "$record" 2>/dev/null)" || found=""
					seen="$(core::identity "$first" "$found")" || seen=""
					if [[ -n "$seen" && -x "$found" && "$seen" == "$(sed -n 1p -- "$record" 2>/dev/null)" ]]; then
						echo "$found"
						return 0
					fi
				fi
			fi
			# The interpreter's own path (not a wrapper such as a pyenv shim), if it is 3.9+; what
			# answers must say so (a program that ignores its arguments is not an interpreter).
			found="$("$candidate" -I -c 'import os, sys; ok = sys.version_info >= (3, 9); ok and print("python:" + os.path.abspath(sys.executable)); sys.exit(not ok)' 2>/dev/null)" || continue
			found="${found#python:}"
			if [[ "$found" == /* && -x "$found" ]]; then
				if [[ -n "$record" ]]; then
					{
						mkdir -p -- "${record%/*}" &&
							printf '%s\n%s\n' "$(core::identity "$first" "$found")" "$found" >"${record}.tmp" &&
							mv -f -- "${record}.tmp" "$record"
					} 2>/dev/null || true
				fi
				echo "$found"
				return 0
			fi
		fi
	done
	return 1
}

# core::identity PATH...: each path with the size and modification time of what it names, on one
# line (fails when one can't be read).
core::identity() {
	stat -L -c '%n %s %Y' -- "$@" 2>/dev/null | tr '\n' ' '
}

# core::unpack PYTHON DEST: the buildpack's Python core (lib/pybuildpack) and the vendored wheels
# it imports, in DEST (an importable directory).
core::unpack() {
	local python="$1" dest="$2"
	mkdir -p -- "$dest"
	# One interpreter for all the wheels (a cold build starts fewer processes).
	"$python" -E -s -c 'import sys, zipfile
for wheel in sys.argv[2:]:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(sys.argv[1])' "$dest" "${BUILDPACK_DIR}"/vendor/wheels/*.whl
	# The whole package tree (its subpackages too), without bytecode a developer's run left behind.
	(cd "${BUILDPACK_DIR}/lib" && find pybuildpack -name '*.py' -exec cp --parents -t "$dest" -- {} +)
}

# core::key: what names one set of tools: the vendored wheels and every file of the core's
# package tree (names and contents).
core::key() {
	{
		(cd "${BUILDPACK_DIR}/vendor/wheels" && printf '%s\n' *.whl)
		(cd "${BUILDPACK_DIR}/lib" && find pybuildpack -name '*.py' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
	} | sha256sum | cut -c1-16
}

# core::stamps DIR: every file's size, modification time (to the nanosecond) and name, sorted,
# but the lists' own (.sha256sums, .stamps and their .tmp while they are written).
core::stamps() {
	(cd "$1" && find . -type f ! -name .sha256sums ! -name .stamps ! -name '*.tmp' -printf '%s %T@ %p\n' | LC_ALL=C sort)
}

# core::intact DIR: whether the cached core in DIR is as it was unpacked (and sealed). Its files'
# checksums (.sha256sums) are verified when any file's size or time differs from the last time
# they were (.stamps, written after every verification): damage (a truncated or half-written
# file, a disk that filled, garbage) changes one or the other. Hashing the core's 21 MB at every
# build took 0.06 s of CPU; the stamps take 0.008 s. An edit that puts a file's size and time back
# is not caught, as it was not before: the checksums live in the same writable cache.
core::intact() {
	local dir="$1" stamps
	[[ -f "${dir}/.sha256sums" ]] || return 1
	stamps="$(core::stamps "$dir")" || return 1
	if [[ -f "${dir}/.stamps" && "$stamps" == "$(cat -- "${dir}/.stamps" 2>/dev/null)" ]]; then
		return 0
	fi
	(cd "$dir" && sha256sum --check --quiet --strict .sha256sums >/dev/null 2>&1) || return 1
	{ printf '%s\n' "$stamps" >"${dir}/.stamps.tmp" && mv -f -- "${dir}/.stamps.tmp" "${dir}/.stamps"; } 2>/dev/null || true
}

# core::cached PYTHON STATE_DIR SCRATCH: print an importable directory of the core (core::unpack),
# made once per core::key in STATE_DIR/core/KEY (or in SCRATCH without a cache).
core::cached() {
	local python="$1" state_dir="$2" scratch="$3" key dir
	key="$(core::key)"
	dir="${state_dir}/core/${key}"
	# Checked at each use (core::intact): a damaged cache is unpacked afresh.
	if core::intact "$dir"; then
		echo "$dir"
		return 0
	fi
	rm -rf -- "${state_dir}/core"
	if mkdir -p -- "${dir}.partial" 2>/dev/null &&
		core::unpack "$python" "${dir}.partial" >/dev/null 2>&1 &&
		(cd "${dir}.partial" && find . -type f -print0 | xargs -0 sha256sum >"../${key}.sha256sums" &&
			mv -- "../${key}.sha256sums" .sha256sums) 2>/dev/null &&
		core::stamps "${dir}.partial" >"${dir}.partial/.stamps" 2>/dev/null &&
		mv -- "${dir}.partial" "$dir" 2>/dev/null; then
		echo "$dir"
	else
		rm -rf -- "${state_dir}/core"
		core::unpack "$python" "$scratch" >/dev/null
		echo "$scratch"
	fi
}

# core::_stamps_named IN NAMES STAMPS: the lines of STAMPS (core::stamps) whose file is (IN=1) or
# is not (IN=0) one of NAMES' lines.
core::_stamps_named() {
	awk -v in_names="$1" 'NR == FNR { names[$0]; next }
		{ name = $0; sub(/^[^ ]* [^ ]* /, "", name) }
		(name in names) == (in_names == 1)' "$2" "$3"
}

# core::seal DIR: add the bytecode the core wrote into a cached core directory to its checksums,
# so that a damaged .pyc is caught and the core unpacked afresh, as for any other file (Python
# would otherwise fail every later build on it), and to its stamps (core::intact: the next build
# hashes nothing unless a file changed). Run after a successful build; quiet.
core::seal() {
	local dir="$1" new
	[[ -f "${dir}/.sha256sums" ]] || return 0
	(
		cd "$dir" || exit 0
		new="$(comm -23 <(find . -type f -name '*.pyc' | LC_ALL=C sort) \
			<(sed 's/^[0-9a-f]*  //' .sha256sums | LC_ALL=C sort))"
		[[ -n "$new" ]] || exit 0
		{ cat .sha256sums && tr '\n' '\0' <<<"$new" | xargs -0 sha256sum; } >.sha256sums.tmp &&
			mv -f .sha256sums.tmp .sha256sums
		# Only the new files' stamps are taken now (another file's change since the check stays
		# seen); a stamp the check took of one of them before it was sealed is replaced.
		[[ -f .stamps ]] || exit 0
		{
			core::_stamps_named 0 <(printf '%s\n' "$new") .stamps
			core::stamps . | core::_stamps_named 1 <(printf '%s\n' "$new") -
		} |
			LC_ALL=C sort >.stamps.tmp && mv -f .stamps.tmp .stamps
	) 2>/dev/null || true
}

# core::run PYTHON CORE_DIR COMMAND ARGS...: run the buildpack's Python core from CORE_DIR, in
# isolated mode (-I: neither the working directory, the user's site-packages nor PYTHON*
# variables can change what is imported). Its bytecode is written there (so a cached core starts
# faster).
core::run() {
	local python="$1" core="$2"
	shift 2
	"$python" -I -c 'import runpy, sys
sys.path.insert(0, sys.argv.pop(1))
runpy.run_module("pybuildpack", run_name="__main__", alter_sys=True)' "$core" "$@"
}

# core::run_lib MODULE ARGS...: run one of the core's modules that need the standard library only
# (python -m MODULE) from the buildpack's own lib/, not from a cached core (bin/release has none,
# and a hook may have removed CACHE_DIR), isolated and writing no bytecode (the buildpack's
# directory may be read-only), on BOOTSTRAP_PYTHON or else the build image's python3. Its TOML
# reader on Pythons before 3.11 is the vendored tomli, imported from its wheel.
core::run_lib() {
	local python="${BOOTSTRAP_PYTHON:-}" tomli
	[[ -n "$python" ]] || python="$(core::bootstrap_python "")" || return 1
	tomli="$(printf '%s\n' "${BUILDPACK_DIR}"/vendor/wheels/tomli-*.whl | head -n 1)"
	"$python" -I -B -c 'import runpy, sys
sys.path[:0] = sys.argv[1:3]
module = sys.argv.pop(3)
del sys.argv[1:3]
runpy.run_module(module, run_name="__main__", alter_sys=True)' "${BUILDPACK_DIR}/lib" "$tomli" "$@"
}
