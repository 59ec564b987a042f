#!/usr/bin/env bash
# Fills a local mirror with relocatable CPython runtimes and native library archives built from
# Debian's copies of the upstream source tarballs.
#
#   mirror.sh MIRROR_DIR [VERSION...]
#
# VERSION is a Debian source version spec, e.g. python3.13=3.13.15-1 or lzo2=2.10-3 (default: the
# lines of builds/mirror-versions.txt). A spec of a source package python3.X gives the runtime
# python-X.Y.Z-STACK-ARCH.tar.zst, built with runtimes/build-python.sh and cached in
# $PYBUILDPACK_BUILD_CACHE/runtimes/; any other source package NAME gives the library archive
# NAME-VERSION-STACK-ARCH.tar.zst, built with libraries/NAME/build.sh and cached in
# $PYBUILDPACK_BUILD_CACHE/libraries/ (VERSION is the upstream version: the Debian version less
# its revision, epoch and +dfsg-like suffix). For each spec the archive (+ .sha256) is put in
# MIRROR_DIR:
#   1. reused from the build cache if it is there and verifies,
#   2. else the orig tarball is fetched into $PYBUILDPACK_BUILD_CACHE/src/ with
#      `apt-get source --download-only` (reusing one already there; when the archive serves the
#      orig tarball but not the .dsc or the Debian tarball, with --tar-only, and the tarball is then
#      checked against the checksum of apt's source index) and built with the recipe into the
#      build cache,
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
if [[ ${#specs[@]} -eq 0 ]]; then
	while IFS= read -r line; do
		line="${line%%#*}"
		line="${line//[[:space:]]/}"
		if [[ -n "$line" ]]; then
			specs+=("$line")
		fi
	done <"$here/mirror-versions.txt"
fi
[[ ${#specs[@]} -gt 0 ]] || build::die "no versions given and $here/mirror-versions.txt is empty"

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

# record_source NAME: MIRROR_DIR/NAME.source, the Debian source package and version the archive was
# built from ("python3.13 3.13.15-1"), which builds name in their bill of materials (an optional
# file: a mirror without it still serves).
record_source() {
	printf '%s %s\n' "$pkg" "$debver" >"$mirror/.$1.source.tmp.$$"
	mv -f "$mirror/.$1.source.tmp.$$" "$mirror/$1.source"
}

# copy_pair FROMDIR TODIR NAME: copies NAME and NAME.sha256 so that a reader never sees a partial
# archive (the .sha256 lands last, and index.txt only lists archives that have one).
copy_pair() {
	rm -f "$2/$3.sha256"
	cp "$1/$3" "$2/.$3.tmp.$$"
	mv -f "$2/.$3.tmp.$$" "$2/$3"
	cp "$1/$3.sha256" "$2/.$3.sha256.tmp.$$"
	mv -f "$2/.$3.sha256.tmp.$$" "$2/$3.sha256"
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

	if verify "$built_dir" "$name"; then
		if verify "$mirror" "$name" && cmp -s "$built_dir/$name.sha256" "$mirror/$name.sha256"; then
			build::log "$tag: $name already in mirror"
		else
			build::log "$tag: copying $name from build cache"
			copy_pair "$built_dir" "$mirror" "$name"
		fi
		record_source "$name"
		continue
	fi
	if verify "$mirror" "$name"; then
		build::log "$tag: $name already in mirror (not in build cache: copying it back)"
		copy_pair "$mirror" "$built_dir" "$name"
		record_source "$name"
		continue
	fi
	[[ -f "$recipe" ]] || build::die "$tag: no recipe for source package $pkg (expected ${recipe#"$here"/})"

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

	build::log "$tag: building $name (${recipe#"$here"/})"
	step=$SECONDS
	built="$(bash "$recipe" "$tarball" "$built_dir")"
	[[ "$(basename "$built")" == "$name" ]] ||
		build::die "build of $spec produced $(basename "$built"), expected $name"
	verify "$built_dir" "$name" || build::die "built archive $name does not verify"
	build::log "$tag: built $name in $((SECONDS - step))s; copying to mirror"
	copy_pair "$built_dir" "$mirror" "$name"
	record_source "$name"
done

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
