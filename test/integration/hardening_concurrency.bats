#!/usr/bin/env bats
# Hardening: builds at once on one cache.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

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
