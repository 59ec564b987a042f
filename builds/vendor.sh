#!/usr/bin/env bash
# make vendor: refresh the pure-Python wheels in vendor/wheels (the buildpack's own dependencies),
# pinned by vendor/wheels.sha256 (a test holds the wheels to it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf -- "$tmp"' EXIT
pip download --quiet --no-cache-dir --only-binary=:all: --python-version 3.10 --implementation py \
	--abi none --platform any --dest "$tmp" packaging tomli virtualenv installer cyclonedx-python-lib
rm -f -- "${ROOT}"/vendor/wheels/*.whl
cp -- "$tmp"/*.whl "${ROOT}/vendor/wheels/"
(cd "${ROOT}/vendor/wheels" && sha256sum -- *.whl >../wheels.sha256)
ls -1 "${ROOT}/vendor/wheels"

# The pinned packaging tools (vendor/pins.txt) and what they need, installed into every
# environment without network.
rm -f -- "${ROOT}"/vendor/seed/*.whl
pip download --quiet --no-cache-dir --only-binary=:all: --dest "${ROOT}/vendor/seed" \
	-r "${ROOT}/vendor/pins.txt"
ls -1 "${ROOT}/vendor/seed"
