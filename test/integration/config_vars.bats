#!/usr/bin/env bats
# Config vars: they reach the app's hooks and the install engines as values, never the buildpack's
# internals; the credentials they and the requirements carry are never printed.

load ../helpers/suite

# Each test starts from an app with no dependencies yet, on Python 3.13.
setup() {
	suite_setup
	plain_app
}

@test "config vars: awkward names and values are safe; only the allow-list reaches pip; credentials never printed" {
	FIXTURE_ROOT="${BATS_TEST_TMPDIR}/served"
	PRIVATE_USER="pyuser"
	PRIVATE_PASSWORD="pw-$$-secret"
	mkdir -p "${FIXTURE_ROOT}/files"
	make_pkg "${BATS_TEST_TMPDIR}/src/privpkg" privpkg "private"
	sdist_of "${BATS_TEST_TMPDIR}/src/privpkg" "${FIXTURE_ROOT}/private/simple/privpkg"
	start_fixture_server

	new_app hooks-app
	printf 'privpkg==1.0\nsix==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	printf 'http://%s:%s@127.0.0.1:%s/private/simple' "$PRIVATE_USER" "$PRIVATE_PASSWORD" "$FIXTURE_PORT" \
		>"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	printf '$(touch %s/pwned) `touch %s/pwned2` "quotes" '"'"'single'"'"'\nline two' "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR" \
		>"${ENV_DIR}/HOOK_VAR"
	printf 'x' >"${ENV_DIR}/not a valid name"
	printf 'x' >"${ENV_DIR}/1LEADING_DIGIT"
	printf 'x' >"${ENV_DIR}/.hidden"
	# pip reads these, but they are not on the allow-list: pip must not see them.
	printf '%s/pip-target' "$BATS_TEST_TMPDIR" >"${ENV_DIR}/PIP_TARGET"
	printf 'http://127.0.0.1:9/nothing-here' >"${ENV_DIR}/PIP_FIND_LINKS_TYPO"
	compile_app
	assert_success
	refute_output_contains "$PRIVATE_PASSWORD"
	assert_output_contains "pre_compile sees HOOK_VAR=\$(touch"
	assert_installed privpkg==1.0 six==1.17.0
	[[ ! -e "${BATS_TEST_TMPDIR}/pwned" && ! -e "${BATS_TEST_TMPDIR}/pwned2" ]]
	[[ ! -e "${BATS_TEST_TMPDIR}/pip-target" ]]
	assert_equal "$(cat "${BUILD_DIR}/pre_compile.out")" "$(cat "${ENV_DIR}/HOOK_VAR")"
	in_slug "$BUILD_DIR" 'python -c "import privpkg; print(privpkg.VALUE)"'
	assert_output_contains "private"
	run grep -rlF "$PRIVATE_PASSWORD" "$BUILD_DIR"
	assert_equal "$output" ""
}

@test "config vars: none can set the buildpack's internals (BUILDPACK_DIR, test fault hooks, pip's allow-list)" {
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	sleep 300 &
	local bystander=$!
	printf '%s' "${BATS_TEST_TMPDIR}/elsewhere" >"${ENV_DIR}/BUILDPACK_DIR"
	printf 'install' >"${ENV_DIR}/BUILDPACK_TEST_KILL_AT"
	printf '%s' "$bystander" >"${ENV_DIR}/BUILDPACK_COMPILE_PID"
	printf 'PIP_FIND_LINKS' >"${ENV_DIR}/BUILDPACK_PIP_CONFIG_VARS"
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app PIP_FIND_LINKS="${BATS_TEST_TMPDIR}/machine-links"
	assert_success
	refute_output_contains "Looking in links" "machine-links"
	kill -0 "$bystander" || fail "a config var killed an unrelated process"
	kill "$bystander"
	[[ ! -e "${BATS_TEST_TMPDIR}/elsewhere" ]]
}

# PYTHONHOME, PYTHONPATH, PATH and the like as config vars can't stop collectstatic, nor python in
# the dyno: hooks.bats' Django build ("hooks: collectstatic and bin/post_compile start the app's
# python, whatever config vars ..."), the one Django build of the two suites.

@test "config vars: one a requirements line expands reaches the engine as its value, never as a variable (UV_LINK_MODE, UV_INDEX_URL)" {
	FIXTURE_ROOT="${BATS_TEST_TMPDIR}/served"
	mkdir -p "${FIXTURE_ROOT}/files"
	PRIVATE_USER="pyuser"
	PRIVATE_PASSWORD="s3cret-$$-pw"
	make_pkg "${BATS_TEST_TMPDIR}/src/privpkg" privpkg "private"
	sdist_of "${BATS_TEST_TMPDIR}/src/privpkg" "${FIXTURE_ROOT}/private/simple/privpkg"
	start_fixture_server
	# a legitimate ${VAR} (the private index's password), and two that name uv's own settings
	cat >"${BUILD_DIR}/requirements.txt" <<REQS
--extra-index-url http://pyuser:\${PRIVATE_PASSWORD}@127.0.0.1:${FIXTURE_PORT}/private/simple
privpkg==1.0
six==1.16.0 ; platform_machine != "\${UV_LINK_MODE}" and platform_machine != "\${UV_INDEX_URL}"
REQS
	printf '%s' "$PRIVATE_PASSWORD" >"${ENV_DIR}/PRIVATE_PASSWORD"
	printf 'symlink' >"${ENV_DIR}/UV_LINK_MODE"
	printf 'http://127.0.0.1:%s/simple' "$(free_port)" >"${ENV_DIR}/UV_INDEX_URL"
	compile_app
	stop_servers
	assert_success
	refute_output_contains "$PRIVATE_PASSWORD" "pip installs it instead"
	if [[ "$(engine)" == uv ]]; then
		assert_output_contains "Installing with uv 0.13.9"
	fi
	run find "${BUILD_DIR}/.heroku/venv/lib" -type l
	assert_equal "$output" ""
	run grep -rlF "$PRIVATE_PASSWORD" "$BUILD_DIR" "$CACHE_DIR"
	assert_equal "$output" ""
	slug_to_app
	in_slug /app 'python -c "import six, privpkg; print(six.__file__, privpkg.VALUE)"'
	assert_success
	assert_output_contains "/app/.heroku/venv/lib/python3.13/site-packages/six.py private"
}

@test "credentials: a mirror token, :TOKEN@ and a password holding @ are never printed" {
	printf 'https://s3cretTOKENabcdefghij1234@127.0.0.1:9' >"${ENV_DIR}/BUILDPACK_MIRROR_URL"
	compile_app MIRROR_RETRIES=0
	assert_failure 1
	assert_output_contains "https://****@127.0.0.1:9"
	refute_output_contains "s3cretTOKEN"
	rm "${ENV_DIR}/BUILDPACK_MIRROR_URL"

	local url
	for url in "https://:s3cretPAT@127.0.0.1:9/simple" "https://user:pa@s3cretPW@127.0.0.1:9/simple"; do
		printf -- '--index-url %s --bogus\n' "$url" >"${BUILD_DIR}/requirements.txt"
		compile_app
		assert_failure 1
		assert_output_contains "Line: --index-url https://"
		refute_output_contains "s3cretPAT" "s3cretPW"
	done

	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/bin"
	printf 'echo "https://:s3cretPAT@example.test/x https://user:pa@s3cretPW@example.test/y"\n' >"${BUILD_DIR}/bin/post_compile"
	compile_app
	assert_success
	assert_output_contains "https://:****@example.test/x https://user:****@example.test/y"
	refute_output_contains "s3cretPAT" "s3cretPW"
}
