#!/usr/bin/env bash
# Adds deb-src entries for bookworm, trixie and sid, made from the URIs this machine's apt already
# uses (so no host name is written down here), and runs apt-get update once.
# With --uri: prints that URI (the Debian archive this machine uses) and changes nothing.
set -euo pipefail

list=/etc/apt/sources.list.d/pybuildpack-src.sources
if [[ "${1:-}" != "--uri" && -f "$list" ]]; then
	exit 0
fi
uri="$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n1 || true)"
if [[ -z "$uri" ]]; then
	uri="$(grep -h -m1 -E '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)"
fi
if [[ -z "$uri" ]]; then
	echo "debian-sources: no apt source URI found on this machine" >&2
	exit 1
fi
if [[ "${1:-}" == "--uri" ]]; then
	printf '%s\n' "$uri"
	exit 0
fi
cat >"$list" <<SRC
Types: deb-src
URIs: ${uri}
Suites: bookworm trixie sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt-get update -qq
