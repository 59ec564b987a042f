#!/usr/bin/env bash
# make bench: bin/compile against a plain `python -m venv` + `pip install -r requirements.txt`
# with the same runtime, on test/fixtures/bench-app, paired in each run. BENCH_RUNS runs (default
# 3); prints every run, then medians and spreads. In each run:
#   plain        fresh venv, empty pip cache, at the run's start and at its end (the mean)
#   then for each engine (uv, the default; pip):
#   cold         bin/compile with an empty CACHE_DIR
#   warm         bin/compile again, nothing changed, with no network at all (unshare -n)
#   added        bin/compile again with one pure-Python requirement added
#   and the same three for the app locked with uv (uv.lock made from requirements.txt's pins);
#   and the Cloud Native Buildpack build (bin/build alone, timed as the lifecycle would run it, its
#   layers left in place between builds as the lifecycle restores them): cold, an unchanged
#   rebuild with no network, one added.
set -euo pipefail
# As on a platform: Python writes the bytecode of what it imports (a developer's shell may say not
# to, which would make every interpreter, plain pip's too, compile its imports at each start).
unset PYTHONDONTWRITEBYTECODE

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MIRROR="${MIRROR_DIR:-${ROOT}/.mirror}"
RUNS="${BENCH_RUNS:-3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-bench.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT
APP="${ROOT}/test/fixtures/bench-app"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

if ! unshare -n true 2>/dev/null; then
	echo "unshare -n is not available (needs root): can't prove the warm build uses no network" >&2
	exit 1
fi
command -v uv >/dev/null || {
	echo "uv is not on PATH: run 'make tools'" >&2
	exit 1
}

# discard PATH...: out of the way (into WORK/trash), removed when the bench ends. On a disk
# without a journal (this machine's ext4), every new inode skips those deleted in the last minutes,
# one at a time: a tree of 16,000 files removed just before a build made that build's every mkdir
# and file creation scan past them (a warm build's cp -al took 1.3 s to 3.8 s, growing with each
# removal, against 0.2 s on tmpfs). No build on a platform starts right after 20,000 deletions
# on its disk, nor does plain pip: the bench's own removals wait until the end.
TRASH=0
discard() {
	local path
	mkdir -p "${WORK}/trash"
	for path in "$@"; do
		if [[ -e "$path" ]]; then
			TRASH=$((TRASH + 1))
			mv -- "$path" "${WORK}/trash/${TRASH}"
		fi
	done
}

# fresh_build_dir [APP]: a fresh copy of the app (the bench app) as WORK/build.
fresh_build_dir() {
	discard "${WORK}/build" && cp -a "${1:-$APP}" "${WORK}/build"
}

# fresh_workspace: a fresh copy of the bench app as WORK/workspace (the CNB builds' app directory).
fresh_workspace() {
	discard "${WORK}/workspace" && cp -a "$APP" "${WORK}/workspace"
}

# timed_compile PHASE ENGINE [PREFIX...]: bin/compile on WORK/build with the cache WORK/cache-PHASE's
# engine, run under PREFIX (such as `unshare -n`); its log in WORK/PHASE.log. Prints the seconds.
timed_compile() {
	local phase="$1" engine="$2" start
	shift 2
	mkdir -p "${WORK}/env-${engine}"
	printf '%s' "$engine" >"${WORK}/env-${engine}/BUILDPACK_INSTALLER"
	start="$(now)"
	"$@" env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" \
		"${WORK}/build" "${WORK}/cache-${CACHE_NAME}" "${WORK}/env-${engine}" >"${WORK}/${phase}.log" 2>&1 || {
		cat "${WORK}/${phase}.log" >&2
		return 1
	}
	elapsed "$start" "$(now)"
}

# timed_build PHASE [PREFIX...]: bin/build (CNB) on WORK/workspace (fresh_workspace) as the working
# directory, with the layers WORK/layers and the platform WORK/platform (the mirror's URL as a
# platform env file); its log in WORK/PHASE.log. Prints the seconds.
timed_build() {
	local phase="$1" start distro
	shift
	mkdir -p "${WORK}/layers" "${WORK}/platform/env"
	printf 'file://%s' "$MIRROR" >"${WORK}/platform/env/BUILDPACK_MIRROR_URL"
	rm -f "${WORK}/layers/launch.toml" # (the lifecycle restores layers and their metadata, not this)
	# shellcheck disable=SC1091
	distro="$(. /etc/os-release && printf '%s %s' "$ID" "$VERSION_ID")"
	start="$(now)"
	(cd "${WORK}/workspace" && "$@" env -u STACK CNB_LAYERS_DIR="${WORK}/layers" CNB_PLATFORM_DIR="${WORK}/platform" \
		CNB_BP_PLAN_PATH=/dev/null CNB_TARGET_OS=linux CNB_TARGET_DISTRO_NAME="${distro% *}" \
		CNB_TARGET_DISTRO_VERSION="${distro#* }" "${ROOT}/bin/build") >"${WORK}/${phase}.log" 2>&1 || {
		cat "${WORK}/${phase}.log" >&2
		return 1
	}
	elapsed "$start" "$(now)"
}

# The runtime, once, for the plain installs.
fresh_build_dir
env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" "${WORK}/build" "${WORK}/runtime-cache" \
	>"${WORK}/runtime.log" 2>&1 || {
	cat "${WORK}/runtime.log"
	exit 1
}
cp -a "${WORK}/build/.heroku/python" "${WORK}/runtime"
discard "${WORK}/runtime-cache"

# The same app locked with uv: its pins as [project] dependencies, locked by the uv of .tools/.
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

RESULTS="${WORK}/results.tsv" # run, measure, seconds
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }

# plain_pip: seconds for a plain venv + pip install, empty pip cache.
plain_pip() {
	local start
	discard "${WORK}/plain" "${WORK}/plain-pip-cache"
	start="$(now)"
	"${WORK}/runtime/bin/python3" -m venv "${WORK}/plain"
	PIP_CONFIG_FILE=/dev/null PIP_CACHE_DIR="${WORK}/plain-pip-cache" PIP_DISABLE_PIP_VERSION_CHECK=1 \
		"${WORK}/plain/bin/pip" install --quiet -r "${APP}/requirements.txt"
	elapsed "$start" "$(now)"
}

for run in $(seq 1 "$RUNS"); do
	echo "== run ${run} of ${RUNS}"
	discard "${WORK}"/cache-*
	# A shared machine drifts within a run: plain pip at its start and at its end, the mean the
	# run's baseline.
	plain_first="$(plain_pip)"
	for engine in uv pip; do
		CACHE_NAME="$engine"
		fresh_build_dir
		cold="$(timed_compile "cold-${engine}" "$engine")"
		fresh_build_dir
		warm="$(timed_compile "warm-${engine}" "$engine" unshare -n)"
		grep -q "Reusing the cached environment" "${WORK}/warm-${engine}.log"
		fresh_build_dir
		echo "humanize==4.17.0" >>"${WORK}/build/requirements.txt"
		added="$(timed_compile "added-${engine}" "$engine")"
		record "$run" "cold-${engine}" "$cold"
		record "$run" "warm-${engine}" "$warm"
		record "$run" "added-${engine}" "$added"
		echo "   ${engine}: cold ${cold}s, warm ${warm}s, one added ${added}s"
		cp "${WORK}/cold-${engine}.log" "${WORK}/cold-${engine}-run${run}.log"
	done
	CACHE_NAME=locked
	uv_project
	fresh_build_dir "$UV_APP"
	cold="$(timed_compile locked-cold uv)"
	fresh_build_dir "$UV_APP"
	warm="$(timed_compile locked-warm uv unshare -n)"
	grep -q "Reusing the cached environment" "${WORK}/locked-warm.log"
	uv_project "humanize==4.17.0"
	fresh_build_dir "$UV_APP"
	added="$(timed_compile locked-added uv)"
	record "$run" locked-cold "$cold"
	record "$run" locked-warm "$warm"
	record "$run" locked-added "$added"
	echo "   uv.lock: cold ${cold}s, warm ${warm}s, one added ${added}s"
	discard "${WORK}/layers"
	fresh_workspace
	cold="$(timed_build cnb-cold)"
	fresh_workspace
	warm="$(timed_build cnb-rebuild unshare -n)"
	grep -q "Reusing the cached environment" "${WORK}/cnb-rebuild.log"
	fresh_workspace
	echo "humanize==4.17.0" >>"${WORK}/workspace/requirements.txt"
	added="$(timed_build cnb-added)"
	record "$run" cnb-cold "$cold"
	record "$run" cnb-rebuild "$warm"
	record "$run" cnb-added "$added"
	echo "   CNB (bin/build): cold ${cold}s, unchanged rebuild ${warm}s, one added ${added}s"
	plain_last="$(plain_pip)"
	plain="$(awk -v a="$plain_first" -v b="$plain_last" 'BEGIN { printf "%.1f", (a + b) / 2 }')"
	record "$run" plain "$plain"
	echo "   plain pip ${plain_first}s at the start, ${plain_last}s at the end: ${plain}s"
done

# The least a warm build can do: make the environment's tree again (hard links, as the cache
# restore does), on this disk.
env_files="$(find "${WORK}/build/.heroku/venv" -type f | wc -l)"
start="$(now)"
cp -al "${WORK}/build/.heroku/venv" "${WORK}/linked-venv"
linked="$(elapsed "$start" "$(now)")"
discard "${WORK}/linked-venv"

echo
echo "Where the last run's cold builds went:"
for engine in uv pip; do
	echo "  ${engine}: $(grep -- '-----> Done in' "${WORK}/cold-${engine}.log" | sed 's/^-----> //')"
	grep -E '^       (Resolved|Prepared|Installed|Bytecode compiled) ' "${WORK}/cold-${engine}.log" | sed 's/^ */      uv: /' || true
done
echo
echo "bench-app on $(date -u +%Y-%m-%d), ${RUNS} paired runs ($(nproc) cores); ratios to plain pip in the same run:"
python3 - "$RESULTS" "$linked" "$env_files" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
runs = sorted({int(r[0]) for r in rows})
time = {(int(r[0]), r[1]): float(r[2]) for r in rows}
targets = {
    "cold-uv": "<= 0.70", "warm-uv": "<= 0.06", "added-uv": "<= 0.15", "cold-pip": "<= 1.05",
    "cnb-rebuild": "<= 0.03",
}
print(f"  {'':14} {'median':>8} {'spread':>15}   {'runs':<30} target")
plain = [time[(r, 'plain')] for r in runs]
print(f"  {'plain pip':14} {statistics.median(plain):7.1f}s {min(plain):6.1f}-{max(plain):.1f}s   "
      + " ".join(f"{t:.1f}s" for t in plain))
for measure in ("cold-uv", "warm-uv", "added-uv", "cold-pip", "warm-pip", "added-pip",
                "locked-cold", "locked-warm", "locked-added", "cnb-cold", "cnb-rebuild", "cnb-added"):
    ratios = [time[(r, measure)] / time[(r, "plain")] for r in runs]
    print(f"  {measure:14} {statistics.median(ratios):7.3f}x {min(ratios):6.3f}-{max(ratios):.3f}x   "
          + " ".join(f"{x:.3f}" for x in ratios).ljust(30) + " " + targets.get(measure, ""))
print(f"  cp -al of the environment ({sys.argv[3]} files): {float(sys.argv[2]):.1f}s (a warm build's floor on this disk)")
PY
