#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib mirror
	MIRROR="${BATS_TEST_TMPDIR}/mirror"
	mkdir -p "$MIRROR"
	printf 'payload\n' >"${MIRROR}/thing.tar.zst"
	(cd "$MIRROR" && sha256sum thing.tar.zst >thing.tar.zst.sha256)
	export BUILDPACK_MIRROR_URL="file://${MIRROR}"
	DEST="${BATS_TEST_TMPDIR}/dest"
	mkdir -p "$DEST"
}

@test "no mirror off Heroku: the error says how to set one" {
	unset BUILDPACK_MIRROR_URL
	STACK="" run mirror::check
	assert_failure 1
	assert_output_contains "No mirror is configured" "BUILDPACK_MIRROR_URL"
}

@test "Heroku stacks default to Heroku's runtime archives" {
	unset BUILDPACK_MIRROR_URL
	STACK=heroku-24 run mirror::url
	assert_equal "$output" "$MIRROR_HEROKU_URL"
}

@test "a verified download lands with its checksum" {
	mirror::fetch thing.tar.zst "${DEST}/thing.tar.zst" "the thing"
	assert_equal "$(cat "${DEST}/thing.tar.zst")" "payload"
	(cd "$DEST" && sha256sum --check --status thing.tar.zst.sha256)
}

@test "a checksum mismatch is fatal and leaves nothing behind" {
	printf 'tampered\n' >"${MIRROR}/thing.tar.zst"
	run mirror::fetch thing.tar.zst "${DEST}/thing.tar.zst" "the thing"
	assert_failure 1
	assert_output_contains "Checksum mismatch for the thing" "Nothing of it was used or cached"
	assert_equal "$(ls -A "$DEST")" ""
}

@test "a missing checksum file is fatal on any mirror but Heroku's" {
	rm "${MIRROR}/thing.tar.zst.sha256"
	run mirror::fetch thing.tar.zst "${DEST}/thing.tar.zst" "the thing"
	assert_failure 1
	assert_output_contains "publishes no checksum"
	assert_equal "$(ls -A "$DEST")" ""
}

@test "a missing archive names what is missing" {
	run mirror::fetch nothing.tar.zst "${DEST}/x" "Python 3.13.99"
	assert_failure 1
	assert_output_contains "The mirror has no Python 3.13.99 archive" "nothing.tar.zst"
}

@test "an unreachable mirror is retried, then reported without credentials" {
	export BUILDPACK_MIRROR_URL="http://user:hunter2@127.0.0.1:9/mirror"
	MIRROR_RETRIES=1 run mirror::fetch thing.tar.zst "${DEST}/thing.tar.zst" "the thing"
	assert_failure 1
	assert_output_contains "Could not download the thing" "user:****@127.0.0.1:9"
	refute_output_contains "hunter2"
}

@test "index.txt is optional" {
	run mirror::index "${DEST}/index.txt"
	assert_failure
	printf 'thing.tar.zst\n' >"${MIRROR}/index.txt"
	mirror::index "${DEST}/index.txt"
	assert_equal "$(cat "${DEST}/index.txt")" "thing.tar.zst"
}
