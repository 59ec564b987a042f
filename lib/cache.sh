#!/usr/bin/env bash
# The buildpack's part of CACHE_DIR: CACHE_DIR/python/ (other buildpacks share CACHE_DIR). Its
# entries are listed, with who writes them and what keeps them bounded, in one table:
# lib/pybuildpack/cache/entries.py. Bash writes only `core/` (lib/core.sh); a build removes
# anything there that the table does not list.

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
