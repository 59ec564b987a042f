#!/usr/bin/env bash
# make reproducible [FIXTURES="a b"]: each fixture app built twice from a cold cache, in two
# different build directories, REPRODUCIBLE_GAP seconds apart (default 60), with bin/compile
# (classic: the two slugs' manifests diffed, test/reproducible/manifest.py) and with bin/build through
# the lifecycle emulation (CNB: the exported layers' digests compared). Prints what differs; exits 1
# when anything does.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MIRROR_DIR="${MIRROR_DIR:-${ROOT}/.mirror}"
GAP="${REPRODUCIBLE_GAP:-60}"
read -r -a fixtures <<<"${FIXTURES:-flask-app django-app}"
modes="${REPRODUCIBLE_MODES:-classic cnb}"
work="$(mktemp -d "${TMPDIR:-/tmp}/reproducible.XXXXXX")"
chmod 0755 "$work"
trap 'rm -rf -- "$work"' EXIT
status=0

# classic FIXTURE N DIRNAME: a cold build of FIXTURE in $work/N/DIRNAME; its manifest in $work/N.classic.
classic() {
	local dir="${work}/$2"
	mkdir -p "${dir}/cache" "${dir}/env"
	cp -a "${ROOT}/test/fixtures/$1" "${dir}/$3"
	env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${ROOT}/bin/compile" "${dir}/$3" "${dir}/cache" "${dir}/env" \
		>"${dir}/log" 2>&1 || {
		tail -n 20 "${dir}/log" >&2
		return 1
	}
	python3 "${ROOT}/test/reproducible/manifest.py" "${dir}/$3" >"${work}/$2.classic"
}

# cnb FIXTURE N: a cold build through the lifecycle emulation; the layers' digests in $work/N.cnb.
# Both builds use the same state directory, removed in between (a platform's layers are always at
# /layers: the emulation's are under the state directory, and a layer's paths are in its tar).
cnb() {
	local dir="${work}/cnb"
	rm -rf -- "$dir"
	mkdir -p "${dir}/platform/env"
	printf 'file://%s' "$MIRROR_DIR" >"${dir}/platform/env/BUILDPACK_MIRROR_URL"
	cp -a "${ROOT}/test/fixtures/$1" "${dir}/app"
	python3 "${ROOT}/test/cnb/lifecycle.py" build --buildpack "$ROOT" --app "${dir}/app" --state "${dir}/state" \
		--platform "${dir}/platform" >"${dir}/log" 2>&1 || {
		tail -n 20 "${dir}/log" >&2
		return 1
	}
	python3 -c 'import json, sys
last = json.load(open(sys.argv[1]))
for name, layer in sorted(last["layers"].items()):
    if layer["launch"]:
        print(name, layer["digest"])
print("app", last["app"]["digest"])' "${dir}/state/last-build.json" >"${work}/$2.cnb"
	mv -- "${dir}/state/image" "${work}/$2.image" # (the layers' tars, to see what differs)
}

for fixture in "${fixtures[@]}"; do
	for mode in $modes; do
		echo "-----> ${fixture} (${mode}): two cold builds ${GAP}s apart"
		if [[ "$mode" == classic ]]; then
			classic "$fixture" "${fixture}-1" "build_one"
			sleep "$GAP"
			classic "$fixture" "${fixture}-2" "another_build_dir"
		else
			cnb "$fixture" "${fixture}-1"
			sleep "$GAP"
			cnb "$fixture" "${fixture}-2"
		fi
		if diff -u "${work}/${fixture}-1.${mode}" "${work}/${fixture}-2.${mode}" >"${work}/diff"; then
			echo "       the same: $(wc -l <"${work}/${fixture}-1.${mode}") entries"
		else
			status=1
			echo "       DIFFERENT: $(grep -c '^-[^-]' "${work}/diff") entries"
			grep '^[-+][^-+]' "${work}/diff" | cut -f1 | sed 's/^[-+]//' | sort -u >"${work}/paths"
			sed 's/\/__pycache__\/.*\.pyc$/\/__pycache__\/*.pyc/' "${work}/paths" | uniq -c | sort -rn |
				head -n "${REPRODUCIBLE_SHOW:-40}" | sed 's/^/       /'
		fi
		[[ -z "${REPRODUCIBLE_KEEP:-}" ]] || cp -a "$work" "${REPRODUCIBLE_KEEP}"
		rm -rf -- "${work:?}/${fixture}"-[12]* "${work:?}/cnb"
	done
done
exit "$status"
