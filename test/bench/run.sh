#!/usr/bin/env bash
# make bench: bin/compile against a plain `python -m venv` + `pip install -r requirements.txt`
# with the same runtime, on test/fixtures/bench-app, in one run. Prints absolute times and ratios.
#   plain        fresh venv, empty pip cache
#   cold         bin/compile with an empty CACHE_DIR
#   warm         bin/compile again, nothing changed, with no network at all (unshare -n)
#   added        bin/compile again with one pure-Python requirement added
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

fresh_build_dir() {
	rm -rf "${WORK}/build" && cp -a "$APP" "${WORK}/build"
}

# timed_compile PHASE [PREFIX...]: bin/compile on a build dir with the shared cache, run under
# PREFIX (such as `unshare -n`); its log in WORK/PHASE.log. Prints the seconds it took.
timed_compile() {
	local phase="$1" start
	shift
	start="$(now)"
	"$@" env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" \
		"${WORK}/build" "${WORK}/cache" >"${WORK}/${phase}.log" 2>&1 || {
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

echo
for phase in cold warm added; do
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
