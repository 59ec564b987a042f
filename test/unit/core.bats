#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib core
	unset BUILDPACK_PYTHON
	# The interpreter python3 on PATH really is (not a wrapper or a shim).
	REAL_PYTHON="$(python3 -c 'import os, sys; print(os.path.abspath(sys.executable))')"
	STATE="${BATS_TEST_TMPDIR}/state"
	SCRATCH="${BATS_TEST_TMPDIR}/scratch"
}

# copy_buildpack: a copy of the buildpack's tree (without .git, .tools and .mirror) to change at
# will; BUILDPACK_DIR points at it.
copy_buildpack() {
	local copy="${BATS_TEST_TMPDIR}/buildpack" entry
	mkdir -p -- "$copy"
	for entry in "$BUILDPACK_DIR"/* "$BUILDPACK_DIR"/.[!.]*; do
		case "${entry##*/}" in
		.git | .tools | .mirror) continue ;;
		esac
		cp -a -- "$entry" "$copy/"
	done
	BUILDPACK_DIR="$copy"
}

# fake_bin NAME BODY: an executable shell script NAME in BATS_TEST_TMPDIR/bin.
fake_bin() {
	mkdir -p -- "${BATS_TEST_TMPDIR}/bin"
	printf '#!/bin/sh\n%s\n' "$2" >"${BATS_TEST_TMPDIR}/bin/$1"
	chmod +x "${BATS_TEST_TMPDIR}/bin/$1"
}

# flip_byte FILE: change one byte of FILE in place (same size).
flip_byte() {
	python3 -c 'import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 0x01
open(path, "wb").write(bytes(data))' "$1"
}

# --- core::bootstrap_python -------------------------------------------------------------------

@test "the bootstrap interpreter is a real Python 3.9+, by its own path" {
	run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
	[[ "$output" == /* && -x "$output" ]]
	run "$output" -c 'import sys; print(sys.version_info >= (3, 9))'
	assert_equal "$output" "True"
}

@test "a wrapper around python3 gives the interpreter's own path, not the wrapper's" {
	fake_bin python3 "exec '${REAL_PYTHON}' \"\$@\""
	PATH="${BATS_TEST_TMPDIR}/bin:${PATH}" run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
	refute_output_contains "${BATS_TEST_TMPDIR}/bin"
}

@test "a build's bootstrap interpreter is kept in STATE_DIR and taken, unstarted, while what it was found from is unchanged" {
	local started="${BATS_TEST_TMPDIR}/started"
	fake_bin python3 "echo python3 >>'${started}'; exec '${REAL_PYTHON}' \"\$@\""
	export PATH="${BATS_TEST_TMPDIR}/bin:${PATH}"
	run core::bootstrap_python "$STATE"
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
	assert_equal "$(wc -l <"$started")" 1
	assert_equal "$(sed -n 2p "${STATE}/core/python")" "$REAL_PYTHON"

	run core::bootstrap_python "$STATE"
	assert_equal "$output" "$REAL_PYTHON"
	assert_equal "$(wc -l <"$started")" 1 # (not started: the kept answer)

	# Another python3 first on PATH (here the same file changed): found afresh.
	fake_bin python3 "echo another python3 >>'${started}'; exec '${REAL_PYTHON}' \"\$@\""
	run core::bootstrap_python "$STATE"
	assert_equal "$output" "$REAL_PYTHON"
	assert_equal "$(wc -l <"$started")" 2
	run core::bootstrap_python "$STATE"
	assert_equal "$(wc -l <"$started")" 2
	# BUILDPACK_PYTHON naming another program: found afresh (and it is tried first).
	fake_bin mypython "echo mypython >>'${started}'; exec '${REAL_PYTHON}' \"\$@\""
	BUILDPACK_PYTHON="${BATS_TEST_TMPDIR}/bin/mypython" run core::bootstrap_python "$STATE"
	assert_equal "$output" "$REAL_PYTHON"
	assert_equal "$(tail -n 1 "$started")" "mypython"
	run core::bootstrap_python "$STATE"
	run core::bootstrap_python "$STATE"
	assert_equal "$(wc -l <"$started")" 4
	# A kept interpreter that is gone, or a record that is not one: found afresh.
	printf '%s\n%s\n' "$(sed -n 1p "${STATE}/core/python")" "${BATS_TEST_TMPDIR}/gone/python3" >"${STATE}/core/python"
	run core::bootstrap_python "$STATE"
	assert_equal "$output" "$REAL_PYTHON"
	assert_equal "$(wc -l <"$started")" 5
	printf 'garbage\n' >"${STATE}/core/python"
	run core::bootstrap_python "$STATE"
	assert_equal "$output" "$REAL_PYTHON"
	assert_equal "$(wc -l <"$started")" 6
	run core::bootstrap_python "$STATE"
	assert_equal "$(wc -l <"$started")" 6

	# Without STATE_DIR, nothing is kept.
	rm -rf -- "$STATE"
	run core::bootstrap_python
	assert_equal "$output" "$REAL_PYTHON"
	[[ ! -e "$STATE" ]]
}

@test "BUILDPACK_PYTHON names the interpreter when it is one" {
	fake_bin mypython "exec '${REAL_PYTHON}' \"\$@\""
	# Put a python3 on PATH that is not the one BUILDPACK_PYTHON names: the setting must win.
	fake_bin python3 'echo "python3 on PATH was used" >&2; exit 1'
	BUILDPACK_PYTHON="${BATS_TEST_TMPDIR}/bin/mypython" run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
}

@test "a BUILDPACK_PYTHON that is not a Python (or does not exist) falls back to python3" {
	fake_bin notpython 'echo "not a python: $*" >&2; exit 2'
	BUILDPACK_PYTHON="${BATS_TEST_TMPDIR}/bin/notpython" run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
	BUILDPACK_PYTHON="${BATS_TEST_TMPDIR}/nowhere/python3" run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
}

@test "a BUILDPACK_PYTHON that exits 0 without being a Python falls back to python3" {

	fake_bin notpython 'exit 0'
	BUILDPACK_PYTHON="${BATS_TEST_TMPDIR}/bin/notpython" run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
	BUILDPACK_PYTHON='echo' run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
}

@test "the versioned names are tried when python3 is not usable" {
	fake_bin python3 'exit 1'
	fake_bin python3.13 'exit 1'
	fake_bin python3.10 "exec '${REAL_PYTHON}' \"\$@\""
	# Only the fake directory on PATH: no real python3 can be found.
	PATH="${BATS_TEST_TMPDIR}/bin" run core::bootstrap_python
	assert_success
	assert_equal "$output" "$REAL_PYTHON"
}

@test "no usable interpreter at all: core::bootstrap_python fails and prints nothing" {
	local name
	for name in python3 python3.13 python3.12 python3.11 python3.10 python3.9; do
		fake_bin "$name" 'echo "Python 3.8.0" >&2; exit 1'
	done
	fake_bin notpython 'exit 2'
	BUILDPACK_PYTHON="${BATS_TEST_TMPDIR}/bin/notpython" PATH="${BATS_TEST_TMPDIR}/bin" run core::bootstrap_python
	assert_failure 1
	assert_equal "$output" ""
	PATH="${BATS_TEST_TMPDIR}/empty" run core::bootstrap_python
	assert_failure 1
}

# --- core::key --------------------------------------------------------------------------------

@test "core::key is 16 hex digits, the same for two copies of one tree" {
	copy_buildpack
	local first
	first="$(core::key)"
	[[ "$first" =~ ^[0-9a-f]{16}$ ]] || fail "not a key: ${first}"
	# The key names the contents, not where the buildpack is.
	mv -- "$BUILDPACK_DIR" "${BATS_TEST_TMPDIR}/moved"
	assert_equal "$(BUILDPACK_DIR="${BATS_TEST_TMPDIR}/moved" core::key)" "$first"
	# Timestamps don't matter either.
	touch -d @1000000000 "${BATS_TEST_TMPDIR}/moved/lib/pybuildpack/__init__.py"
	assert_equal "$(BUILDPACK_DIR="${BATS_TEST_TMPDIR}/moved" core::key)" "$first"
}

@test "core::key changes with any .py file of the package tree, subpackages included" {
	copy_buildpack
	local pkg="${BUILDPACK_DIR}/lib/pybuildpack" first
	first="$(core::key)"
	cp -a -- "${pkg}/cache/entries.py" "${BATS_TEST_TMPDIR}/entries.py"

	printf '\n# changed\n' >>"${pkg}/cache/entries.py"
	[[ "$(core::key)" != "$first" ]] || fail "a changed subpackage module left the key as it was"
	cp -a -- "${BATS_TEST_TMPDIR}/entries.py" "${pkg}/cache/entries.py"
	assert_equal "$(core::key)" "$first"

	# One byte, same size.
	flip_byte "${pkg}/cache/fingerprint.py"
	[[ "$(core::key)" != "$first" ]] || fail "a changed byte left the key as it was"
	flip_byte "${pkg}/cache/fingerprint.py"
	assert_equal "$(core::key)" "$first"

	# A new module two levels down.
	mkdir -p "${pkg}/cache/deeper"
	printf 'VALUE = 1\n' >"${pkg}/cache/deeper/__init__.py"
	[[ "$(core::key)" != "$first" ]] || fail "a new nested module left the key as it was"
	rm -rf -- "${pkg}/cache/deeper"
	assert_equal "$(core::key)" "$first"

	# A module renamed, contents unchanged.
	mv -- "${pkg}/redact.py" "${pkg}/redaction.py"
	[[ "$(core::key)" != "$first" ]] || fail "a renamed module left the key as it was"
}

@test "core::key changes with the names of the vendored wheels, not with other files" {
	copy_buildpack
	local wheels="${BUILDPACK_DIR}/vendor/wheels" first packaging
	first="$(core::key)"
	packaging="$(cd "$wheels" && echo packaging-*.whl)"
	[[ -f "${wheels}/${packaging}" ]]

	mv -- "${wheels}/${packaging}" "${wheels}/packaging-0.0.1-py3-none-any.whl"
	[[ "$(core::key)" != "$first" ]] || fail "a renamed wheel left the key as it was"
	mv -- "${wheels}/packaging-0.0.1-py3-none-any.whl" "${wheels}/${packaging}"
	assert_equal "$(core::key)" "$first"

	cp -- "${wheels}/${packaging}" "${wheels}/extra-1.0-py3-none-any.whl"
	[[ "$(core::key)" != "$first" ]] || fail "an added wheel left the key as it was"
	rm -f -- "${wheels}/extra-1.0-py3-none-any.whl"

	# Bytecode and files that are not Python modules are not part of the core.
	mkdir -p "${BUILDPACK_DIR}/lib/pybuildpack/__pycache__"
	printf 'junk' >"${BUILDPACK_DIR}/lib/pybuildpack/__pycache__/stale.cpython-311.pyc"
	printf 'notes' >"${BUILDPACK_DIR}/lib/pybuildpack/NOTES.txt"
	printf '\n# changed\n' >>"${BUILDPACK_DIR}/lib/output.sh"
	assert_equal "$(core::key)" "$first"
}

# --- core::unpack -----------------------------------------------------------------------------

@test "core::unpack puts the whole package tree and the wheels' contents in DEST" {
	copy_buildpack
	local dest="${BATS_TEST_TMPDIR}/dest" wheel
	# Bytecode a developer's run left behind is not copied.
	mkdir -p "${BUILDPACK_DIR}/lib/pybuildpack/cache/__pycache__"
	printf 'junk' >"${BUILDPACK_DIR}/lib/pybuildpack/cache/__pycache__/entries.cpython-311.pyc"
	mkdir -p "${BUILDPACK_DIR}/lib/pybuildpack/cache/deeper"
	printf 'VALUE = 42\n' >"${BUILDPACK_DIR}/lib/pybuildpack/cache/deeper/__init__.py"

	run core::unpack python3 "$dest"
	assert_success

	# Every module, with its contents.
	assert_equal "$(cd "$dest" && find pybuildpack -name '*.py' | LC_ALL=C sort)" \
		"$(cd "${BUILDPACK_DIR}/lib" && find pybuildpack -name '*.py' | LC_ALL=C sort)"
	diff -r -x __pycache__ "${BUILDPACK_DIR}/lib/pybuildpack" "${dest}/pybuildpack"
	[[ ! -e "${dest}/pybuildpack/cache/__pycache__" ]] || fail "stale bytecode was copied"

	# Every file of every wheel.
	for wheel in "${BUILDPACK_DIR}"/vendor/wheels/*.whl; do
		run python3 -c 'import os, sys, zipfile
names = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if not n.endswith("/")]
missing = [n for n in names if not os.path.isfile(os.path.join(sys.argv[2], n))]
print(len(names), missing)' "$wheel" "$dest"
		assert_success
		[[ "$output" =~ ^[1-9][0-9]*\ \[\]$ ]] || fail "${wheel##*/}: ${output}"
	done

	# Importable from DEST alone (no site-packages: -S), the wheels' packages from DEST too.
	run env PYTHONPATH="$dest" python3 -s -S -c 'import pybuildpack.cache.entries, pybuildpack.cache.deeper, packaging, tomli
print(pybuildpack.cache.deeper.VALUE, packaging.__file__, tomli.__file__, pybuildpack.cache.entries.__file__)'
	assert_success
	assert_equal "$output" "42 ${dest}/packaging/__init__.py ${dest}/tomli/__init__.py ${dest}/pybuildpack/cache/entries.py"
}

# --- core::cached -----------------------------------------------------------------------------

@test "core::cached unpacks into STATE/core/KEY once and then reuses it" {
	copy_buildpack
	local dir count
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_success
	dir="${STATE}/core/$(core::key)"
	assert_equal "$output" "$dir"
	[[ -f "${dir}/pybuildpack/__main__.py" && -f "${dir}/packaging/__init__.py" ]]
	[[ ! -e "${dir}.partial" && ! -e "$SCRATCH" ]]
	# Every file is in the checksums (all but the list itself), and they hold.
	count="$(cd "$dir" && find . -type f ! -name .sha256sums ! -name .stamps | wc -l)"
	assert_equal "$(wc -l <"${dir}/.sha256sums")" "$count"
	(cd "$dir" && sha256sum --check --strict --quiet .sha256sums)

	touch -d @1000000000 "${dir}/pybuildpack/__init__.py"
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_success
	assert_equal "$output" "$dir"
	assert_equal "$(stat -c %Y "${dir}/pybuildpack/__init__.py")" "1000000000"
	[[ ! -e "$SCRATCH" ]]
}

@test "a damaged file in the cached core makes core::cached unpack it afresh" {
	copy_buildpack
	local dir
	dir="$(core::cached python3 "$STATE" "$SCRATCH")"
	assert_equal "$dir" "${STATE}/core/$(core::key)"
	touch -d @1000000000 "${dir}/pybuildpack/__init__.py"
	flip_byte "${dir}/pybuildpack/cache/entries.py"
	if cmp -s "${dir}/pybuildpack/cache/entries.py" "${BUILDPACK_DIR}/lib/pybuildpack/cache/entries.py"; then
		fail "the test did not damage the file"
	fi

	run core::cached python3 "$STATE" "$SCRATCH"
	assert_success
	assert_equal "$output" "$dir"
	cmp "${dir}/pybuildpack/cache/entries.py" "${BUILDPACK_DIR}/lib/pybuildpack/cache/entries.py"
	[[ "$(stat -c %Y "${dir}/pybuildpack/__init__.py")" != "1000000000" ]] || fail "not unpacked afresh"

	# A wheel's file, and a missing file, too.
	touch -d @1000000000 "${dir}/pybuildpack/__init__.py"
	rm -f -- "${dir}/packaging/version.py"
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_equal "$output" "$dir"
	[[ -f "${dir}/packaging/version.py" ]] || fail "the missing file was not restored"
	[[ "$(stat -c %Y "${dir}/pybuildpack/__init__.py")" != "1000000000" ]] || fail "not unpacked afresh"
}

@test "the cached core is hashed only when a file's size or time changed since it was last checked" {
	copy_buildpack
	local dir victim when
	dir="$(core::cached python3 "$STATE" "$SCRATCH")"
	assert_equal "$(cat "${dir}/.stamps")" "$(core::stamps "$dir")"
	victim="${dir}/pybuildpack/cache/entries.py"
	when="$(stat -c %y "$victim")"

	# A time changed, the content not: checked by content, kept, the stamps brought up to date.
	touch -d @1000000000 "${dir}/pybuildpack/__init__.py"
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_equal "$output" "$dir"
	assert_equal "$(stat -c %Y "${dir}/pybuildpack/__init__.py")" "1000000000"
	assert_equal "$(cat "${dir}/.stamps")" "$(core::stamps "$dir")"

	# The limit, as for the cached environment: a file changed with its size and time put back
	# (to the nanosecond) is not hashed again, so not caught...
	flip_byte "$victim"
	touch -d "$when" "$victim"
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_equal "$output" "$dir"
	if cmp -s "$victim" "${BUILDPACK_DIR}/lib/pybuildpack/cache/entries.py"; then
		fail "the stamps did not spare the hashing"
	fi
	# ... while the same change with its time left as the write made it is.
	flip_byte "${dir}/pybuildpack/output.py"
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_equal "$output" "$dir"
	cmp "$victim" "${BUILDPACK_DIR}/lib/pybuildpack/cache/entries.py"
	cmp "${dir}/pybuildpack/output.py" "${BUILDPACK_DIR}/lib/pybuildpack/output.py"
	[[ "$(stat -c %Y "${dir}/pybuildpack/__init__.py")" != "1000000000" ]] || fail "not unpacked afresh"
}

@test "a new key gets a new directory and the old one is removed" {
	copy_buildpack
	local first second
	first="$(core::cached python3 "$STATE" "$SCRATCH")"
	printf '\n# a new version of the core\n' >>"${BUILDPACK_DIR}/lib/pybuildpack/plan/__init__.py"
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_success
	second="$output"
	[[ "$second" != "$first" ]] || fail "the same directory for a changed core"
	assert_equal "$second" "${STATE}/core/$(core::key)"
	[[ ! -e "$first" ]] || fail "the old core is still there"
	cmp "${second}/pybuildpack/plan/__init__.py" "${BUILDPACK_DIR}/lib/pybuildpack/plan/__init__.py"
}

@test "a state directory that can't be written: the core is unpacked in SCRATCH" {
	copy_buildpack
	# A path below a file can't be made, even by root.
	: >"${BATS_TEST_TMPDIR}/file"
	run core::cached python3 "${BATS_TEST_TMPDIR}/file/state" "$SCRATCH"
	assert_success
	assert_equal "$output" "$SCRATCH"
	run env PYTHONPATH="$SCRATCH" python3 -s -S -c 'import pybuildpack.cache.entries, packaging'
	assert_success
	[[ ! -e "${SCRATCH}/.sha256sums" ]]
}

# --- core::seal and core::run -----------------------------------------------------------------

@test "core::seal adds the bytecode written after unpacking, so a truncated .pyc is caught" {
	copy_buildpack
	local dir pyc lines stamps added
	dir="$(core::cached python3 "$STATE" "$SCRATCH")"
	run core::run python3 "$dir" plan --help
	assert_success
	pyc="$(cd "$dir" && find . -path '*/pybuildpack/__pycache__/output.*.pyc')"
	[[ -n "$pyc" ]] || fail "no bytecode was written"
	if grep -qF "  ${pyc}" "${dir}/.sha256sums"; then
		fail "bytecode in the checksums before core::seal"
	fi

	core::seal "$dir"
	grep -qF "  ${pyc}" "${dir}/.sha256sums" || fail "${pyc} is not in the checksums"
	(cd "$dir" && sha256sum --check --strict --quiet .sha256sums)
	# Every .pyc, once; a second seal adds nothing.
	assert_equal "$(grep -c '\.pyc$' "${dir}/.sha256sums")" "$(find "$dir" -name '*.pyc' | wc -l)"
	lines="$(wc -l <"${dir}/.sha256sums")"
	core::seal "$dir"
	assert_equal "$(wc -l <"${dir}/.sha256sums")" "$lines"
	# The stamps have the bytecode too (the next build hashes nothing), and only it: a file
	# changed since the last check is still checked by content at the next use.
	stamps="$(cat "${dir}/.stamps")"
	assert_equal "$stamps" "$(core::stamps "$dir")"
	touch -d @1000000000 "${dir}/pybuildpack/__init__.py"
	python3 -I -c 'import sys; sys.path.insert(0, sys.argv[1]); import pybuildpack.size' "$dir"
	added="$(cd "$dir" && find . -path '*/pybuildpack/__pycache__/size.*.pyc')"
	[[ -n "$added" ]] || fail "no new bytecode was written"
	core::seal "$dir"
	grep -qxF "$(core::stamps "$dir" | grep -F " ${added}")" "${dir}/.stamps" || fail "${added} is not in the stamps"
	assert_equal "$(grep -F " ./pybuildpack/__init__.py" "${dir}/.stamps")" "$(grep -F " ./pybuildpack/__init__.py" <<<"$stamps")"
	[[ "$(cat "${dir}/.stamps")" != "$(core::stamps "$dir")" ]] || fail "core::seal took a changed file's stamp"

	# A truncated .pyc breaks the core (Python does not fall back to the source)...
	truncate -s 30 "${dir}/${pyc}"
	run core::run python3 "$dir" plan --help
	assert_failure
	# ... and core::cached notices and unpacks afresh.
	run core::cached python3 "$STATE" "$SCRATCH"
	assert_equal "$output" "$dir"
	run core::run python3 "$dir" plan --help
	assert_success
	assert_output_contains "usage: pybuildpack plan"
}

@test "bytecode whose stamp a check took before core::seal (a failed build wrote it) has one stamp after it" {
	copy_buildpack
	local dir
	dir="$(core::cached python3 "$STATE" "$SCRATCH")"
	python3 -I -c 'import sys; sys.path.insert(0, sys.argv[1]); import pybuildpack.size' "$dir"
	core::intact "$dir" # (the next build's check: a new file, so all hashed, and its stamp taken)
	grep -q '/size\..*\.pyc$' "${dir}/.stamps" || fail "the check took no stamp of the new bytecode"
	core::seal "$dir"
	assert_equal "$(cat "${dir}/.stamps")" "$(core::stamps "$dir")"
	grep -q '/size\..*\.pyc$' "${dir}/.sha256sums" || fail "not sealed"
}

@test "core::seal of a directory without checksums (a scratch core) does nothing" {
	copy_buildpack
	core::unpack python3 "$SCRATCH"
	core::run python3 "$SCRATCH" plan --help >/dev/null
	run core::seal "$SCRATCH"
	assert_success
	[[ ! -e "${SCRATCH}/.sha256sums" ]]
	run core::seal "${BATS_TEST_TMPDIR}/nowhere"
	assert_success
}

@test "core::run runs the core in DIR, whatever PYTHONPATH, PYTHONHOME and PYTHONDONTWRITEBYTECODE say" {
	local dir="${BATS_TEST_TMPDIR}/core" other="${BATS_TEST_TMPDIR}/other"
	core::unpack python3 "$dir"
	mkdir -p "${other}/pybuildpack"
	printf '' >"${other}/pybuildpack/__init__.py"
	printf 'print("the wrong core")\n' >"${other}/pybuildpack/__main__.py"

	PYTHONPATH="$other" PYTHONHOME="${BATS_TEST_TMPDIR}/no-home" PYTHONDONTWRITEBYTECODE=1 \
		run core::run python3 "$dir" plan --help
	assert_success
	assert_output_contains "usage: pybuildpack plan"
	refute_output_contains "the wrong core"
	# Bytecode is written in DIR.
	compgen -G "${dir}/pybuildpack/__pycache__/__init__.*.pyc" >/dev/null || fail "no bytecode in ${dir}"

	# The core's own exit status (argparse: 2).
	run core::run python3 "$dir" no-such-command
	assert_failure 2
	assert_output_contains "invalid choice: 'no-such-command'"

	run core::run python3 "${BATS_TEST_TMPDIR}/empty" plan --help
	assert_failure
	assert_output_contains "No module named pybuildpack"
}

@test "core::run runs DIR's core even from a directory that holds a pybuildpack package" {

	local dir="${BATS_TEST_TMPDIR}/core" cwd="${BATS_TEST_TMPDIR}/cwd"
	core::unpack python3 "$dir"
	mkdir -p "${cwd}/pybuildpack"
	printf '' >"${cwd}/pybuildpack/__init__.py"
	printf 'print("the wrong core")\n' >"${cwd}/pybuildpack/__main__.py"
	cd "$cwd"
	run core::run python3 "$dir" plan --help
	assert_success
	assert_output_contains "usage: pybuildpack plan"
	refute_output_contains "the wrong core"
}
