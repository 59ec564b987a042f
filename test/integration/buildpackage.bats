#!/usr/bin/env bats
# make buildpackage: the buildpack as an OCI image layout, read by skopeo (as a registry push,
# kpack or pack would read it). The package is made once, from a copy of the buildpack that also
# holds what must stay out of it (tests, builds, .git, bytecode, the export file of a classic
# build) and files whose modes the package normalizes.

bats_require_minimum_version 1.5.0

setup_file() {
	load ../helpers/test_helper
	command -v skopeo >/dev/null || fail "skopeo is not installed (.ci/run installs it)"
	SRC="${BATS_FILE_TMPDIR}/src"
	mkdir -p "$SRC"
	cp -a "${BUILDPACK_DIR}"/{buildpack.toml,bin,lib,data,vendor,LICENSE,README.md,Makefile,builds} "$SRC/"
	mkdir -p "${SRC}/test/unit" "${SRC}/.git" "${SRC}/lib/pybuildpack/__pycache__"
	cp "${BUILDPACK_DIR}/test/unit/platform.bats" "${SRC}/test/unit/"
	touch "${SRC}/.git/HEAD" "${SRC}/export" "${SRC}/lib/pybuildpack/__pycache__/state.cpython-311.pyc" \
		"${SRC}/lib/stray.pyc"
	chmod 644 "${SRC}/bin/detect"
	chmod 600 "${SRC}/data/app-markers.txt"
	chmod 700 "${SRC}/lib/platform.sh"
	local made
	made="$(make --no-print-directory -C "$SRC" buildpackage BUILDPACKAGE_DIR="${BATS_FILE_TMPDIR}/package" 2>&1)" ||
		fail "make buildpackage failed:" "$made"
	export SRC PACKAGE="${BATS_FILE_TMPDIR}/package"
}

setup() {
	load ../helpers/test_helper
}

# toml KEY...: buildpack.toml's value at that path, as JSON.
toml() {
	python3 -c 'import json, sys, tomllib
value = tomllib.load(open(sys.argv[1], "rb"))
for key in sys.argv[2:]:
    value = value[key]
print(json.dumps(value, separators=(",", ":")))' "${SRC}/buildpack.toml" "$@"
}

# json EXPRESSION: evaluates a Python expression on the JSON document on stdin (as `d`).
json() {
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

@test "the layout holds an image index with one manifest per target architecture, all on one layer" {
	run --separate-stderr skopeo inspect --raw "oci:${PACKAGE}"
	assert_success
	assert_equal "$(json 'd["mediaType"]' <<<"$output")" "application/vnd.oci.image.index.v1+json"
	assert_equal "$(json '" ".join(m["platform"]["os"] + "/" + m["platform"]["architecture"] for m in d["manifests"])' <<<"$output")" \
		"linux/amd64 linux/arm64"
	local arch layers=()
	for arch in amd64 arm64; do
		run --separate-stderr skopeo inspect --override-arch "$arch" "oci:${PACKAGE}"
		assert_success
		assert_equal "$(json 'd["Os"] + "/" + d["Architecture"]' <<<"$output")" "linux/${arch}"
		assert_equal "$(json 'len(d["Layers"])' <<<"$output")" 1
		layers+=("$(json 'd["Layers"][0]' <<<"$output")")
	done
	assert_equal "${layers[1]}" "${layers[0]}"
}

@test "each image carries the buildpackage labels, with the id, version, API and targets of buildpack.toml and the layer's diffID" {
	local arch id version layer diff_id
	id="$(toml buildpack id | tr -d '"')"
	version="$(toml buildpack version | tr -d '"')"
	assert_equal "$id" "pybuildpack/python"
	for arch in amd64 arm64; do
		run --separate-stderr skopeo inspect --override-arch "$arch" "oci:${PACKAGE}"
		assert_success
		local inspected="$output" metadata layers
		metadata="$(json 'd["Labels"]["io.buildpacks.buildpackage.metadata"]' <<<"$inspected")"
		layers="$(json 'd["Labels"]["io.buildpacks.buildpack.layers"]' <<<"$inspected")"
		assert_equal "$(json 'd["id"] + " " + d["version"] + " " + d["name"]' <<<"$metadata")" "${id} ${version} Python"
		assert_equal "$(json 'json.dumps(d["stacks"])' <<<"$metadata")" '[{"id": "*"}]'
		assert_equal "$(json 'json.dumps(d["licenses"]) + " " + str(d["clear-env"])' <<<"$metadata")" '[{"type": "MIT"}] True'
		assert_equal "$(json "list(d) == ['${id}'] and list(d['${id}']) == ['${version}']" <<<"$layers")" "True"
		assert_equal "$(json "d['${id}']['${version}']['api']" <<<"$layers")" "$(toml api | tr -d '"')"
		assert_equal "$(json "json.dumps(d['${id}']['${version}']['targets'], separators=(',', ':'))" <<<"$layers")" "$(toml targets)"
		# The diffID is the digest of the layer uncompressed.
		layer="$(json 'd["Layers"][0]' <<<"$inspected")"
		diff_id="sha256:$(gzip -dc "${PACKAGE}/blobs/sha256/${layer#sha256:}" | sha256sum | cut -d' ' -f1)"
		assert_equal "$(json "d['${id}']['${version}']['layerDiffID']" <<<"$layers")" "$diff_id"
	done
}

@test "skopeo copies it; its layer holds the buildpack at /cnb/buildpacks/<id>/<version>, nothing else, owned by 0:0 at pack's time, with pack's modes" {
	local copy="${BATS_TEST_TMPDIR}/copy"
	run skopeo copy "oci:${PACKAGE}" "dir:${copy}"
	assert_success
	local layer
	layer="$(json 'd["layers"][0]["digest"]' <"${copy}/manifest.json")"
	run python3 -c 'import sys, tarfile
for m in tarfile.open(sys.argv[1]):
    print(m.name.rstrip("/"), "dir" if m.isdir() else "file" if m.isfile() else "other", oct(m.mode),
          m.uid, m.gid, repr(m.uname), repr(m.gname), m.mtime)' "${copy}/${layer#sha256:}"
	assert_success
	local listing="$output" id_dir base
	id_dir="/cnb/buildpacks/$(toml buildpack id | tr -d '"' | tr / _)"
	base="${id_dir}/$(toml buildpack version | tr -d '"')"
	assert_equal "$id_dir" "/cnb/buildpacks/pybuildpack_python"
	# The id's directory and the version's come first, as pack writes them.
	assert_equal "$(head -2 <<<"$listing" | cut -d' ' -f1-3)" "${id_dir} dir 0o755
${base} dir 0o755"
	# Every entry: root's, no names, 1980-01-01T00:00:01Z, a directory or a file.
	assert_equal "$(cut -d' ' -f4- <<<"$listing" | sort -u)" "0 0 '' '' 315532801"
	assert_equal "$(cut -d' ' -f2 <<<"$listing" | sort -u)" "dir
file"
	# Exactly the buildpack's files: no tests, builds, .git, bytecode or export file.
	assert_equal "$(tail -n +3 <<<"$listing" | cut -d' ' -f1 | sed "s|^${base}/||" | sort)" \
		"$(cd "$SRC" && find LICENSE README.md bin buildpack.toml data lib vendor -name __pycache__ -prune -o ! -name '*.pyc' -print | sort)"
	# Modes: directories and executables 0755 (bin/detect even without its execute bits), the rest 0644.
	entry_mode() {
		grep "^${base}/$1 " <<<"$listing" | cut -d' ' -f3
	}
	assert_equal "$(entry_mode bin)" 0o755
	assert_equal "$(entry_mode bin/detect)" 0o755
	assert_equal "$(entry_mode bin/compile)" 0o755
	assert_equal "$(entry_mode lib/platform.sh)" 0o755
	assert_equal "$(entry_mode data/app-markers.txt)" 0o644
	assert_equal "$(entry_mode buildpack.toml)" 0o644
	local name
	for name in "$SRC"/bin/*; do
		assert_equal "$(entry_mode "bin/${name##*/}")" 0o755
	done
	# Both images copied whole keep their digests.
	run skopeo copy --all "oci:${PACKAGE}" "oci:${BATS_TEST_TMPDIR}/all:copied"
	assert_success
	assert_equal "$(json 'd["manifests"][0]["digest"]' <"${BATS_TEST_TMPDIR}/all/index.json")" \
		"$(json 'd["manifests"][0]["digest"]' <"${PACKAGE}/index.json")"
}

@test "a second make buildpackage writes the same bytes: the same digests" {
	run make --no-print-directory -C "$SRC" buildpackage BUILDPACKAGE_DIR="${BATS_TEST_TMPDIR}/again"
	assert_success
	assert_output_contains "$(json 'd["manifests"][0]["digest"]' <"${PACKAGE}/index.json")"
	run diff -r "$PACKAGE" "${BATS_TEST_TMPDIR}/again"
	assert_success
}
