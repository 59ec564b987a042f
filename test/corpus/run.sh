#!/usr/bin/env bash
# make corpus: every app of test/corpus/legacy-sdists.txt, built with plain pip (a fresh venv on
# the buildpack's default runtime) and with bin/compile (a fresh cache), on the local mirror.
# Prints a table: the app, each build's result and seconds, and what bin/compile planned or
# learned. Not part of `make test`: it builds real packages from the index (minutes).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MIRROR="${MIRROR_DIR:-${ROOT}/.mirror}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-corpus.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }

# new_app LINE: WORK/app with the line's requirements, one per line.
new_app() {
	rm -rf "${WORK}/app" && mkdir -p "${WORK}/app"
	tr ' ' '\n' <<<"$1" >"${WORK}/app/requirements.txt"
}

# The default runtime, as bin/compile installs it (for the plain pip builds).
new_app "six==1.17.0"
env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" "${WORK}/app" "${WORK}/cache" >"${WORK}/runtime.log" 2>&1 || {
	cat "${WORK}/runtime.log" >&2
	exit 1
}
cp -a "${WORK}/app/.heroku/python" "${WORK}/runtime"
version="$("${WORK}/runtime/bin/python3" -c 'import platform; print(platform.python_version())')"

printf '%s\n' "Legacy sdists on CPython ${version}, $(date -u +%Y-%m-%d):" ""
printf '| %s | %s | %s | %s |\n' "app" "plain pip" "bin/compile" "planned or learned" "--- " "---" "---" "---"
while IFS= read -r line; do
	line="${line%%#*}"
	[[ -n "${line// /}" ]] || continue
	new_app "$line"
	rm -rf "${WORK}/plain"
	"${WORK}/runtime/bin/python3" -m venv "${WORK}/plain"
	start="$(now)"
	plain="ok"
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
		"${WORK}/plain/bin/pip" install -q -r "${WORK}/app/requirements.txt" >"${WORK}/plain.log" 2>&1 || plain="fails"
	if [[ "$plain" == fails ]]; then
		why="$(grep -o "No module named '[^']*'" "${WORK}/plain.log" | head -n 1 || true)"
		plain="fails${why:+ (${why})}"
	fi
	plain+=", $(elapsed "$start" "$(now)") s"
	rm -rf "${WORK}/cache"
	start="$(now)"
	built="ok"
	env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" "${WORK}/app" "${WORK}/cache" \
		>"${WORK}/compile.log" 2>&1 || built="fails"
	built+=", $(elapsed "$start" "$(now)") s"
	planned="$(grep -E 'without build isolation:|learned from pip' "${WORK}/compile.log" |
		sed -E 's/^ *[0-9]+\. //; s/^-----> //; s/ \(requirements\.txt:[0-9]+\)//' | paste -sd ';' | sed 's/;/; /g')"
	printf '| %s | %s | %s | %s |\n' "$line" "$plain" "$built" "${planned:-nothing}"
done <"${ROOT}/test/corpus/legacy-sdists.txt"
