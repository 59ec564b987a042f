#!/usr/bin/env bats
# Hardening: the cache: shared with slugs, damaged.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

@test "cache sharing: a slug edited in place never poisons the cache, and hooks' changes are not replayed" {
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/bin"
	printf 'echo "HOOK = 1" >"$(python -c "import six, os; print(os.path.dirname(six.__file__))")/hook_added.py"\n' \
		>"${BUILD_DIR}/bin/post_compile"
	compile_app
	assert_success
	in_slug "$BUILD_DIR" 'python -c "import hook_added"'
	assert_success
	# An in-place edit of the finished slug, same size (a later buildpack, a local run).
	local six
	six="$(find "${BUILD_DIR}/.heroku/venv" -name six.py)"
	printf 'X' | dd of="$six" bs=1 seek=0 conv=notrunc status=none
	rm "${BUILD_DIR}/bin/post_compile"
	rebuild
	assert_success
	assert_output_contains "was changed in place" "-----> Creating the environment"
	in_slug "$BUILD_DIR" 'python -c "import six; print(six.__version__)"'
	assert_output_contains "1.17.0"
	run head -c 1 "$(find "${BUILD_DIR}/.heroku/venv" -name six.py)"
	[[ "$output" != X ]] || fail "the edited six.py came back from the cache"
	in_slug "$BUILD_DIR" 'python -c "import hook_added"'
	assert_failure
}

@test "cache damage: every file of a warm cache truncated, the installer's built wheels too: the next build works" {
	printf 'docopt==0.6.2\n' >"${BUILD_DIR}/requirements.txt"
	local installer
	for installer in uv pip; do
		CACHE_DIR="${BATS_TEST_TMPDIR}/cache-${installer}"
		printf '%s' "$installer" >"${ENV_DIR}/BUILDPACK_INSTALLER"
		rebuild
		assert_success
		if [[ "$installer" == pip ]]; then
			run find "${CACHE_DIR}/python/pip/wheels" -name 'docopt-*.whl'
		else
			run find "${CACHE_DIR}/python/uv" -path '*/sdists-v*' -name 'docopt-*.whl'
		fi
		[[ -n "$output" ]] || fail "${installer} cached no wheel of docopt: the test proves nothing"
		find "${CACHE_DIR}/python" -type f -exec truncate -s 0 {} +
		rebuild
		assert_success
		if [[ "$installer" == pip ]]; then
			assert_output_contains "pip's cache held a damaged file: it was emptied. Retrying"
		fi
		in_slug "$BUILD_DIR" 'python -c "import docopt; print(docopt.__version__)"'
		assert_output_contains "0.6.2"
		rebuild
		assert_success
		assert_output_contains "Reusing the cached environment"
	done
}

@test "cache damage: bytes that are not text in every small file of a warm cache: the next builds work" {
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	# python-version, the .sha256 files, the manifests, meta.json, pip's history: all unreadable as text
	find "${CACHE_DIR}/python" -type f -size -64k -exec sh -c 'printf "\227\230\377 garbage" >"$1"' _ {} \;
	rebuild
	assert_success
	refute_output_contains "Internal error"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
}

