#!/usr/bin/env bats
# Hardening: hooks.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

@test "hooks: PATH, LD_PRELOAD and the like set as config vars don't reach bin/post_compile" {
	mkdir -p "${BUILD_DIR}/bin"
	printf 'python -c "import sys; print(\\"post_compile python:\\", sys.prefix)"\necho "preload=${LD_PRELOAD:-none}"\n' \
		>"${BUILD_DIR}/bin/post_compile"
	printf '/nowhere' >"${ENV_DIR}/PATH"
	printf '/nowhere/evil.so' >"${ENV_DIR}/LD_PRELOAD"
	compile_app
	assert_success
	assert_output_contains "post_compile python: ${BUILD_DIR}/.heroku/venv" "preload=none"
}
