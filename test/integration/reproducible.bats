#!/usr/bin/env bats
# Reproducible builds (make reproducible, test/reproducible/run.sh): a wheels-only app built twice
# from a cold cache gives CNB layers of the same digests, and classic slugs of the same files (in
# two build directories; and a warm rebuild in a third), none of which names the build directory
# (README, "Reproducible builds").
# The classic case also checks the first cold build's bill of materials (the slug's
# .heroku/python-sbom.cdx.json, bin/report --sbom): valid CycloneDX 1.6, the same distributions and
# versions as an independent generator (cyclonedx-py environment) finds in the slug's environment,
# with more (the runtime and its archive, origins, licences, the build tools); the warm rebuild's
# is the same file, byte for byte (the manifests compare every file). The CNB layers' bills are
# checked in cnb.bats, the native libraries' in native_libraries.bats.

load ../helpers/suite

setup() {
	suite_setup
}

teardown() {
	suite_teardown
}

@test "reproducible: two cold CNB builds of flask-app, seconds apart, export layers of the same digests" {
	[[ -x "${BUILDPACK_DIR}/bin/build" ]] || skip "needs bin/build"
	run env FIXTURES=flask-app REPRODUCIBLE_MODES=cnb REPRODUCIBLE_GAP=2 MIRROR_DIR="$MIRROR_DIR" \
		bash "${BUILDPACK_DIR}/test/reproducible/run.sh"
	assert_success
	assert_output_contains "-----> flask-app (cnb): two cold builds 2s apart" "       the same: 3 entries"
}

@test "reproducible: two cold classic builds of flask-app in two directories, seconds apart, and a warm rebuild give the same slug, whose bill is valid, what cyclonedx-py finds and more, in bin/report --sbom" {
	# A mirror that says what the runtime was built from (NAME.source, as builds/mirror.sh writes it).
	mirror_archive python 3.13.15
	local mirror="${BATS_TEST_TMPDIR}/mirror" kept="${BATS_TEST_TMPDIR}/kept" name
	mkdir -p "$mirror"
	for name in "${MIRROR_DIR}"/*; do ln -s "$name" "${mirror}/"; done
	printf 'python3.13 3.13.15-1\n' >"${mirror}/${ARCHIVE_NAME}.source"
	# (with the run's engine: TEST_INSTALLER=pip checks pip's slugs)
	run env FIXTURES=flask-app REPRODUCIBLE_MODES=classic REPRODUCIBLE_GAP=2 MIRROR_DIR="$mirror" \
		REPRODUCIBLE_KEEP="$kept" BUILDPACK_INSTALLER="$(engine)" bash "${BUILDPACK_DIR}/test/reproducible/run.sh"
	assert_success
	assert_output_contains "-----> flask-app (classic): two cold builds 2s apart" "       the same: " \
		"-----> flask-app (classic): a warm rebuild in a third directory" "       the same as the first cold build: "
	refute_output_contains "DIFFERENT" "naming the build directory"

	# The first cold build's bill (the runtime's archive, and what it was built from, as the mirror says).
	BUILD_DIR="${kept}/flask-app-1/build_one"
	CACHE_DIR="${kept}/flask-app-1/cache"
	bill="${BUILD_DIR}/.heroku/python-sbom.cdx.json"
	run sbom_check validate "$bill"
	assert_success
	run sbom_check independent "${BUILD_DIR}/.heroku/venv/bin/python" "$bill"
	assert_success
	assert_output_contains "cyclonedx-py: 12 distributions; ours: 12"
	run sbom_check show "$bill"
	assert_success
	# the tool that installed the dependencies: uv (its pinned wheel's checksum), or pip with the pip engine
	local tool="tool:uv@0.13.9 sha256="
	[[ "$(engine)" == uv ]] || tool="tool:pip@26.3 sha256= used-for=dependencies from requirements.txt"
	assert_output_contains \
		"pypi:flask@3.1.3 sha256= origin=requirements.txt:2 relationship=direct" \
		"pypi:jinja2@3.1.6 sha256= relationship=transitive required-by=flask" \
		"pypi:pip@26.3 sha256= relationship=seed" \
		"runtime:python@3.13.15 sha256=$(cut -d' ' -f1 "${ARCHIVE}.sha256") arch=amd64 archive=${ARCHIVE_NAME} debian-source=python3.13 3.13.15-1 origin=file://${mirror}" \
		"$tool"
	run "${BUILDPACK_DIR}/bin/report" --sbom "$BUILD_DIR" "$CACHE_DIR"
	assert_success
	[[ "$output" == "$(cat "$bill")" ]] || fail "bin/report --sbom is not the slug's bill" "$output"
	# The warm rebuild's bill: the same file (run.sh's manifests, compared above, hash every file).
	cmp -- "$bill" "${kept}/flask-app-3/warm_build/.heroku/python-sbom.cdx.json"
}
