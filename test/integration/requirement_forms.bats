#!/usr/bin/env bats
# Every form of requirements file pip accepts, against real servers on 127.0.0.1: a private index
# behind basic auth, git repositories (tag, branch, commit, editable), a remote archive, local and
# editable paths, nested -r and -c.

load ../helpers/suite

setup() {
	suite_setup
	FIXTURE_ROOT="${BATS_TEST_TMPDIR}/served"
	PRIVATE_USER="pyuser"
	PRIVATE_PASSWORD="s3cret-$$-pw"
	mkdir -p "${FIXTURE_ROOT}/files"
}

# build_forms [uv]: the forms app served and built; with uv, without the two forms uv does not
# read (an editable VCS checkout, a requirement continued over lines), so that uv installs the rest.
# The packages the engine builds from an sdist, a checkout or a path are flit_core's (make_pkg's
# flit; libs/localpkg), whose isolated builds cost about half setuptools': the subject is how each
# is named and fetched. The editable ones (editvcs, libs/editpkg) are setuptools', whose import
# finders in site-packages are what the move to /app must rewrite.
build_forms() {
	make_pkg "${BATS_TEST_TMPDIR}/src/privpkg" privpkg "private" flit
	sdist_of "${BATS_TEST_TMPDIR}/src/privpkg" "${FIXTURE_ROOT}/private/simple/privpkg"
	make_pkg "${BATS_TEST_TMPDIR}/src/archpkg" archpkg "archive" flit
	sdist_of "${BATS_TEST_TMPDIR}/src/archpkg" "${FIXTURE_ROOT}/files"
	make_repo tagpkg flit
	make_repo branchpkg flit
	make_repo editvcs
	make_repo commitpkg flit
	start_fixture_server

	new_app forms
	if [[ "${1:-}" == uv ]]; then
		sed -i '/^-e git+/d' "${BUILD_DIR}/requirements.txt"
		printf -- '-c constraints.txt\nsix ; python_version >= "3"\n' >"${BUILD_DIR}/requirements/more.txt"
	fi
	printf '%s' "$FIXTURE_PORT" >"${ENV_DIR}/FIXTURE_PORT"
	printf '%s' "$PRIVATE_PASSWORD" >"${ENV_DIR}/PRIVATE_PASSWORD"
	printf '%s' "$FIRST_COMMIT" >"${ENV_DIR}/PINNED_COMMIT"
	printf 'not for pip' >"${ENV_DIR}/DATABASE_URL"
	compile_app
	assert_success
	refute_output_contains "$PRIVATE_PASSWORD"
	# The private index was asked with credentials, and never answered without them.
	local asked
	asked="$(grep -c ' /private/simple/privpkg/ ok' "${FIXTURE_ROOT}/../requests.log" || true)"
	[[ "$asked" -ge 1 ]] || fail "the private index was never asked with credentials"
}

# every_form_installs: build_forms, and the slug imports each form after the move to /app.
every_form_installs() {
	build_forms
	assert_installed editvcs privpkg==1.0 six==1.17.0
	if [[ "$(engine)" == uv ]]; then
		assert_output_contains "Installing with pip, not uv: requirements.txt:10 is an editable VCS requirement"
	fi

	slug_to_app
	in_slug /app 'python -c "
import privpkg, tagpkg, branchpkg, commitpkg, editvcs, archpkg, localpkg, editpkg, six
print(privpkg.VALUE, tagpkg.VALUE, branchpkg.VALUE, commitpkg.VALUE, editvcs.VALUE,
      archpkg.VALUE, localpkg.VALUE, editpkg.VALUE, six.__version__)
print(editpkg.__file__, editvcs.__file__)
"'
	assert_success
	assert_output_contains "private v1 stable v1 stable archive local editable 1.17.0" \
		"/app/libs/editpkg/editpkg.py" "/app/.heroku/venv/src/editvcs/editvcs.py"

	# Editable means editable: a change in the app's copy shows at the next import.
	printf 'VALUE = "changed"\n' >/app/libs/editpkg/editpkg.py
	in_slug /app 'python -c "import editpkg; print(editpkg.VALUE)"'
	assert_output_contains "changed"

	# The credentials are nowhere in the slug.
	run grep -rlF "$PRIVATE_PASSWORD" /app
	assert_equal "$output" ""
}

# With uv, the default, pip installs this app too (its editable VCS line): "every form" is pip's,
# with either engine (TEST_INSTALLER=pip: the report says so); "uv installs the other forms" is uv's.
@test "every form installs, and the slug imports each after the move to /app" {
	every_form_installs
	if [[ "$(engine)" == uv ]]; then
		assert_equal "$(installs)" \
			"dependencies from requirements.txt: pip 26.3 (requirements.txt:10 is an editable VCS requirement, which uv does not install)"
	else
		assert_equal "$(installs)" "dependencies from requirements.txt: pip 26.3 (BUILDPACK_INSTALLER=pip)"
	fi
}

@test "uv installs the other forms (private index, VCS tag, branch and commit, archive, paths, -r, -c)" {
	[[ "$(engine)" == uv ]] || skip "the uv engine's own test"
	build_forms uv
	assert_output_contains "Installing with uv 0.13.9"
	refute_output_contains "pip installs it instead" "Installing with pip"
	assert_installed privpkg==1.0 tagpkg==1.0 branchpkg==1.0 commitpkg==1.0 archpkg==1.0 localpkg==1.0 editpkg==1.0 six==1.17.0
	in_slug "$BUILD_DIR" 'python -c "
import privpkg, tagpkg, branchpkg, commitpkg, archpkg, localpkg, editpkg, six
print(privpkg.VALUE, tagpkg.VALUE, branchpkg.VALUE, commitpkg.VALUE, archpkg.VALUE, localpkg.VALUE, editpkg.VALUE)
print(editpkg.__file__)
"'
	assert_success
	assert_output_contains "private v1 stable v1 archive local editable" "${BUILD_DIR}/libs/editpkg/editpkg.py"
	run grep -rlF "$PRIVATE_PASSWORD" "$BUILD_DIR" "$CACHE_DIR"
	assert_equal "$output" ""
}

@test "a wrong password for the private index: authentication failed for that index, the password printed nowhere" {
	make_pkg "${BATS_TEST_TMPDIR}/src/privpkg" privpkg "private"
	sdist_of "${BATS_TEST_TMPDIR}/src/privpkg" "${FIXTURE_ROOT}/private/simple/privpkg"
	start_fixture_server
	new_app no-deps
	printf -- '--index-url http://pyuser:${PRIVATE_PASSWORD}@127.0.0.1:%s/private/simple\nprivpkg==1.0\n' \
		"$FIXTURE_PORT" >"${BUILD_DIR}/requirements.txt"
	printf 'wrong-password-%s' "$$" >"${ENV_DIR}/PRIVATE_PASSWORD"
	compile_app
	assert_failure 1
	refute_output_contains "wrong-password-$$" "Check the spelling"
	assert_output_contains \
		"Error: Authentication failed for the package index http://127.0.0.1:${FIXTURE_PORT}/private/simple/ (HTTP 401" \
		"requirements.txt:2" "privpkg==1.0"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "install::index-auth-failed"'
	refute_output_contains "wrong-password-$$"
}

@test "bad requirements files: a clear error with file and line, nothing installed" {
	local -a cases=(
		$'-r requirements/missing.txt\n'
		$'-r a.txt\n'
		$'six==1.17.0\nflask = = 3\n'
		$'--frobnicate\n'
	)
	local -a expected=(
		"The included file requirements/missing.txt does not exist|requirements.txt:1"
		"The requirements files include each other in a cycle|b.txt:1|requirements.txt -> a.txt -> b.txt -> a.txt"
		"'flask = = 3' is not a valid requirement|requirements.txt:2"
		"unknown option '--frobnicate'|requirements.txt:1"
	)
	local i part
	for i in "${!cases[@]}"; do
		new_app no-deps
		printf '%s' "${cases[$i]}" >"${BUILD_DIR}/requirements.txt"
		printf 'six\n-r b.txt\n' >"${BUILD_DIR}/a.txt"
		printf -- '-r a.txt\n' >"${BUILD_DIR}/b.txt"
		compile_app
		assert_failure 1
		IFS='|' read -r -a parts <<<"${expected[$i]}"
		for part in "${parts[@]}"; do
			assert_output_contains "$part"
		done
		refute_output_contains "Installing Python" "Internal error"
		[[ ! -e "${BUILD_DIR}/.heroku" ]]
	done
}
