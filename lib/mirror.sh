#!/usr/bin/env bash
# The mirror: a file:// or https:// base URL holding runtime and library archives, each with a
# NAME.sha256 checksum file, and optionally index.txt listing the archives.

# Heroku's own public runtime archives, the default on Heroku stacks. They carry no checksum files;
# they are fetched over TLS as Heroku's buildpack does.
MIRROR_HEROKU_URL="https://heroku-buildpack-python.s3.us-east-1.amazonaws.com"

# mirror::url: the base URL in use, or nothing when none is configured.
mirror::url() {
	if [[ -n "${BUILDPACK_MIRROR_URL:-}" ]]; then
		echo "${BUILDPACK_MIRROR_URL%/}"
	elif [[ "${STACK:-}" == heroku-22 || "${STACK:-}" == heroku-24 ]]; then
		echo "$MIRROR_HEROKU_URL"
	fi
}

# mirror::check: fail with a clear error when no mirror is configured (call it outside $(...)).
mirror::check() {
	if [[ -z "$(mirror::url)" ]]; then
		output::fail "No mirror is configured to download the Python runtime from" \
			"Off Heroku's stacks (STACK is '${STACK:-unset}') there is no default mirror." \
			"" \
			"Set BUILDPACK_MIRROR_URL (as an environment variable or a config var) to a" \
			"file:// or https:// URL that holds the runtime archives, e.g. one made with" \
			"'make mirror' (see 'Building a mirror' in the buildpack's README):" \
			"  BUILDPACK_MIRROR_URL=file:///srv/python-mirror"
	fi
}

# mirror::_requires_checksum URL: every mirror but Heroku's own must publish checksums.
mirror::_requires_checksum() {
	[[ "$1" != "$MIRROR_HEROKU_URL" ]]
}

# mirror::_download URL DEST: 0 on success, 2 when the file does not exist, 1 on other failures.
mirror::_download() {
	local url="$1" dest="$2"
	case "$url" in
	file://*)
		local path="${url#file://}"
		[[ -e "$path" ]] || return 2
		cp -- "$path" "$dest" 2>/dev/null || return 1
		;;
	http://* | https://*)
		local code
		code="$(curl --silent --show-error --location --output "$dest" --write-out '%{http_code}' \
			--retry "${MIRROR_RETRIES:-3}" --retry-delay 1 --retry-connrefused \
			--connect-timeout 10 --max-time 600 -- "$url" 2>/dev/null)" || return 1
		case "$code" in
		200) return 0 ;;
		404 | 403) return 2 ;;
		*) return 1 ;;
		esac
		;;
	*) return 1 ;;
	esac
}

# mirror::index DEST: fetch the mirror's index.txt into DEST. Returns 1 when it has none.
mirror::index() {
	local url dest="$1"
	url="$(mirror::url)"
	[[ -n "$url" ]] || return 1
	mirror::_download "${url}/index.txt" "$dest" || {
		rm -f -- "$dest"
		return 1
	}
}

# mirror::redact URL: the URL without credentials, for messages.
mirror::redact() {
	sed -E 's#(://[^/:@]+):[^/@]+@#\1:****@#' <<<"$1"
}

# mirror::fetch NAME DEST WHAT: download NAME from the mirror to DEST, verified against NAME.sha256.
# WHAT names the thing for messages ("Python 3.13.5"). Nothing is left at DEST unless verified.
mirror::fetch() {
	local name="$1" dest="$2" what="$3" url base shown tmp status=0
	mirror::check
	base="$(mirror::url)"
	url="${base}/${name}"
	shown="$(mirror::redact "$url")"
	tmp="${dest}.partial.$$"
	rm -f -- "$tmp" "${tmp}.sha256"
	mirror::_download "$url" "$tmp" || status=$?
	if ((status != 0)); then
		rm -f -- "$tmp"
		if ((status == 2)); then
			output::fail "The mirror has no ${what} archive" \
				"Missing: ${shown}" "" \
				"Check BUILDPACK_MIRROR_URL, or add the archive to the mirror" \
				"(see 'Building a mirror' in the buildpack's README)."
		fi
		output::fail "Could not download ${what} from the mirror" \
			"URL: ${shown}" \
			"The mirror could not be reached (retried ${MIRROR_RETRIES:-3} times)." "" \
			"Check that BUILDPACK_MIRROR_URL is right and the mirror is up, then build again."
	fi
	if mirror::_download "${url}.sha256" "${tmp}.sha256"; then
		local expected actual
		expected="$(awk 'NR == 1 { print $1 }' "${tmp}.sha256")"
		actual="$(sha256sum -- "$tmp" | awk '{ print $1 }')"
		if [[ "$expected" != "$actual" ]]; then
			rm -f -- "$tmp" "${tmp}.sha256"
			output::fail "Checksum mismatch for ${what}: the download is not the published archive" \
				"URL: ${shown}" \
				"Expected sha256 ${expected:-<empty checksum file>}" \
				"Got      sha256 ${actual}" "" \
				"Nothing of it was used or cached. If the mirror was just updated, build again;" \
				"otherwise rebuild the archive and its .sha256 on the mirror."
		fi
		printf '%s  %s\n' "$actual" "$name" >"${tmp}.sha256"
	elif mirror::_requires_checksum "$base"; then
		rm -f -- "$tmp" "${tmp}.sha256"
		output::fail "The mirror publishes no checksum for ${what}" \
			"Missing: ${shown}.sha256" "" \
			"Every archive on a mirror needs a NAME.sha256 file next to it ('sha256sum NAME')."
	else
		printf '%s  %s\n' "$(sha256sum -- "$tmp" | awk '{ print $1 }')" "$name" >"${tmp}.sha256"
	fi
	mv -f -- "${tmp}.sha256" "${dest}.sha256"
	mv -f -- "$tmp" "$dest"
}
