#!/usr/bin/env bash
# make demo: build the example Flask app with bin/compile against the local mirror, then run its
# web process on 127.0.0.1 and fetch a page from it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-demo.XXXXXX")"
PORT="${PORT:-5123}"
server=""
# shellcheck disable=SC2329 # called by the EXIT trap
cleanup() {
	if [[ -n "$server" ]]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf -- "$WORK"
}
trap cleanup EXIT

cp -a "${ROOT}/test/fixtures/flask-app" "${WORK}/app"
mkdir -p "${WORK}/cache" "${WORK}/env"

echo "== bin/detect"
"${ROOT}/bin/detect" "${WORK}/app"
echo "== bin/compile"
env -u STACK BUILDPACK_MIRROR_URL="${BUILDPACK_MIRROR_URL:-file://${ROOT}/.mirror}" \
	"${ROOT}/bin/compile" "${WORK}/app" "${WORK}/cache" "${WORK}/env"
echo "== bin/release"
"${ROOT}/bin/release" "${WORK}/app"

web="$(sed -n 's/^web:[[:space:]]*//p' "${WORK}/app/Procfile")"
echo "== starting the web process: ${web} (port ${PORT})"
# shellcheck disable=SC2016 # expanded by the dyno's shell
env -i HOME="${WORK}/app" PORT="$PORT" PATH=/usr/local/bin:/usr/bin:/bin bash -c \
	'cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done && exec '"${web}"' --bind "127.0.0.1:${PORT}"' &
server=$!
for _ in $(seq 1 50); do
	if body="$(curl -fsS "http://127.0.0.1:${PORT}/" 2>/dev/null)"; then
		echo "== GET / -> ${body}"
		exit 0
	fi
	sleep 0.2
done
echo "The web process did not answer on port ${PORT}" >&2
exit 1
