#!/usr/bin/env bash
# The buildpack's part of CACHE_DIR: CACHE_DIR/python/ (other buildpacks share CACHE_DIR). Its
# entries are listed, with who writes them and what keeps them bounded, in one table:
# lib/pybuildpack/cache/entries.py. Bash writes only `core/` (lib/core.sh); a build removes
# anything there that the table does not list.

# cache::prepare CACHE_DIR THROWAWAY: print the state directory to use. When CACHE_DIR can't be
# written, warn and use THROWAWAY (a directory the build removes) so that the build still succeeds.
# A state directory that is a link (an earlier build's hook can write CACHE_DIR) is dropped, never
# followed: the cache starts empty.
cache::prepare() {
	local cache_dir="$1" state="$1/python" throwaway="$2"
	[[ ! -L "$state" ]] || rm -f -- "$state" 2>/dev/null || true
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

# cache::lock STATE_DIR: hold STATE_DIR/.lock until the build ends (file descriptor 8), so that
# one build at a time uses a cache: a platform may run two builds of one app at once. A second
# build waits for the first (saying so) and, after CACHE_LOCK_WAIT seconds (default 900), gives
# up: 1 (the caller builds without the cache). Commands that may outlive the build close fd 8.
cache::lock() {
	local state="$1"
	exec 8>>"${state}/.lock" || return 1
	flock -n 8 && return 0
	output::step "Waiting for another build that uses the same cache to finish"
	flock -w "${CACHE_LOCK_WAIT:-900}" 8
}

# cache::held STATE_DIR: is STATE_DIR still the cache this build locked (cache::lock)? Not when
# something removed it (a hook's rm -rf "$CACHE_DIR"): its lock file is then gone, or another.
cache::held() {
	[[ -e "${1}/.lock" && "${1}/.lock" -ef /dev/fd/8 ]]
}
