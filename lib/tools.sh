#!/usr/bin/env bash
# The buildpack's own Python code: which interpreter runs it, and the vendored wheels it imports.

# tools::bootstrap_python: an interpreter (3.9+) to run the buildpack's logic before the app's
# runtime is installed: BUILDPACK_PYTHON, else python3 on PATH.
tools::bootstrap_python() {
	local candidate
	for candidate in "${BUILDPACK_PYTHON:-}" python3 python3.13 python3.12 python3.11 python3.10 python3.9; do
		[[ -n "$candidate" ]] || continue
		if command -v "$candidate" >/dev/null 2>&1 &&
			"$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 9))' >/dev/null 2>&1; then
			command -v "$candidate"
			return 0
		fi
	done
	return 1
}

# tools::unpack PYTHON DEST: unpack the vendored wheels into DEST (an importable directory).
tools::unpack() {
	local python="$1" dest="$2" wheel
	mkdir -p -- "$dest"
	for wheel in "${BUILDPACK_DIR}"/vendor/wheels/*.whl; do
		"$python" -E -s -m zipfile -e "$wheel" "$dest"
	done
}

# tools::run PYTHON TOOLS SUBCOMMAND ARGS...: run the buildpack's Python core.
tools::run() {
	local python="$1" tools="$2"
	shift 2
	env -u PYTHONHOME PYTHONPATH="${BUILDPACK_DIR}/lib:${tools}" "$python" -s -m pybuildpack "$@"
}
