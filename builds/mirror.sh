#!/usr/bin/env bash
# Fills a local mirror with relocatable CPython runtimes and native library archives built from
# Debian's copies of the upstream source tarballs.
#
#   mirror.sh MIRROR_DIR [VERSION...]
#
# VERSION is a Debian source version spec, e.g. python3.13=3.13.15-1 or lzo2=2.10-3, or a source
# package name alone (python3.13: its line of builds/mirror-versions.txt); the default is every
# line of builds/mirror-versions.txt. A spec of a source package python3.X gives the runtime
# python-X.Y.Z-STACK-ARCH.tar.zst, built with runtimes/build-python.sh and cached in
# $PYBUILDPACK_BUILD_CACHE/runtimes/RECIPE/; any other source package NAME gives the library archive
# NAME-VERSION-STACK-ARCH.tar.zst, built with libraries/NAME/build.sh and cached in
# $PYBUILDPACK_BUILD_CACHE/libraries/RECIPE/ (VERSION is the upstream version: the Debian version
# less its revision, epoch and +dfsg-like suffix). RECIPE is the digest of the recipe's files
# (recipe_digest): an archive built by another recipe is never reused. For each spec the archive
# (+ .sha256) is put in MIRROR_DIR, with NAME.recipe holding that digest:
#   1. reused from the build cache if it is there and verifies, or from MIRROR_DIR if it is there,
#      verifies and names the same recipe,
#   2. else the orig tarball is fetched into $PYBUILDPACK_BUILD_CACHE/src/ with
#      `apt-get source --download-only` (reusing one already there; when the archive serves the
#      orig tarball but not the .dsc or the Debian tarball, with --tar-only, and the tarball is then
#      checked against the checksum of apt's source index) and built with the recipe into the
#      build cache; the archives to build are built side by side, MIRROR_JOBS at a time (default:
#      the number of cores), each one's log printed whole when it ends,
#   3. then copied into MIRROR_DIR.
# Each archive gets NAME.source beside it: the Debian source package and version it was built from.
# Finally MIRROR_DIR/index.txt lists every archive of the mirror that has a .sha256, sorted.
# PYBUILDPACK_BUILD_CACHE defaults to ~/.cache/pybuildpack. Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/platform.sh
source "$here/../lib/platform.sh"

# shellcheck source=builds/common.sh
source "$here/common.sh"
BUILD_LOG_TAG=mirror

if [[ $# -lt 1 ]]; then
	echo "usage: $0 MIRROR_DIR [VERSION...]   (VERSION like python3.13=3.13.15-1 or lzo2=2.10-3)" >&2
	exit 2
fi
mirror="$1"
shift
specs=("$@")
listed=()
while IFS= read -r line; do
	line="${line%%#*}"
	line="${line//[[:space:]]/}"
	if [[ -n "$line" ]]; then
		listed+=("$line")
	fi
done <"$here/mirror-versions.txt"
if [[ ${#specs[@]} -eq 0 ]]; then
	[[ ${#listed[@]} -gt 0 ]] || build::die "no versions given and $here/mirror-versions.txt is empty"
	specs=("${listed[@]}")
fi
# A package name alone: its spec of mirror-versions.txt.
for i in "${!specs[@]}"; do
	if [[ "${specs[i]}" != *=* ]]; then
		for line in ${listed[@]+"${listed[@]}"}; do
			if [[ "${line%%=*}" == "${specs[i]}" ]]; then
				specs[i]="$line"
				continue 2
			fi
		done
		build::die "${specs[i]} is not in $here/mirror-versions.txt (give its version: ${specs[i]}=DEBVERSION)"
	fi
done

cache="${PYBUILDPACK_BUILD_CACHE:-$HOME/.cache/pybuildpack}"
runtimes="$cache/runtimes"
libraries="$cache/libraries"
srcdir="$cache/src"
mkdir -p "$mirror" "$runtimes" "$libraries" "$srcdir"
mirror="$(cd "$mirror" && pwd)"

# One mirror run at a time per build cache.
exec 9>"$cache/.mirror.lock"
if ! flock -n 9; then
	build::log "waiting for another mirror run to finish"
	flock 9
fi

stack="$(platform::stack)"
arch="$(platform::arch)"
started=$SECONDS

# verify DIR NAME: NAME and NAME.sha256 exist in DIR and the checksum matches.
verify() {
	[[ -f "$1/$2" && -f "$1/$2.sha256" ]] || return 1
	(cd "$1" && sha256sum --status -c "$2.sha256") 2>/dev/null
}

# record_source NAME PKG DEBVER: MIRROR_DIR/NAME.source, the Debian source package and version the
# archive was built from ("python3.13 3.13.15-1"), which builds name in their bill of materials (an
# optional file: a mirror without it still serves).
record_source() {
	printf '%s %s\n' "$2" "$3" >"$mirror/.$1.source.tmp.$$"
	mv -f "$mirror/.$1.source.tmp.$$" "$mirror/$1.source"
}

# copy_pair FROMDIR TODIR NAME [RECIPE]: copies NAME and NAME.sha256 so that a reader never sees a
# partial archive (the .sha256 lands last, and index.txt only lists archives that have one); with
# RECIPE, NAME.recipe says it (the digest of the recipe that built it) before the .sha256 lands.
copy_pair() {
	rm -f "$2/$3.sha256" "$2/$3.recipe"
	cp "$1/$3" "$2/.$3.tmp.$$"
	mv -f "$2/.$3.tmp.$$" "$2/$3"
	if [[ -n "${4:-}" ]]; then
		echo "$4" >"$2/.$3.recipe.tmp.$$"
		mv -f "$2/.$3.recipe.tmp.$$" "$2/$3.recipe"
	fi
	cp "$1/$3.sha256" "$2/.$3.sha256.tmp.$$"
	mv -f "$2/.$3.sha256.tmp.$$" "$2/$3.sha256"
}

# recipe_digest RECIPE: the first 16 hex digits of the sha256 of what builds with RECIPE: the files
# of its directory, the shared build scripts (common.sh, and libraries/lib.sh for a library) and the
# prefixes the recipes build for (lib/slug.sh's: its other lines are not the archives' business).
# Any change to them makes the build cache and the mirror build again.
recipe_digest() {
	local recipe="$1" inputs=() prefixes
	inputs=("$(dirname "$recipe")"/* "$here/common.sh")
	if [[ "$recipe" == "$here/libraries/"* ]]; then
		inputs+=("$here/libraries/lib.sh")
	fi
	# shellcheck source=lib/slug.sh
	prefixes="$(source "$here/../lib/slug.sh" && echo "${SLUG_HOME}/${SLUG_RUNTIME} ${SLUG_HOME}/${SLUG_NATIVES}")"
	# (the files named from builds/: the checkout's own path is no input)
	{ (cd "$here" && sha256sum -- "${inputs[@]#"$here/"}") && echo "$prefixes"; } | sha256sum | cut -c1-16
}

# prune_other_recipes DIR NAME RECIPE: NAME built by any other recipe than RECIPE (DIR/*/NAME, and
# DIR/NAME of the cache's first layout) removed from the build cache.
prune_other_recipes() {
	local old
	for old in "$1"/*/"$2" "$1/$2"; do
		if [[ -f "$old" && "$old" != "$1/$3/$2" ]]; then
			rm -f "$old" "$old.sha256"
			rmdir "$(dirname "$old")" 2>/dev/null || true
		fi
	done
}

# has_source PKG VERSION: the apt index knows source package PKG at VERSION.
has_source() {
	# Not a pipe into grep -q: with pipefail, apt-cache dying of SIGPIPE would make it false.
	local versions
	versions="$(apt-cache showsrc --only-source "$1" 2>/dev/null | grep -E '^Version:' || true)"
	grep -qxF "Version: $2" <<<"$versions"
}

# orig_tarball PKG UPSTREAM: prints the orig tarball already in the src cache, if any.
orig_tarball() {
	local f
	for f in "$srcdir/$1_$2".orig.tar.{xz,gz,bz2}; do
		if [[ -f "$f" ]]; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

# sha256_of FILE [VERSION]: prints the Checksums-Sha256 entry for FILE in the .dsc-like text on
# stdin (in the paragraph of Version: VERSION when given).
sha256_of() {
	awk -v f="$1" -v v="${2:-}" '
		/^$/ { ver = "" }
		/^Version:/ { ver = $2 }
		/^Checksums-Sha256:/ { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && $3 == f && (v == "" || ver == v) { print $1; exit }'
}

# orig_ok DSC TARBALL PKG DEBVERSION: the tarball matches the Checksums-Sha256 entry of the .dsc,
# or without a .dsc the one of apt's source index for PKG DEBVERSION (true if neither knows it).
orig_ok() {
	local dsc="$1" tarball="$2" want got
	if [[ -f "$dsc" ]]; then
		want="$(sha256_of "$(basename "$tarball")" <"$dsc")"
	else
		want="$(apt-cache showsrc --only-source "$3" 2>/dev/null | sha256_of "$(basename "$tarball")" "$4" || true)"
	fi
	[[ -n "$want" ]] || return 0
	got="$(sha256sum "$tarball" | cut -d' ' -f1)"
	[[ "$got" == "$want" ]]
}

fetch_source() {
	local pkg="$1" debver="$2" spec="$1=$2" fetchlog
	if ! has_source "$pkg" "$debver"; then
		build::log "  adding deb-src entries (debian-sources.sh)"
		bash "$here/debian-sources.sh"
		if ! has_source "$pkg" "$debver"; then
			build::log "  updating apt source index"
			apt-get update -qq
		fi
		has_source "$pkg" "$debver" || build::die "apt knows no source package $spec"
	fi
	fetchlog="$(mktemp)"
	if ! (cd "$srcdir" && apt-get source --download-only "$spec") >"$fetchlog" 2>&1; then
		# The archive may lack the .dsc or the Debian tarball of a version that its index still
		# lists; the orig tarball is all the recipes use.
		build::log "  apt-get source failed ($(grep -m1 '^E:' "$fetchlog" || echo 'no error line')); trying --tar-only"
		if ! (cd "$srcdir" && apt-get source --download-only --tar-only "$spec") >>"$fetchlog" 2>&1; then
			cat "$fetchlog" >&2
			rm -f "$fetchlog"
			build::die "apt-get source --download-only $spec failed"
		fi
	fi
	rm -f "$fetchlog"
}

# Each spec: reused from the build cache or the mirror, or its source fetched (one at a time: apt)
# and put on the list of builds.
builds=() # "TAG|RECIPE|TARBALL|OUTDIR|NAME|DIGEST"
n=0
for spec in "${specs[@]}"; do
	n=$((n + 1))
	[[ "$spec" =~ ^([a-z0-9][a-z0-9.+-]+)=([0-9]+:)?([0-9][A-Za-z0-9.+~-]*)$ ]] ||
		build::die "bad version spec '$spec' (expected e.g. python3.13=3.13.15-1)"
	pkg="${BASH_REMATCH[1]}"
	debver_noepoch="${BASH_REMATCH[3]}"
	debver="${BASH_REMATCH[2]}$debver_noepoch"
	upstream="${debver_noepoch%-*}" # drop the Debian revision
	version="${upstream%%+*}"       # drop +dfsg and the like
	version="${version//\~/}"       # 3.14.0~rc1 -> 3.14.0rc1
	if [[ "$pkg" =~ ^python3\.[0-9]+$ ]]; then
		name="$(platform::archive_name python "$version" "$stack" "$arch")"
		recipe="$here/runtimes/build-python.sh"
		built_dir="$runtimes"
	else
		name="$(platform::archive_name "$pkg" "$version" "$stack" "$arch")"
		recipe="$here/libraries/$pkg/build.sh"
		built_dir="$libraries"
	fi
	tag="[$n/${#specs[@]}] $spec"
	[[ -f "$recipe" ]] || build::die "$tag: no recipe for source package $pkg (expected ${recipe#"$here"/})"
	digest="$(recipe_digest "$recipe")"
	outdir="$built_dir/$digest"

	if verify "$outdir" "$name"; then
		if verify "$mirror" "$name" && cmp -s "$outdir/$name.sha256" "$mirror/$name.sha256" &&
			[[ "$(cat "$mirror/$name.recipe" 2>/dev/null)" == "$digest" ]]; then
			build::log "$tag: $name already in mirror"
		else
			build::log "$tag: copying $name from build cache"
			copy_pair "$outdir" "$mirror" "$name" "$digest"
		fi
		prune_other_recipes "$built_dir" "$name" "$digest"
		record_source "$name" "$pkg" "$debver"
		continue
	fi
	if verify "$mirror" "$name" && [[ "$(cat "$mirror/$name.recipe" 2>/dev/null)" == "$digest" ]]; then
		build::log "$tag: $name already in mirror (not in build cache: copying it back)"
		mkdir -p "$outdir"
		copy_pair "$mirror" "$outdir" "$name"
		prune_other_recipes "$built_dir" "$name" "$digest"
		record_source "$name" "$pkg" "$debver"
		continue
	fi

	dsc="$srcdir/${pkg}_$debver_noepoch.dsc"
	tarball="$(orig_tarball "$pkg" "$upstream" || true)"
	if [[ -n "$tarball" ]] && ! orig_ok "$dsc" "$tarball" "$pkg" "$debver"; then
		build::log "$tag: $(basename "$tarball") does not match $(basename "$dsc"), fetching again"
		rm -f "$tarball"
		tarball=""
	fi
	if [[ -n "$tarball" ]]; then
		build::log "$tag: using cached source $(basename "$tarball")"
	else
		build::log "$tag: fetching source with apt-get source --download-only"
		fetch_source "$pkg" "$debver"
		tarball="$(orig_tarball "$pkg" "$upstream")" ||
			build::die "apt-get source $spec gave no ${pkg}_$upstream.orig.tar.* in $srcdir"
		orig_ok "$dsc" "$tarball" "$pkg" "$debver" ||
			build::die "$(basename "$tarball") does not match $(basename "$dsc") / apt's source index"
	fi
	builds+=("$tag|$recipe|$tarball|$outdir|$name|$digest|$pkg|$debver")
done

# The builds, side by side: MIRROR_JOBS at a time (default: the cores; a build's make uses them
# all too, and the builds' configure, install and compression steps leave them idle). With more
# than one at a time, each build's log goes to a file and is printed whole when it ends.
jobs="${MIRROR_JOBS:-$(nproc)}"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || build::die "MIRROR_JOBS must be a positive number, not '$jobs'"
if ((jobs > ${#builds[@]})); then
	jobs=${#builds[@]}
fi
logs="$(mktemp -d)"
trap 'rm -rf -- "$logs"' EXIT
declare -A running=() # pid -> index of builds
failed=()

# finish I STATUS: the end of build I: its log, then its archive checked and copied to the mirror.
finish() {
	local i="$1" status="$2" tag recipe tarball outdir name digest pkg debver built
	IFS='|' read -r tag recipe tarball outdir name digest pkg debver <<<"${builds[i]}"
	if ((jobs > 1)); then
		build::log "$tag: the log of its build:"
		sed 's/^/    /' "$logs/$i.log" >&2
	fi
	built="$(cat "$logs/$i.out")"
	if ((status != 0)) || [[ "$(basename "$built")" != "$name" ]] || ! verify "$outdir" "$name"; then
		build::log "$tag: ERROR: the build of $name failed (exit status $status${built:+, made $(basename "$built")})"
		failed+=("$name")
		return 0
	fi
	build::log "$tag: built $name in $(($(date +%s) - $(cat "$logs/$i.start")))s; copying to mirror"
	copy_pair "$outdir" "$mirror" "$name" "$digest"
	record_source "$name" "$pkg" "$debver"
	prune_other_recipes "$(dirname "$outdir")" "$name" "$digest"
}

if ((${#builds[@]} > 0)); then
	build::log "building ${#builds[@]} archive(s), $jobs at a time"
fi
for i in "${!builds[@]}"; do
	while ((${#running[@]} >= jobs)); do
		status=0
		wait -n -p done_pid "${!running[@]}" || status=$?
		finish "${running[$done_pid]}" "$status"
		unset "running[$done_pid]"
	done
	IFS='|' read -r tag recipe tarball outdir name digest _ <<<"${builds[i]}"
	build::log "$tag: building $name (${recipe#"$here"/})"
	mkdir -p "$outdir"
	date +%s >"$logs/$i.start"
	if ((jobs > 1)); then
		bash "$recipe" "$tarball" "$outdir" >"$logs/$i.out" 2>"$logs/$i.log" &
	else
		bash "$recipe" "$tarball" "$outdir" >"$logs/$i.out" &
	fi
	running[$!]=$i
done
while ((${#running[@]} > 0)); do
	status=0
	wait -n -p done_pid "${!running[@]}" || status=$?
	finish "${running[$done_pid]}" "$status"
	unset "running[$done_pid]"
done
((${#failed[@]} == 0)) || build::die "could not build ${failed[*]} (see above)"

# tools/: the package managers' tools vendor/tools.toml pins for this architecture (uv), so that
# locked apps build from the mirror alone. Fetched with pip, checked against the pin.
mkdir -p "$mirror/tools"
while read -r tool version file sum; do
	if verify "$mirror/tools" "$file" && grep -q "^$sum " "$mirror/tools/$file.sha256"; then
		build::log "tools: $file already in mirror"
		continue
	fi
	build::log "tools: fetching $tool $version ($file)"
	fetched="$(mktemp -d)"
	python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$fetched" "$tool==$version" >&2 ||
		build::die "pip could not download $tool==$version"
	[[ -f "$fetched/$file" ]] || build::die "pip downloaded $(ls "$fetched") for $tool, not the pinned $file"
	echo "$sum  $file" >"$fetched/$file.sha256"
	verify "$fetched" "$file" || build::die "$file does not match the sha256 vendor/tools.toml pins"
	copy_pair "$fetched" "$mirror/tools" "$file"
	rm -rf "$fetched"
done < <(python3 - "$here/../vendor/tools.toml" "$arch" <<'PY'
import sys
import tomllib

with open(sys.argv[1], "rb") as handle:
    tools = tomllib.load(handle)
for name, tool in tools.items():
    wheel = tool.get("wheels", {}).get(sys.argv[2])
    if wheel:
        print(name, tool["version"], wheel["file"], wheel["sha256"])
PY
)

# index.txt: every complete archive of the mirror, sorted (tools/ included).
index_tmp="$mirror/.index.txt.tmp.$$"
(
	cd "$mirror"
	shopt -s nullglob
	for f in *.tar.zst tools/*.whl; do
		if [[ -f "$f.sha256" ]]; then
			echo "$f"
		fi
	done | LC_ALL=C sort
) >"$index_tmp"
mv -f "$index_tmp" "$mirror/index.txt"
build::log "wrote $mirror/index.txt ($(wc -l <"$mirror/index.txt") archives) in $((SECONDS - started))s"
