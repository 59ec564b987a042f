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


@test "cache persistence: what a hook or a build script writes into a slug's .pyc, the store or the cached uv reaches no later build" {
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/bin"
	# plant.py PYC: other code written over a .pyc in place (the same inode; its header, size and
	# modification time kept), as a malicious dependency's hook could.
	cat >"${BUILD_DIR}/bin/plant.py" <<-'PY'
		import marshal, os, sys
		path = sys.argv[1]
		info, data = os.stat(path), open(path, "rb").read()
		code = marshal.dumps(compile("print('PLANTED')\n__version__ = 'planted'\n", "six.py", "exec"))
		with open(path, "r+b") as handle:
		    handle.write((data[:16] + code).ljust(len(data), b"\0"))
		os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
	PY
	# shellcheck disable=SC2016 # expanded by the hook
	printf '%s\n' 'python bin/plant.py "$(python -c "import importlib.util as u, six; print(u.cache_from_source(six.__file__))")"' \
		>"${BUILD_DIR}/bin/post_compile"
	compile_app
	assert_success
	assert_output_contains "-----> Discarding the cached environment: lib/python3.13/site-packages/__pycache__/six.cpython-313.pyc was rewritten in place"
	in_slug "$BUILD_DIR" 'python -c "import six"'
	assert_output_contains "PLANTED" # the hook's own slug: it did what it meant to
	local planted store uv size mtime
	planted="$(find "${BUILD_DIR}/.heroku/venv" -name 'six.cpython-*.pyc')"
	# The store's six .pyc replaced by the planted one (the same size; its time put back).
	store="$(find "${CACHE_DIR}/python/bytecode" -name "$(sha256sum "${planted%/__pycache__/*}/six.py" | cut -c1-64).*")"
	[[ -f "$store" ]] || fail "the store holds no six .pyc: the test proves nothing"
	cmp -s "$store" "$planted" && fail "the hook wrote the store's .pyc through the slug"
	mtime="$(stat -c %Y "$store")"
	cp "$planted" "$store" && touch -d "@${mtime}" "$store"
	if [[ "$(engine)" == uv ]]; then
		# The cached uv replaced by a script of the same size, with its modification time.
		uv="$(find "${CACHE_DIR}/python/package-managers" -type f -name uv)"
		size="$(stat -c %s "$uv")" mtime="$(stat -c %y "$uv")"
		printf '#!/bin/sh\ntouch "%s"\nexit 1\n' "${BATS_TEST_TMPDIR}/uv-ran" >"$uv"
		truncate -s "$size" "$uv" && touch -d "$mtime" "$uv"
	fi
	rm "${BUILD_DIR}/bin/post_compile"
	rebuild
	assert_success
	assert_output_contains "-----> Creating the environment (no cached environment)"
	[[ ! -e "${BATS_TEST_TMPDIR}/uv-ran" ]] || fail "the planted uv ran"
	in_slug "$BUILD_DIR" 'python -c "import six; print(six.__version__)"'
	assert_success
	assert_equal "$output" "1.16.0"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
	in_slug "$BUILD_DIR" 'python -c "import six; print(six.__version__)"'
	assert_equal "$output" "1.16.0"
}
