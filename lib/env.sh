#!/usr/bin/env bash
# Config vars: ENV_DIR holds one file per var. Only an allow-list reaches dependency installation.

# Config vars that may reach pip (and so the build of the app's dependencies).
ENV_PIP_ALLOWLIST=(
	PIP_INDEX_URL
	PIP_EXTRA_INDEX_URL
	PIP_TRUSTED_HOST
	PIP_FIND_LINKS
	PIP_NO_BINARY
	PIP_ONLY_BINARY
	PIP_PRE
	PIP_DEFAULT_TIMEOUT
	PIP_RETRIES
)

# env::is_allowed NAME: is this config var passed to the install?
env::is_allowed() {
	local name="$1" allowed
	[[ "$name" == BUILDPACK_* ]] && return 0
	for allowed in "${ENV_PIP_ALLOWLIST[@]}"; do
		[[ "$name" == "$allowed" ]] && return 0
	done
	return 1
}

# env::load ENV_DIR: export the allowed config vars found in ENV_DIR. Values are read verbatim
# (newlines included); names that are not shell identifiers are ignored. The names of the PIP_*
# vars loaded are listed in BUILDPACK_PIP_CONFIG_VARS: pip sees those and no other PIP_* setting.
env::load() {
	local env_dir="$1" path name
	export BUILDPACK_PIP_CONFIG_VARS=""
	[[ -n "$env_dir" && -d "$env_dir" ]] || return 0
	for path in "$env_dir"/* "$env_dir"/.[!.]*; do
		[[ -f "$path" ]] || continue
		name="${path##*/}"
		[[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
		env::is_allowed "$name" || continue
		export "${name}=$(<"$path")"
		if [[ "$name" == PIP_* ]]; then
			BUILDPACK_PIP_CONFIG_VARS+="${BUILDPACK_PIP_CONFIG_VARS:+ }${name}"
		fi
	done
}

# env::run_with_all ENV_DIR COMMAND...: run COMMAND with every config var in its environment
# (hooks and collectstatic get them all), in a subshell.
env::run_with_all() {
	local env_dir="$1"
	shift
	(
		if [[ -n "$env_dir" && -d "$env_dir" ]]; then
			local path name
			for path in "$env_dir"/* "$env_dir"/.[!.]*; do
				[[ -f "$path" ]] || continue
				name="${path##*/}"
				[[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
				export "${name}=$(<"$path")"
			done
		fi
		exec "$@"
	)
}
