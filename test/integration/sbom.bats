#!/usr/bin/env bats
# The bill of materials of a classic build (the slug's .heroku/python-sbom.cdx.json, bin/report
# --sbom): valid CycloneDX 1.6, the same distributions and versions as an independent generator
# (cyclonedx-py environment) finds in the slug's environment, with more (the runtime and its
# archive, origins, licences, the build tools), and the same bytes from a warm build, which copies
# it. The CNB layers' bills are checked in cnb.bats, the native libraries' in native_libraries.bats.

load ../helpers/suite

setup() {
	suite_setup
}

teardown() {
	suite_teardown
}

@test "a classic build's bill: valid, what cyclonedx-py finds and more, in bin/report --sbom, the same after a warm build" {
	# A mirror that says what the runtime was built from (NAME.source, as builds/mirror.sh writes it).
	mirror_archive python 3.13.15
	local mirror="${BATS_TEST_TMPDIR}/mirror" name
	mkdir -p "$mirror"
	for name in "${MIRROR_DIR}"/*; do ln -s "$name" "${mirror}/"; done
	printf 'python3.13 3.13.15-1\n' >"${mirror}/${ARCHIVE_NAME}.source"
	new_app flask-app
	cold_runtime # (the runtime's archive and what it was built from, as this mirror says)
	compile_app BUILDPACK_MIRROR_URL="file://${mirror}"
	assert_success
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
	[[ "$output" == "$(cat "$bill")" ]]

	cp -- "$bill" "${BATS_TEST_TMPDIR}/first.cdx.json"
	rebuild BUILDPACK_MIRROR_URL="file://${mirror}"
	assert_success
	assert_output_contains "Reusing the cached environment"
	cmp -- "${BATS_TEST_TMPDIR}/first.cdx.json" "$bill"
}
