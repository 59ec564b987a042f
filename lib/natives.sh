#!/usr/bin/env bash
# Native libraries (vendor/native-libraries.toml): fetched from the mirror, checksum-verified,
# cached in CACHE_DIR/python/libraries, unpacked to BUILD_DIR/.heroku/vendor/NAME.

# natives::install LIST BUILD_DIR STATE_DIR: LIST has one line per library the Python core
# decided on: NAME<TAB>VERSION<TAB>ARCHIVE<TAB>WHAT. Prints the comma-separated names installed.
natives::install() {
	local list="$1" build_dir="$2" state_dir="$3"
	local cache_dir="${state_dir}/libraries" vendor_dir="${build_dir}/.heroku/vendor"
	local name version archive what cached staging installed="" keep=()
	mkdir -p -- "$cache_dir" 2>/dev/null || true
	while IFS=$'\t' read -r name version archive what; do
		[[ -n "$name" ]] || continue
		cached="${cache_dir}/${archive}"
		keep+=("$archive" "${archive}.sha256")
		if runtime::_cached_ok "$cached"; then
			output::info "${name} ${version}: cached archive, no download" >&2
		else
			rm -f -- "$cached" "${cached}.sha256"
			output::info "${name} ${version}: downloading ${archive}" >&2
			local download="${RUNTIME_DOWNLOADS:-${TMPDIR:-/tmp}}/${archive}"
			mirror::fetch "$archive" "$download" "$what"
			cache::store "$download" "$cached"
			[[ -f "$cached" ]] || cached="$download"
		fi
		staging="${vendor_dir}/.${name}-unpacking"
		rm -rf -- "$staging"
		mkdir -p -- "$staging"
		if ! tar --zstd -xf "$cached" -C "$staging" 2>/dev/null || [[ ! -d "${staging}/lib" ]]; then
			rm -rf -- "$staging" "$cached" "${cached}.sha256"
			output::fail "The ${what} archive is damaged and could not be unpacked" \
				"Archive: ${archive}" "" \
				"The cached copy was discarded. Build again to download it afresh; if this" \
				"persists, rebuild the archive on the mirror."
		fi
		rm -rf -- "${vendor_dir:?}/${name}"
		mv -- "$staging" "${vendor_dir}/${name}"
		installed+="${installed:+,}${name}"
	done <"$list"
	# Keep only the archives this build used.
	local file base used
	for file in "$cache_dir"/*; do
		[[ -e "$file" ]] || continue
		base="${file##*/}"
		used=0
		for archive in "${keep[@]}"; do
			[[ "$base" == "$archive" ]] && used=1
		done
		((used)) || rm -f -- "$file"
	done
	echo "$installed"
}
