#!/usr/bin/env bash
# make reproducible [FIXTURES="a b"]: each fixture app built twice from a cold cache, in two
# different build directories, REPRODUCIBLE_GAP seconds apart (default 60), with bin/compile
# (classic: the two slugs' manifests diffed, test/reproducible/manifest.py; then a warm rebuild in a
# third directory, from the second build's cache, diffed with the first) and with bin/build through
# the lifecycle emulation (CNB: the exported layers' digests compared). A classic slug's files that
# name the directory it was built in are listed (none may: README, "Reproducible builds"), and
# compared as if they named /app. Prints what differs; exits 1 when anything does.
# REPRODUCIBLE_KEEP=DIR: each fixture's builds are moved into DIR instead of removed (classic:
# FIXTURE-N/ with the build directory, cache/, env/ and log, and FIXTURE-N.classic, the manifest;
# CNB: FIXTURE-N.cnb, the digests, FIXTURE-N.image, and FIXTURE-cnb/, the second build's state).
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

# classic FIXTURE N DIRNAME [CACHE_DIR]: a build of FIXTURE in $work/N/DIRNAME, cold (or from
# CACHE_DIR); its manifest in $work/N.classic. Fails when a file names the build directory.
classic() {
	local dir="${work}/$2" build cache="${4:-${work}/$2/cache}" named path
	build="${dir}/$3"
	mkdir -p "$cache" "${dir}/env"
	cp -a "${ROOT}/test/fixtures/$1" "$build"
	env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${ROOT}/bin/compile" "$build" "$cache" "${dir}/env" \
		>"${dir}/log" 2>&1 || {
		tail -n 20 "${dir}/log" >&2
		return 1
	}
	python3 "${ROOT}/test/reproducible/manifest.py" "$build" "$build" >"${work}/$2.classic"
	named="$(grep $'\tnames the build directory$' "${work}/$2.classic" | cut -f1 || true)"
	if [[ -n "$named" ]]; then
		echo "       naming the build directory ($3):" >&2
		while IFS= read -r path; do echo "         ${path}" >&2; done <<<"$named"
		return 1
	fi
}

# same A B WHAT: the manifests $work/A and $work/B diffed; what differs printed (status 1 if any).
same() {
	if diff -u "${work}/$1" "${work}/$2" >"${work}/diff"; then
		echo "       the same$3: $(wc -l <"${work}/$1") entries"
		return 0
	fi
	echo "       DIFFERENT$3: $(grep -c '^-[^-]' "${work}/diff") entries"
	grep '^[-+][^-+]' "${work}/diff" | cut -f1 | sed 's/^[-+]//' | sort -u >"${work}/paths"
	sed 's/\/__pycache__\/.*\.pyc$/\/__pycache__\/*.pyc/' "${work}/paths" | uniq -c | sort -rn |
		head -n "${REPRODUCIBLE_SHOW:-40}" | sed 's/^/       /'
	return 1
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
			classic "$fixture" "${fixture}-1" "build_one" || status=1
			sleep "$GAP"
			classic "$fixture" "${fixture}-2" "another_build_dir" || status=1
		else
			cnb "$fixture" "${fixture}-1"
			sleep "$GAP"
			cnb "$fixture" "${fixture}-2"
		fi
		same "${fixture}-1.${mode}" "${fixture}-2.${mode}" "" || status=1
		if [[ "$mode" == classic ]]; then
			echo "-----> ${fixture} (classic): a warm rebuild in a third directory, from the second build's cache"
			classic "$fixture" "${fixture}-3" "warm_build" "${work}/${fixture}-2/cache" || status=1
			grep -q '^-----> Reusing the cached environment' "${work}/${fixture}-3/log" || {
				echo "       not warm: the cached environment was not reused" >&2
				status=1
			}
			same "${fixture}-1.classic" "${fixture}-3.classic" " as the first cold build" || status=1
		fi
		if [[ -n "${REPRODUCIBLE_KEEP:-}" ]]; then
			mkdir -p -- "$REPRODUCIBLE_KEEP"
			mv -- "${work}/${fixture}"-[123]* "${REPRODUCIBLE_KEEP}/"
			[[ ! -d "${work}/cnb" ]] || mv -- "${work}/cnb" "${REPRODUCIBLE_KEEP}/${fixture}-cnb"
		fi
		rm -rf -- "${work:?}/${fixture}"-[123]* "${work:?}/cnb"
	done
done
exit "$status"
