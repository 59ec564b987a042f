#!/usr/bin/env bash
# The buildpack's part of CACHE_DIR: CACHE_DIR/python/ (other buildpacks share CACHE_DIR).
#   runtimes/     the runtime archive in use, with its checksum
#   pip/          pip's download and wheel cache
#   python-version  the release the last successful build used (for apps that do not ask)

# cache::prepare CACHE_DIR THROWAWAY: print the state directory to use. When CACHE_DIR can't be
# written, warn and use THROWAWAY (a directory the build removes) so that the build still succeeds.
cache::prepare() {
	local cache_dir="$1" state="$1/python" throwaway="$2"
	if mkdir -p -- "$state" 2>/dev/null && [[ -w "$state" ]] && touch -- "${state}/.probe" 2>/dev/null; then
		rm -f -- "${state}/.probe"
		echo "$state"
		return 0
	fi
	output::warning "The build cache is not writable; building without it" \
		"CACHE_DIR: ${cache_dir}" \
		"This build downloads everything and saves nothing for the next one." >&2
	mkdir -p -- "$throwaway"
	echo "$throwaway"
}

# cache::read_version STATE_DIR: the release the last successful build used, or nothing.
cache::read_version() {
	local file="$1/python-version"
	if [[ -f "$file" ]]; then
		head -n 1 -- "$file" | tr -cd '0-9.'
	fi
}

# cache::write_version STATE_DIR VERSION (atomic, best effort).
cache::write_version() {
	local file="$1/python-version"
	{ printf '%s\n' "$2" >"${file}.tmp.$$" && mv -f -- "${file}.tmp.$$" "$file"; } 2>/dev/null ||
		rm -f -- "${file}.tmp.$$"
}

# cache::store FILE CACHED: keep a verified download (FILE and FILE.sha256) in the cache as CACHED.
# Best effort: a full or failing cache gives a warning, never a failed build.
cache::store() {
	local file="$1" cached="$2"
	if cp -f -- "$file" "${cached}.tmp.$$" 2>/dev/null &&
		cp -f -- "${file}.sha256" "${cached}.sha256.tmp.$$" 2>/dev/null &&
		mv -f -- "${cached}.tmp.$$" "$cached" && mv -f -- "${cached}.sha256.tmp.$$" "${cached}.sha256"; then
		return 0
	fi
	rm -f -- "${cached}.tmp.$$" "${cached}.sha256.tmp.$$" "$cached" "${cached}.sha256"
	output::warning "Could not save ${file##*/} in the build cache (is it full?)" \
		"This build is fine; the next one downloads it again." >&2
}
