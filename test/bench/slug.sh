#!/usr/bin/env bash
# make slug-compare HEROKU_BUILDPACK=DIR: the bench app's slug from this buildpack's bin/compile
# beside the one from Heroku's classic Python buildpack (a checkout of it in DIR, not part of this
# repository: `git clone` it from its GitHub repository, heroku/heroku-buildpack-python), both
# cold, with an empty cache. Prints each slug's size unpacked and as a gzip'd tarball (a slug is
# one), by part: the runtime, the installed packages and the rest.
#
# Heroku's buildpack downloads its runtime from its own bucket, which a build here can't reach:
# it is run from a copy of DIR whose runtime URL (lib/python.sh's S3_BASE_URL) names a server on
# 127.0.0.1 that serves this buildpack's own runtime archive (the mirror's, the one our build
# used), under whatever name it asks for (python-X.Y.Z-ubuntu-24.04-ARCH.tar.zst: the two
# archives have the same layout). So both slugs hold the same interpreter, and what differs is
# what each buildpack installs and keeps.
set -euo pipefail
unset PYTHONDONTWRITEBYTECODE

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MIRROR="${MIRROR_DIR:-${ROOT}/.mirror}"
HEROKU="${HEROKU_BUILDPACK:-}"
APP="${ROOT}/test/fixtures/bench-app"
if [[ -z "$HEROKU" || ! -x "${HEROKU}/bin/compile" || ! -f "${HEROKU}/lib/python.sh" ]]; then
	echo "HEROKU_BUILDPACK must name a checkout of Heroku's classic Python buildpack (bin/compile, lib/python.sh)" >&2
	exit 2
fi
if [[ -e /app || -L /app ]]; then
	echo "/app exists: Heroku's buildpack would link /app/.heroku/python into it; move it away first" >&2
	exit 2
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-slug.XXXXXX")"
SERVER=""
# Heroku's bin/compile, run outside /app, links /app/.heroku/python to its build's runtime (as its
# builds on Heroku do): /app must not exist before, and the link (and the directories it made) goes
# after, so that nothing else on the machine (the integration tests' /app) finds it.
cleanup() {
	[[ -z "$SERVER" ]] || kill "$SERVER" 2>/dev/null || true
	if [[ -L /app/.heroku/python && "$(readlink /app/.heroku/python)" == "${WORK}/"* ]]; then
		rm -f -- /app/.heroku/python
		rmdir -- /app/.heroku /app 2>/dev/null || true
	fi
	rm -rf -- "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Ours: bin/compile, the default engine, an empty cache.
cp -a "$APP" "${WORK}/ours"
mkdir -p "${WORK}/ours-env"
start="$(now)"
env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR}" "${ROOT}/bin/compile" "${WORK}/ours" "${WORK}/ours-cache" \
	"${WORK}/ours-env" >"${WORK}/ours.log" 2>&1 || {
	cat "${WORK}/ours.log" >&2
	exit 1
}
ours_time="$(elapsed "$start" "$(now)")"
archive="$(sed -n 's/^ *Downloading \(python-.*\.tar\.zst\)$/\1/p' "${WORK}/ours.log" | head -n 1)"
[[ -f "${MIRROR}/${archive}" ]] || {
	echo "could not tell which runtime archive the build used (${archive:-none named})" >&2
	exit 1
}

# The server: our archive for any python-*.tar.zst, each name asked for logged.
mkdir -p "${WORK}/served"
python3 - "${MIRROR}/${archive}" "${WORK}/served/asked" "${WORK}/served/port" <<'PY' &
import http.server, shutil, sys
archive, asked, port_file = sys.argv[1:4]
class Serve(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        with open(asked, "a") as log:
            log.write(name + "\n")
        if not (name.startswith("python-") and name.endswith(".tar.zst")):
            self.send_error(404)
            return
        with open(archive, "rb") as handle:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            handle.seek(0, 2)
            self.send_header("Content-Length", str(handle.tell()))
            handle.seek(0)
            self.end_headers()
            shutil.copyfileobj(handle, self.wfile)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Serve)
with open(port_file, "w") as out:
    out.write(str(server.server_address[1]))
server.serve_forever()
PY
SERVER=$!
for _ in $(seq 1 100); do
	[[ -s "${WORK}/served/port" ]] && break
	sleep 0.1
done
port="$(cat "${WORK}/served/port")"

# Theirs: a copy whose runtime URL is the server's.
cp -a "$HEROKU" "${WORK}/heroku-buildpack"
grep -q '^S3_BASE_URL=' "${WORK}/heroku-buildpack/lib/python.sh" || {
	echo "Heroku's lib/python.sh has no S3_BASE_URL line: this script needs updating for that version" >&2
	exit 1
}
sed -i "s|^S3_BASE_URL=.*|S3_BASE_URL=\"http://127.0.0.1:${port}\"|" "${WORK}/heroku-buildpack/lib/python.sh"
cp -a "$APP" "${WORK}/heroku"
mkdir -p "${WORK}/heroku-env"
start="$(now)"
STACK=heroku-24 "${WORK}/heroku-buildpack/bin/compile" "${WORK}/heroku" "${WORK}/heroku-cache" "${WORK}/heroku-env" \
	>"${WORK}/heroku.log" 2>&1 || {
	cat "${WORK}/heroku.log" >&2
	exit 1
}
heroku_time="$(elapsed "$start" "$(now)")"

echo "The bench app's slug, built cold by each buildpack ($(date -u +%Y-%m-%d)):"
echo "  ours:    bin/compile, ${ours_time}s; its runtime ${archive}"
release="$(grep -m 1 -o '^## \[v[0-9]*\]' "${HEROKU}/CHANGELOG.md" 2>/dev/null | tr -d '#[] ' || true)"
echo "  Heroku:  ${release:-its} bin/compile (STACK=heroku-24), ${heroku_time}s;" \
	"asked for $(sort -u "${WORK}/served/asked" | paste -sd ' '), served ${archive}"
python3 - "${WORK}/ours" "${WORK}/heroku" <<'PY'
import os, subprocess, sys
from pathlib import Path

MB = 1_000_000

def size(root, skip=()):
    """Bytes as du --apparent-size counts them (each file once, directories' own sizes)."""
    total, seen = 0, set()
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in skip]
        for name in [*files, *dirs]:
            st = os.lstat(os.path.join(top, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total

def gzipped(root):
    tar = subprocess.Popen(["tar", "-C", root, "-cf", "-", "."], stdout=subprocess.PIPE)
    gz = subprocess.Popen(["gzip", "-6"], stdin=tar.stdout, stdout=subprocess.PIPE)
    tar.stdout.close()
    length = sum(len(chunk) for chunk in iter(lambda: gz.stdout.read(1 << 20), b""))
    gz.wait(), tar.wait()
    return length

def bytecode(root):
    found = [p for p in Path(root).rglob("*.pyc") if p.is_file() and not p.is_symlink()]
    return len(found), sum(p.stat().st_size for p in found)

def tools(site):
    """The packaging tools installed beside the app's packages (pip, setuptools, wheel)."""
    total = 0
    for name in ("pip", "setuptools", "wheel", "_distutils_hack"):
        for path in [site / name, *site.glob(f"{name}-*.dist-info")]:
            if path.is_dir():
                total += size(str(path))
    return total

rows = []
for name, root in (("ours", sys.argv[1]), ("Heroku", sys.argv[2])):
    python = os.path.join(root, ".heroku", "python")
    venv = os.path.join(root, ".heroku", "venv")
    if os.path.isdir(venv):  # ours: the packages in their own environment
        site = next(Path(venv).glob("lib/python3.*/site-packages"))
        packages, runtime, where = size(venv), size(python), venv
    else:  # Heroku's: the packages in the runtime's site-packages, their scripts in its bin/
        site = next(Path(python).glob("lib/python3.*/site-packages"))
        packages, runtime, where = size(str(site)), size(python, skip=(str(site),)), str(site)
    total = size(root)
    rows.append((name, total, runtime, packages, total - runtime - packages, gzipped(root), bytecode(where), tools(site)))
print(f"  {'':8} {'unpacked':>9} {'runtime':>9} {'packages':>9} {'the rest':>9} {'gzip -6':>9}")
for name, total, runtime, packages, rest, gz, _pyc, _tools in rows:
    print(f"  {name:8} {total / MB:7.1f}MB {runtime / MB:7.1f}MB {packages / MB:7.1f}MB {rest / MB:7.1f}MB {gz / MB:7.1f}MB")
print("  The packages' part:")
for name, *_, (count, length), tools_size in rows:
    print(f"  {name:8} .pyc: {count:,} files, {length / MB:.1f} MB; pip, setuptools and wheel: {tools_size / MB:.1f} MB")
PY
