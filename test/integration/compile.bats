#!/usr/bin/env bats
# bin/compile end to end, against the local mirror (make mirror) and the real package index.

load ../helpers/suite

@test "a plain pip app builds, and the slug works after it is moved to /app" {
	new_app flask-app
	cold_runtime
	compile_app
	assert_success
	assert_output_contains \
		"-----> Python 3.13.15 (newest matching from .python-version:1)" \
		"-----> Installing Python 3.13.15" "Downloading python-3.13.15-" \
		"-----> Installing dependencies from requirements.txt" \
		"-----> Done in"
	assert_installed flask==3.1.3 gunicorn==27.0.1
	[[ -f "${BUILD_DIR}/.profile.d/python.sh" ]]
	[[ -f "${BUILDPACK_DIR}/export" ]]
	# No native library's trigger, no download (native_libraries.bats has those that trigger).
	refute_output_contains "Native libraries" "libmemcached"
	[[ ! -e "${BUILD_DIR}/.heroku/vendor" ]] || fail "a native library was installed"
	[[ -z "$(find "$CACHE_DIR" -name 'libmemcached*')" ]] || fail "a native library was cached"

	slug_to_app
	in_slug /app 'command -v python; python -c "import flask, sys; print(flask.__version__, sys.version.split()[0], sys.prefix)"; gunicorn --version; pip --version'
	assert_success
	assert_output_contains "/app/.heroku/venv/bin/python" "3.1.3 3.13.15 /app/.heroku/venv" "gunicorn (version 27.0.1)"
	# Nothing in the slug points back at the directory it was built in.
	run grep -rl --exclude-dir=__pycache__ -F "${BATS_TEST_TMPDIR}/build" /app/.heroku/venv/bin
	assert_equal "$output" ""
}

@test "the slug's size is said; above BUILDPACK_SLUG_SIZE_WARNING the largest distributions are named" {
	new_app no-deps
	# A distribution of 30 MB made here (a wheel of zeros, which compress to nearly nothing).
	python3 - "${BUILD_DIR}/wheels" <<'PY'
import pathlib, sys, zipfile
root = pathlib.Path(sys.argv[1])
root.mkdir()
info = "bigdata-1.0.dist-info"
files = {
    "bigdata/__init__.py": b"",
    "bigdata/model.bin": bytes(30_000_000),
    f"{info}/METADATA": b"Metadata-Version: 2.1\nName: bigdata\nVersion: 1.0\n",
    f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
with zipfile.ZipFile(root / "bigdata-1.0-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as wheel:
    for name, data in files.items():
        wheel.writestr(name, data)
    wheel.writestr(f"{info}/RECORD", "".join(f"{name},,\n" for name in [*files, f"{info}/RECORD"]))
PY
	echo "./wheels/bigdata-1.0-py3-none-any.whl" >>"${BUILD_DIR}/requirements.txt"
	printf '50' >"${ENV_DIR}/BUILDPACK_SLUG_SIZE_WARNING"
	compile_app
	assert_success
	local said
	said="$(grep -- '-----> Slug size: ' <<<"$output")" || fail "no slug size: $output"
	[[ "$said" =~ ^"-----> Slug size: "([0-9]+)" MB (.heroku/python "[0-9]+" MB, .heroku/venv "([0-9]+)" MB, the app "([0-9.]+)" MB)"$ ]] ||
		fail "not the slug's size by part: $said"
	# what du says of the slug, in MB, each file once (as the build counts)
	assert_equal "${BASH_REMATCH[1]}" "$(du -s -B1 --apparent-size "$BUILD_DIR" | awk '{ printf "%.0f", $1 / 1000000 }')"
	((BASH_REMATCH[2] > 30)) || fail "the environment is not counted whole: $said"
	assert_output_contains \
		" !     Warning: The slug is ${BASH_REMATCH[1]} MB, over 50 MB (BUILDPACK_SLUG_SIZE_WARNING)" \
		" !     The largest installed distributions:" \
		" !       bigdata 1.0 " \
		"in .slugignore."
	[[ "$output" == *"The largest installed distributions:"$'\n'" !       bigdata 1.0 "*" 30 MB"$'\n'* ]] ||
		fail "bigdata is not named first, with its size: $output"
	# Under the warning size (the default: 1,000 MB), the size alone.
	rm "${ENV_DIR}/BUILDPACK_SLUG_SIZE_WARNING"
	rebuild
	assert_success
	assert_output_contains "-----> Slug size: "
	refute_output_contains "Warning: The slug is"
}

@test "an app with only setup.py is installed as a package; a build dir with spaces works" {
	new_app setup-py-app "build dir with spaces"
	compile_app
	assert_success
	assert_output_contains "Installing dependencies the app is a package (setup.py)"
	in_slug "$BUILD_DIR" 'python -c "import hello; print(hello.MESSAGE)"'
	assert_success
	assert_output_contains "hello six"

	# Moved somewhere else than /app: .profile.d still finds everything.
	mv "$BUILD_DIR" "${BATS_TEST_TMPDIR}/moved elsewhere"
	in_slug "${BATS_TEST_TMPDIR}/moved elsewhere" 'python -c "import hello, six; print(hello.MESSAGE)"'
	assert_success
	assert_output_contains "hello six"
}

@test "pyproject.toml requires-python picks the newest release that satisfies it" {
	new_app pyproject-app
	compile_app
	assert_success
	assert_output_contains "-----> Python 3.11.2 (newest matching from pyproject.toml requires-python '>=3.11,<3.13')"
	in_slug "$BUILD_DIR" 'python -c "import greeting, six, sys; print(greeting.GREETING, sys.version_info[:2])"'
	assert_output_contains "hi (3, 11)"
}

@test "BUILDPACK_INSTALL_EXTRAS: an app installed as a package gets its extras (pip install .[cli]), bin/plan shows them, unset they are removed; a requirements.txt that installs the app (-e .) gets them on that line; an undeclared one fails" {
	new_app pyproject-app
	printf '\n[project.optional-dependencies]\ncli = ["docopt==0.6.2"]\n' >>"${BUILD_DIR}/pyproject.toml"
	printf 'cli' >"${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "-----> Groups and extras installed besides the default set" \
		"       extras cli (BUILDPACK_INSTALL_EXTRAS)" "docopt==0.6.2" "pip install .[cli]"
	compile_app
	assert_success
	assert_installed pyproject-app six==1.17.0 docopt==0.6.2
	rm "${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment: BUILDPACK_INSTALL_EXTRAS cli -> (none)" \
		"-----> Removing packages no longer required" "docopt 0.6.2"
	[[ " $(installed_set) " != *" docopt=="* ]] || fail "docopt is still installed" "$(installed_set)"
	# A requirements.txt that installs the app itself: its line gets the extras (-e .[cli]),
	# in a sync of the cached environment that keeps them.
	printf -- '-e .\n' >"${BUILD_DIR}/requirements.txt"
	printf 'cli' >"${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment: " "BUILDPACK_INSTALL_EXTRAS (none) -> cli" \
		"-----> Installing dependencies from requirements.txt"$'\n'"       with extras cli (BUILDPACK_INSTALL_EXTRAS)"
	assert_installed pyproject-app six==1.17.0 docopt==0.6.2
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"install_extras": [' '"cli"'
	printf 'cli redis' >"${ENV_DIR}/BUILDPACK_INSTALL_EXTRAS"
	rebuild
	assert_failure 1
	assert_output_contains "Error: BUILDPACK_INSTALL_EXTRAS names redis: pyproject.toml declares no such extra" \
		"pyproject.toml (its optional dependencies) declares: cli."
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "app::extra-unknown"'
}

@test "runtime.txt, the default, and the version the cache last used" {
	new_app no-deps
	# Beside .python-version, runtime.txt decides (as in Heroku's classic buildpack), with a warning.
	printf 'python-3.11.2\n' >"${BUILD_DIR}/runtime.txt"
	printf '3.13\n' >"${BUILD_DIR}/.python-version"
	compile_app
	assert_success
	assert_output_contains "-----> Python 3.11.2 (from runtime.txt:1)" \
		" !     Warning: runtime.txt and .python-version both name the Python version: runtime.txt is used" \
		" !     runtime.txt:1 asks for 3.11.2; .python-version:1 asks for 3.13." \
		" !     and delete runtime.txt."
	in_slug "$BUILD_DIR" 'python -c "import sys; print(sys.version.split()[0])"'
	assert_output_contains "3.11.2"

	rm "${BUILD_DIR}/runtime.txt" "${BUILD_DIR}/.python-version"
	compile_app
	assert_success
	assert_output_contains "-----> Python 3.11.2 (newest matching from the version the cache last used (3.11.2))"

	new_app no-deps
	CACHE_DIR="${BATS_TEST_TMPDIR}/fresh-cache"
	compile_app
	assert_success
	assert_output_contains "-----> Python 3.13.15 (newest matching from the default)"
}

@test "bad version files: a clear error naming the file and line, and the cache stays usable" {
	local -a contents=("3.99" "3.13.99" "python3.13" $'3.13\n3.12' $'\xef\xbb\xbf3.13' "")
	local -a expected=(
		"Python 3.99 is not a version this buildpack knows"
		"Python 3.13.99 is not a version this buildpack knows"
		"Write '3.13' instead of 'python3.13'"
		".python-version names more than one version (lines 1, 2)"
		".python-version starts with a UTF-8 byte order mark"
		".python-version is empty"
	)
	local i
	for i in "${!contents[@]}"; do
		new_app no-deps
		printf '%s\n' "${contents[$i]}" >"${BUILD_DIR}/.python-version"
		compile_app
		assert_failure 1
		assert_output_contains " !     Error: " "${expected[$i]}" "Where: .python-version"
		refute_output_contains "Internal error" "Traceback"
		[[ ! -e "${BUILD_DIR}/.heroku/python" ]]
	done
	new_app no-deps
	printf '3.13\n' | iconv -t UTF-16 >"${BUILD_DIR}/.python-version"
	compile_app
	assert_failure 1
	assert_output_contains ".python-version is encoded as UTF-16"

	# A NUL byte, an invisible character: named where they are, not taken for UTF-16.
	new_app no-deps
	printf '# the runtime\n\xe2\x80\x8bpython-3.13\n\0\0\n' >"${BUILD_DIR}/runtime.txt"
	compile_app
	assert_failure 1
	assert_output_contains \
		" !     Error: runtime.txt holds an invisible character, U+200B (ZERO WIDTH SPACE), at line 2, column 1" \
		" !     Where: runtime.txt:2:1"
	printf 'python-3.13\n\0\0\n' >"${BUILD_DIR}/runtime.txt"
	compile_app
	assert_failure 1
	assert_output_contains " !     Error: runtime.txt holds a NUL byte at line 2, column 1"
	refute_output_contains "UTF-16"

	# A misspelt .python-version (here with a trailing space) is an error that names it.
	new_app no-deps
	printf '3.13\n' >"${BUILD_DIR}/.python-version "
	compile_app
	assert_failure 1
	assert_output_contains " !     Error: '.python-version ' looks like a misspelt .python-version" \
		" !     Rename it: git mv '.python-version ' .python-version"
	[[ ! -e "${BUILD_DIR}/.heroku/python" ]]
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "python-version::file-misspelt"'

	plain_app
	compile_app
	assert_success
}

@test "an exact release older than the newest the mirror holds: a warning naming the newer, built as asked" {
	# The mirror's index also lists a newer 3.13 (only its name: it is never downloaded).
	local mirror="${BATS_TEST_TMPDIR}/mirror" name
	mkdir -p "$mirror"
	for name in "${MIRROR_DIR}"/*; do ln -s "$name" "$mirror/"; done
	rm "$mirror/index.txt"
	sed 's/^python-3\.13\.15-\(.*\)$/&\npython-3.13.99-\1/' "${MIRROR_DIR}/index.txt" >"$mirror/index.txt"
	grep -q '^python-3.13.99-' "$mirror/index.txt"
	new_app no-deps
	printf '3.13.15\n' >"${BUILD_DIR}/.python-version"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${mirror}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "-----> Python 3.13.15 (from .python-version:1)" \
		" !     Warning: Python 3.13.15 is not the newest 3.13 release: the mirror holds 3.13.99" \
		" !     Ask for '3.13' to get the newest 3.13.x at each build (or for '3.13.99')." \
		"-----> Installing Python 3.13.15"
}

@test "a committed virtual environment or .heroku/python, or an empty setup.py: clear errors; a rebuild in place is fine" {
	new_app no-deps
	mkdir -p "${BUILD_DIR}/.venv/bin" && ln -s /usr/bin/python3 "${BUILD_DIR}/.venv/bin/python"
	printf 'home = /usr/bin\n' >"${BUILD_DIR}/.venv/pyvenv.cfg"
	compile_app
	assert_failure 1
	assert_output_contains " !     Error: The app has a virtual environment, .venv/, in its files" \
		" !     Where: .venv/pyvenv.cfg" " !       .venv/bin/python" " !       git rm -r --cached .venv" \
		" !       echo '.venv/' >> .gitignore"
	[[ ! -e "${BUILD_DIR}/.heroku" ]] || fail "the build wrote into the app"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "app::committed-virtualenv"'

	new_app no-deps
	mkdir -p "${BUILD_DIR}/.heroku/python/bin" && printf 'x\n' >"${BUILD_DIR}/.heroku/python/bin/python"
	compile_app
	assert_failure 1
	assert_output_contains " !     Error: The app has a .heroku/python/ of its own, where the buildpack installs Python" \
		" !       .heroku/python/bin/python" " !       git rm -r --cached .heroku/python"

	new_app no-deps
	rm "${BUILD_DIR}/requirements.txt" && : >"${BUILD_DIR}/setup.py"
	compile_app
	assert_failure 1
	assert_output_contains " !     Error: setup.py is empty: it makes no package, and the app has no other dependency file" \
		" !     Where: setup.py"
	refute_output_contains "Traceback" "Installing Python"

	# The buildpack's own runtime, from a build in the same directory, is no committed one.
	new_app no-deps
	compile_app
	assert_success
	compile_app
	assert_success
}

@test "a missing package: pip's message, then a summary naming the requirement and its line" {
	new_app missing-package
	compile_app
	assert_failure 1
	assert_output_contains \
		"No matching distribution found for this-package-does-not-exist-pybuildpack==1.0" \
		" !     Error: pip could not find this-package-does-not-exist-pybuildpack==1.0 on the package index" \
		" !     Where: requirements.txt:2"
	refute_output_contains "Internal error"
}

@test "a syntax error in requirements.txt names the file and line" {
	new_app bad-syntax
	compile_app
	assert_failure 1
	assert_output_contains " !     Error: 'flask = = 3' is not a valid requirement" \
		" !     Where: requirements.txt:3"
	refute_output_contains "Installing Python"
}

@test "a misspelt requirements file is named in the error" {
	new_app misspelt
	compile_app
	assert_failure 1
	assert_output_contains "Error: Found 'requirments.txt' but no 'requirements.txt'" "git mv 'requirments.txt' requirements.txt"
}

@test "a missing or unusable BUILD_DIR is an error" {
	CACHE_DIR="${BATS_TEST_TMPDIR}/cache"
	run "${BUILDPACK_DIR}/bin/compile" "${BATS_TEST_TMPDIR}/does-not-exist" "$CACHE_DIR"
	assert_failure 1
	assert_output_contains "The build directory does not exist"
	: >"${BATS_TEST_TMPDIR}/a-file"
	run "${BUILDPACK_DIR}/bin/compile" "${BATS_TEST_TMPDIR}/a-file" "$CACHE_DIR"
	assert_failure 1
	run "${BUILDPACK_DIR}/bin/compile"
	assert_failure 1
	assert_output_contains "Usage: bin/compile BUILD_DIR CACHE_DIR [ENV_DIR]"
}

@test "no mirror configured off Heroku: the error says how to set one" {
	new_app no-deps
	run env -u STACK -u BUILDPACK_MIRROR_URL "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR"
	assert_failure 1
	assert_output_contains "No mirror is configured" "BUILDPACK_MIRROR_URL"
}

@test "an unreachable mirror is an error naming the URL" {
	new_app python-version-exact
	compile_app BUILDPACK_MIRROR_URL="http://127.0.0.1:9/mirror" MIRROR_RETRIES=1
	assert_failure 1
	assert_output_contains "Could not download Python 3.11.2" "http://127.0.0.1:9/mirror/python-3.11.2-"
}

@test "a checksum mismatch or a truncated archive: fatal, nothing used or cached, next build works" {
	local name
	name="$(grep -m1 '^python-3.11.2-' "${MIRROR_DIR}/index.txt")"
	bad="${BATS_TEST_TMPDIR}/bad-mirror"
	mkdir -p "$bad" && cp "${MIRROR_DIR}/index.txt" "${MIRROR_DIR}/${name}" "${MIRROR_DIR}/${name}.sha256" "$bad/"
	printf 'x' >>"${bad}/${name}"

	new_app python-version-exact
	compile_app BUILDPACK_MIRROR_URL="file://${bad}"
	assert_failure 1
	assert_output_contains "Checksum mismatch for Python 3.11.2"
	[[ ! -e "${BUILD_DIR}/.heroku/python" ]]
	run find "$CACHE_DIR" -name 'python-3.11.2-*'
	assert_equal "$output" ""

	# Truncated, with a checksum that matches the truncated file: tar notices.
	cp "${MIRROR_DIR}/${name}" "${bad}/${name}"
	truncate -s 1000000 "${bad}/${name}"
	(cd "$bad" && sha256sum "$name" >"${name}.sha256")
	new_app python-version-exact
	compile_app BUILDPACK_MIRROR_URL="file://${bad}"
	assert_failure 1
	assert_output_contains "The Python 3.11.2 archive is damaged"
	[[ ! -e "${BUILD_DIR}/.heroku/python" && ! -e "${BUILD_DIR}/.heroku/.python-unpacking" ]]
	run find "$CACHE_DIR" -name 'python-3.11.2-*'
	assert_equal "$output" ""

	new_app python-version-exact
	compile_app
	assert_success
}
