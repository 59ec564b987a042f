#!/usr/bin/env bash
# make bench: bin/compile against a plain `python -m venv` + `pip install -r requirements.txt`
# with the same runtime, on test/fixtures/bench-app, in one run. Prints absolute times and ratios.
#   plain        fresh venv, empty pip cache
#   cold         bin/compile with an empty CACHE_DIR
#   warm         bin/compile again, nothing changed, with no network at all (unshare -n)
#   added        bin/compile again with one pure-Python requirement added
# and the same three for the app locked with uv (uv.lock made from requirements.txt's pins).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MIRROR="${MIRROR_DIR:-${ROOT}/.mirror}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-bench.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT
APP="${ROOT}/test/fixtures/bench-app"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

compile() {
	env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" "$@"
}

# fresh_build_dir [APP]: a fresh copy of the app (the bench app) as WORK/build.
fresh_build_dir() {
	rm -rf "${WORK}/build" && cp -a "${1:-$APP}" "${WORK}/build"
}

# timed_compile PHASE [PREFIX...]: bin/compile on a build dir with the cache WORK/CACHE (default
# cache), run under PREFIX (such as `unshare -n`); its log in WORK/PHASE.log. Prints the seconds.
timed_compile() {
	local phase="$1" start
	shift
	start="$(now)"
	"$@" env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" \
		"${WORK}/build" "${WORK}/${CACHE:-cache}" >"${WORK}/${phase}.log" 2>&1 || {
		cat "${WORK}/${phase}.log" >&2
		return 1
	}
	elapsed "$start" "$(now)"
}

echo "== plain: python -m venv + pip install -r requirements.txt (same runtime, empty pip cache)"
fresh_build_dir
compile "${WORK}/build" "${WORK}/runtime-cache" >"${WORK}/runtime.log" 2>&1 || {
	cat "${WORK}/runtime.log"
	exit 1
}
cp -a "${WORK}/build/.heroku/python" "${WORK}/runtime"
rm -rf "${WORK}/runtime-cache"
start="$(now)"
"${WORK}/runtime/bin/python3" -m venv "${WORK}/plain"
PIP_CONFIG_FILE=/dev/null PIP_CACHE_DIR="${WORK}/plain-pip-cache" PIP_DISABLE_PIP_VERSION_CHECK=1 \
	"${WORK}/plain/bin/pip" install --quiet -r "${APP}/requirements.txt"
plain="$(elapsed "$start" "$(now)")"
echo "   ${plain}s"

echo "== cold: bin/compile, empty cache"
fresh_build_dir
cold="$(timed_compile cold)"
echo "   ${cold}s"

echo "== warm: bin/compile, nothing changed, no network"
if ! unshare -n true 2>/dev/null; then
	echo "unshare -n is not available (needs root): can't prove the warm build uses no network" >&2
	exit 1
fi
fresh_build_dir
warm="$(timed_compile warm unshare -n)"
echo "   ${warm}s"
grep -q "Reusing the cached environment" "${WORK}/warm.log"
# The least a warm build can do: make the environment's tree again (hard links, as the cache
# restore does). On some disks directories alone cost most of that.
env_files="$(find "${WORK}/build/.heroku/venv" -type f | wc -l)"
env_dirs="$(find "${WORK}/build/.heroku/venv" -type d | wc -l)"
start="$(now)"
cp -al "${WORK}/build/.heroku/venv" "${WORK}/linked-venv"
linked="$(elapsed "$start" "$(now)")"
rm -rf "${WORK}/linked-venv"

echo "== added: bin/compile, one pure-Python requirement added"
fresh_build_dir
echo "humanize==4.17.0" >>"${WORK}/build/requirements.txt"
added="$(timed_compile added)"
echo "   ${added}s"
sdist_rebuilt=no
if grep -q "Building wheel for docopt" "${WORK}/added.log"; then
	sdist_rebuilt=yes
fi

# The same app locked with uv: its pins as [project] dependencies, locked by the uv of .tools/.
echo "== uv: the bench app locked with uv (uv.lock), cold, warm and one added"
command -v uv >/dev/null || {
	echo "uv is not on PATH: run 'make tools'" >&2
	exit 1
}
UV_APP="${WORK}/uv-app"
mkdir -p "$UV_APP"
cp "${APP}/.python-version" "$UV_APP/" 2>/dev/null || true
# uv_project [EXTRA]: pyproject.toml with requirements.txt's pins (and EXTRA), locked.
uv_project() {
	{
		printf '[project]\nname = "bench-app"\nversion = "1.0"\nrequires-python = ">=3.11"\ndependencies = [\n'
		grep -v '^#' "${APP}/requirements.txt" | sed '/^$/d; s/.*/  "&",/'
		[[ -z "${1:-}" ]] || printf '  "%s",\n' "$1"
		printf ']\n'
	} >"${UV_APP}/pyproject.toml"
	(cd "$UV_APP" && UV_SYSTEM_CERTS=1 uv lock --quiet)
}
uv_project
CACHE=uv-cache
fresh_build_dir "$UV_APP"
uv_cold="$(timed_compile uv-cold)"
echo "   cold ${uv_cold}s"
fresh_build_dir "$UV_APP"
uv_warm="$(timed_compile uv-warm unshare -n)"
grep -q "Reusing the cached environment" "${WORK}/uv-warm.log"
echo "   warm ${uv_warm}s"
uv_project "humanize==4.17.0"
fresh_build_dir "$UV_APP"
uv_added="$(timed_compile uv-added)"
echo "   added ${uv_added}s"
unset CACHE

echo
for phase in cold warm added uv-cold uv-warm uv-added; do
	echo "${phase}: $(grep -- '-----> Done in' "${WORK}/${phase}.log")"
done
echo
echo "bench-app on $(date -u +%Y-%m-%d), one run ($(nproc) cores):"
printf '  plain pip       %6ss\n' "$plain"
printf '  cold            %6ss  %sx plain   (target <= 1.10)\n' "$cold" "$(ratio "$cold" "$plain")"
printf '  warm, unchanged %6ss  %sx cold    (target <= 0.08, no network)\n' "$warm" "$(ratio "$warm" "$cold")"
printf '  env tree alone  %6ss  %sx warm    (cp -al of %s files, %s directories: a warm build'"'"'s floor)\n' \
	"$linked" "$(ratio "$linked" "$warm")" "$env_files" "$env_dirs"
printf '  warm, +1 req    %6ss  %sx cold    (target <= 0.30; sdist compiled again: %s)\n' "$added" "$(ratio "$added" "$cold")" "$sdist_rebuilt"
echo "the same app locked with uv (uv.lock), ratios to the same plain pip:"
printf '  uv cold         %6ss  %sx plain\n' "$uv_cold" "$(ratio "$uv_cold" "$plain")"
printf '  uv warm         %6ss  %sx plain   (no network)\n' "$uv_warm" "$(ratio "$uv_warm" "$plain")"
printf '  uv +1 req       %6ss  %sx plain\n' "$uv_added" "$(ratio "$uv_added" "$plain")"
