#!/usr/bin/env bash
# The buildpack's part of CACHE_DIR: CACHE_DIR/python/ (other buildpacks share CACHE_DIR).
#   runtimes/     the runtime archive in use, with its checksum
#   pip/          pip's download and wheel cache
#   python-version  the release the last successful build used (for apps that do not ask)

# cache::prepare CACHE_DIR: print the state directory to use. When CACHE_DIR can't be written,
# warn and use a throw-away directory so that the build still succeeds.
cache::prepare() {
	local cache_dir="$1" state="$1/python"
	if mkdir -p -- "$state" 2>/dev/null && [[ -w "$state" ]] && touch -- "${state}/.probe" 2>/dev/null; then
		rm -f -- "${state}/.probe"
		echo "$state"
		return 0
	fi
	output::warning "The build cache is not writable; building without it" \
		"CACHE_DIR: ${cache_dir}" \
		"This build downloads everything and saves nothing for the next one." >&2
	mktemp -d "${TMPDIR:-/tmp}/pybuildpack-cache.XXXXXX"
}

# cache::read_version STATE_DIR: the release the last successful build used, or nothing.
cache::read_version() {
	local file="$1/python-version"
	if [[ -f "$file" ]]; then
		head -n 1 -- "$file" | tr -cd '0-9.'
	fi
}

# cache::write_version STATE_DIR VERSION (atomic).
cache::write_version() {
	local file="$1/python-version"
	printf '%s\n' "$2" >"${file}.tmp.$$" && mv -f -- "${file}.tmp.$$" "$file"
}
