#!/usr/bin/env bash
# The Python runtime: python-X.Y.Z-STACK-ARCH.tar.zst from the cache or the mirror, verified, unpacked
# to BUILD_DIR/.heroku/python.

# runtime::archive_name VERSION
runtime::archive_name() {
	echo "python-$1-$(platform::stack)-$(platform::arch).tar.zst"
}

# runtime::_cached_ok PATH: the cached archive exists and matches its recorded checksum.
runtime::_cached_ok() {
	local path="$1"
	[[ -f "$path" && -f "${path}.sha256" ]] || return 1
	(cd "$(dirname -- "$path")" && sha256sum --check --status -- "$(basename -- "$path").sha256") 2>/dev/null
}

# runtime::_manifest DIR: every file's size and path (a damaged tree no longer matches).
runtime::_manifest() {
	(cd "$1" && find . -type f ! -name .manifest -printf '%s %p\n' | LC_ALL=C sort)
}

# runtime::_copy_tree FROM TO: hard links when possible (the runtime is never edited in place),
# else a copy.
runtime::_copy_tree() {
	cp -al -- "$1" "$2" 2>/dev/null || {
		rm -rf -- "$2"
		cp -a -- "$1" "$2"
	}
}

# runtime::install VERSION BUILD_DIR CACHE_STATE_DIR
runtime::install() {
	local version="$1" build_dir="$2" state_dir="$3"
	local name cache_dir archive target staging tree
	name="$(runtime::archive_name "$version")"
	cache_dir="${state_dir}/runtimes"
	archive="${cache_dir}/${name}"
	target="${build_dir}/.heroku/python"
	# The unpacked runtime of the last build, reused when it is intact and the archive is too.
	tree="${state_dir}/runtime-tree/${name}"
	staging="${build_dir}/.heroku/.python-unpacking"

	mkdir -p -- "$cache_dir" 2>/dev/null || true
	if runtime::_cached_ok "$archive" && [[ -f "${tree}/.manifest" ]] &&
		runtime::_manifest "$tree" | cmp -s - "${tree}/.manifest"; then
		output::step "Installing Python ${version} (cached runtime, no download)"
		rm -rf -- "$staging"
		mkdir -p -- "${build_dir}/.heroku"
		runtime::_copy_tree "$tree" "$staging"
		rm -f -- "${staging}/.manifest"
		rm -rf -- "$target"
		mv -- "$staging" "$target"
		return 0
	fi
	rm -rf -- "${state_dir}/runtime-tree"
	if runtime::_cached_ok "$archive"; then
		output::step "Installing Python ${version} (cached runtime, no download)"
	else
		if [[ -e "$archive" ]]; then
			output::step "Installing Python ${version} (discarding the cached runtime: checksum mismatch)"
		else
			output::step "Installing Python ${version}"
		fi
		rm -f -- "$archive" "${archive}.sha256"
		output::info "Downloading ${name}"
		local download="${RUNTIME_DOWNLOADS:-${TMPDIR:-/tmp}}/${name}"
		mirror::fetch "$name" "$download" "Python ${version} (${name})"
		cache::store "$download" "$archive"
		[[ -f "$archive" ]] || archive="$download"
	fi
	# Keep only the runtime in use.
	find "$cache_dir" -maxdepth 1 -type f ! -name "${name}" ! -name "${name}.sha256" -delete 2>/dev/null || true

	rm -rf -- "$staging"
	mkdir -p -- "$staging"
	if ! tar --zstd -xf "$archive" -C "$staging" 2>"${staging}.log"; then
		local detail
		detail="$(head -n 3 "${staging}.log")"
		rm -rf -- "$staging" "${staging}.log" "$archive" "${archive}.sha256"
		output::fail "The Python ${version} archive is damaged and could not be unpacked" \
			"Archive: ${name}" "tar: ${detail}" "" \
			"The cached copy was discarded. Build again to download it afresh; if this" \
			"persists, rebuild the archive on the mirror."
	fi
	rm -f -- "${staging}.log"
	if [[ ! -x "${staging}/bin/python3" ]] || ! "${staging}/bin/python3" -c 'import sys' >/dev/null 2>&1; then
		rm -rf -- "$staging" "$archive" "${archive}.sha256"
		output::fail "The Python ${version} archive holds no working bin/python3" \
			"Archive: ${name}" "" \
			"The archive is not a runtime built for $(platform::stack) $(platform::arch)."
	fi
	# Keep the unpacked tree for the next build (best effort: the archive is what counts).
	if mkdir -p -- "${state_dir}/runtime-tree" 2>/dev/null &&
		runtime::_copy_tree "$staging" "${tree}.partial" 2>/dev/null &&
		runtime::_manifest "${tree}.partial" >"${tree}.partial/.manifest"; then
		mv -- "${tree}.partial" "$tree"
	else
		rm -rf -- "${tree}.partial"
	fi
	rm -rf -- "$target"
	mv -- "$staging" "$target"
}
