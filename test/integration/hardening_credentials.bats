#!/usr/bin/env bats
# Hardening: credentials never printed.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

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
