#!/usr/bin/env bats
# Bad input, faults and attacks (issue 13): each defect found by trying them, kept fixed.

setup() {
	load ../helpers/test_helper
	require_mirror
	new_app no-deps
	printf '3.13\n' >"${BUILD_DIR}/.python-version"
}

teardown() {
	cleanup_app
}

@test "hashes: a wrong --hash fails a warm build as it fails a cold one, and the cache stays usable" {
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	printf 'six==1.16.0 --hash=sha256:%064d\n' 0 >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "hash-checked requirements are installed afresh" "DO NOT MATCH THE HASHES"
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
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

@test "paths: a .heroku or .profile.d symlink out of the app is refused, and nothing outside is touched" {
	local victim="${BATS_TEST_TMPDIR}/victim" entry
	for entry in .heroku .profile.d; do
		rm -rf "$victim" && mkdir -p "${victim}/python" && echo keep >"${victim}/python/precious.txt"
		ln -sfn "$victim" "${BUILD_DIR}/${entry}"
		compile_app
		assert_failure 1
		assert_output_contains "The app has a ${entry} that is not a directory" "git rm ${entry}"
		assert_equal "$(cat "${victim}/python/precious.txt")" "keep"
		assert_equal "$(ls "$victim")" "python"
		rm "${BUILD_DIR}/${entry}"
	done
}

@test "paths: an empty CACHE_DIR, or one inside BUILD_DIR, is refused before anything is written" {
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR, is empty"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "${BUILD_DIR}/cache" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR is inside the build directory"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
}

@test "signals: SIGTERM stops the build and everything it started, and the report says why" {
	mkdir -p "${BUILD_DIR}/bin"
	printf 'sleep 37\necho done >hook-finished.txt\n' >"${BUILD_DIR}/bin/pre_compile"
	env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" \
		"${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR" >"${BATS_TEST_TMPDIR}/build.log" 2>&1 &
	local build=$! status=0
	local _
	for _ in $(seq 1 100); do
		grep -q "Running bin/pre_compile" "${BATS_TEST_TMPDIR}/build.log" && break
		sleep 0.1
	done
	sleep 0.5
	kill -TERM "$build"
	wait "$build" || status=$?
	assert_equal "$status" 143
	sleep 1
	! pgrep -f "sleep 37" >/dev/null || fail "the hook outlived the build" "$(pgrep -af 'sleep 37')"
	[[ ! -e "${BUILD_DIR}/hook-finished.txt" ]]
	run bash -c "'${BUILDPACK_DIR}/bin/report' '$BUILD_DIR' '$CACHE_DIR' | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"status\"], d[\"failed_step\"], d[\"failure_reason\"])'"
	assert_equal "$output" "failed setup build::signal"
}

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

@test "killed builds' work directories are removed by the next build, a running build's kept" {
	local tmp="${BATS_TEST_TMPDIR}/tmp" dead
	mkdir -p "${tmp}/pybuildpack.gone" "${tmp}/pybuildpack.running"
	bash -c 'exit 0' &
	dead=$!
	wait "$dead"
	echo "$dead" >"${tmp}/pybuildpack.gone/pid"
	echo "$$" >"${tmp}/pybuildpack.running/pid"
	compile_app TMPDIR="$tmp"
	assert_success
	[[ ! -e "${tmp}/pybuildpack.gone" ]] || fail "the killed build's work directory is still there"
	[[ -e "${tmp}/pybuildpack.running" ]] || fail "a running build's work directory was removed"
}

# rebuild [ARGS...]: build the same app again from its sources (as a platform does: a fresh
# checkout, the same cache).
rebuild() {
	local sources="${BATS_TEST_TMPDIR}/sources"
	rm -rf "$sources" && cp -a "$BUILD_DIR" "$sources" && rm -rf "${sources}/.heroku" "${sources}/.profile.d"
	rm -rf "$BUILD_DIR" && mv "$sources" "$BUILD_DIR"
	compile_app "$@"
}

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

@test "cache damage: every file of a warm cache truncated, pip's built wheels too: the next build works" {
	printf 'docopt==0.6.2\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	run find "${CACHE_DIR}/python/pip/wheels" -name 'docopt-*.whl'
	[[ -n "$output" ]] || fail "pip cached no wheel of docopt: the test proves nothing"
	find "${CACHE_DIR}/python" -type f -exec truncate -s 0 {} +
	rebuild
	assert_success
	assert_output_contains "pip's cache held a damaged file: it was emptied. Retrying"
	in_slug "$BUILD_DIR" 'python -c "import docopt; print(docopt.__version__)"'
	assert_output_contains "0.6.2"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
}

@test "concurrency: two, then four builds at once on one CACHE_DIR all succeed, one at a time" {
	local n i pids status log
	for n in 2 4; do
		pids=()
		for i in $(seq 1 "$n"); do
			rm -rf "${BATS_TEST_TMPDIR}/app${i}" && cp -a "${FIXTURES}/no-deps" "${BATS_TEST_TMPDIR}/app${i}"
			printf 'six==1.1%s.0\n' "$((i + 3))" >"${BATS_TEST_TMPDIR}/app${i}/requirements.txt"
			if ((i % 2)); then printf '3.13\n'; else printf '3.11\n'; fi >"${BATS_TEST_TMPDIR}/app${i}/.python-version"
			env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" \
				"${BATS_TEST_TMPDIR}/app${i}" "$CACHE_DIR" "$ENV_DIR" >"${BATS_TEST_TMPDIR}/build${i}.log" 2>&1 &
			pids+=("$!")
		done
		for i in $(seq 1 "$n"); do
			status=0
			wait "${pids[$((i - 1))]}" || status=$?
			log="$(cat "${BATS_TEST_TMPDIR}/build${i}.log")"
			[[ "$status" -eq 0 ]] || fail "build ${i} of ${n} failed (exit ${status})" "$log"
			in_slug "${BATS_TEST_TMPDIR}/app${i}" 'python -c "import six; print(six.__version__)"'
			assert_output_contains "1.1$((i + 3)).0"
		done
		cat "${BATS_TEST_TMPDIR}"/build*.log | grep -q "Waiting for another build that uses the same cache" ||
			fail "no build waited for another: the builds did not overlap"
	done
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

@test "odd input: directories, devices and odd URLs where files belong are clear errors" {
	rm "${BUILD_DIR}/requirements.txt" && mkdir "${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "requirements.txt is not a regular file"
	rmdir "${BUILD_DIR}/requirements.txt"

	printf -- '-r /dev/zero\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "The included file /dev/zero is not a regular file" "Where: requirements.txt:1"

	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	rm "${BUILD_DIR}/.python-version" && mkdir "${BUILD_DIR}/.python-version"
	compile_app
	assert_failure 1
	assert_output_contains ".python-version is not a file"
	rmdir "${BUILD_DIR}/.python-version"

	run env -u STACK BUILDPACK_MIRROR_URL="ftp://127.0.0.1/mirror" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "BUILDPACK_MIRROR_URL is not a file://, http:// or https:// URL"
	refute_output_contains "retried"

	: >"${BATS_TEST_TMPDIR}/a-file"
	run "${BUILDPACK_DIR}/bin/compile" "${BATS_TEST_TMPDIR}/a-file" "$CACHE_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "The build directory is not a directory"

	local odd="${BATS_TEST_TMPDIR}/new
line"
	cp -a "$BUILD_DIR" "$odd"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$odd" "$CACHE_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "path holds a newline"
}

@test "odd input: an undefined \${VAR} is named with its line; bin/release and bin/report say what is wrong" {
	printf 'six==1.17.0\n--extra-index-url https://${NO_SUCH_TOKEN}@127.0.0.1:9/simple\n' >"${BUILD_DIR}/requirements.txt"
	compile_app PIP_RETRIES=0 PIP_DEFAULT_TIMEOUT=2
	assert_output_contains "Warning: \${NO_SUCH_TOKEN} names no config var or environment variable" \
		"Where: requirements.txt:2"

	run "${BUILDPACK_DIR}/bin/release" "${BATS_TEST_TMPDIR}/nowhere"
	assert_failure 1
	assert_output_contains "is not a directory"

	mkdir -p "${CACHE_DIR}/python" && printf '{"status": "succ' >"${CACHE_DIR}/python/report.json"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_failure 1
	assert_output_contains "is damaged (not JSON)"
}
