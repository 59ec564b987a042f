#!/usr/bin/env bash
# Config vars: ENV_DIR holds one file per var (names that are not shell identifiers are ignored;
# values are read verbatim, newlines included). Hooks and collectstatic get every config var; the
# build itself only the buildpack's own settings below. What reaches pip (an allow-list of PIP_*
# vars, and the vars requirements files expand) is decided by the Python core, which reads
# ENV_DIR itself (lib/pybuildpack/context.py).

# The buildpack's settings a config var may set. Nothing internal: the buildpack's own state never
# lives in a name a config var can set.
ENV_SETTINGS=(
	BUILDPACK_MIRROR_URL
	BUILDPACK_APP_SUBDIR
	BUILDPACK_PYTHON
	BUILDPACK_DETECT_PREREQUISITES
	BUILDPACK_BUILD_PREREQUISITES
	BUILDPACK_BOOTSTRAP_LIBRARIES
	BUILDPACK_PACKAGE_MANAGER
	BUILDPACK_INSTALLER
	BUILDPACK_INSTALL_GROUPS
	BUILDPACK_INSTALL_EXTRAS
	BUILDPACK_COMPILE_ALL
	BUILDPACK_SLUG_SIZE_WARNING
)

# env::_each ENV_DIR CALLBACK: CALLBACK NAME PATH for every config var in ENV_DIR. A file the
# build's user can't read is none (a CNB build runs unprivileged; the core skips it too:
# context.ConfigVars).
env::_each() {
	local env_dir="$1" callback="$2" path name
	[[ -n "$env_dir" && -d "$env_dir" ]] || return 0
	for path in "$env_dir"/* "$env_dir"/.[!.]*; do
		[[ -f "$path" && -r "$path" ]] || continue
		name="${path##*/}"
		[[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
		"$callback" "$name" "$path"
	done
}

# env::is_setting NAME: is this one of the buildpack's settings?
env::is_setting() {
	local setting
	for setting in "${ENV_SETTINGS[@]}"; do
		[[ "$1" == "$setting" ]] && return 0
	done
	return 1
}

env::_export_setting() {
	env::is_setting "$1" || return 0
	export "${1}=$(<"$2")"
}

# Config vars that never reach hooks or collectstatic (Heroku's convention): they would change
# which programs run and what they load, not the app's settings. PYTHONHOME and PYTHONPLATLIBDIR
# tell Python where its own standard library is: set to anything but the runtime's own, the app's
# Python can't start ("Failed to import encodings"), and the runtime knows where it is.
# PYTHONPATH is the app's (a src/ layout needs it) and is passed on, as on Heroku.
ENV_DENYLIST=(PATH GIT_DIR CPATH CPPATH LD_PRELOAD LIBRARY_PATH LD_LIBRARY_PATH PYTHONHOME PYTHONPLATLIBDIR)

# env::sanitize: the build's own environment (the platform's, or an earlier buildpack's) never
# tells the app's Python where its files are: PYTHONHOME, PYTHONPATH and PYTHONPLATLIBDIR are
# unset once, at the start of a build, as Heroku's buildpack does. (The core runs isolated, -I.)
env::sanitize() {
	unset PYTHONHOME PYTHONPATH PYTHONPLATLIBDIR
}

env::_export() {
	local denied
	for denied in "${ENV_DENYLIST[@]}"; do
		[[ "$1" == "$denied" ]] && return 0
	done
	export "${1}=$(<"$2")"
}

# env::load ENV_DIR: export the buildpack's settings found in ENV_DIR.
env::load() {
	env::_each "$1" env::_export_setting
}

# env::app_dir BUILD_DIR: the app's directory: BUILD_DIR, or BUILDPACK_APP_SUBDIR inside it (an
# app in a subdirectory of a monorepo). Returns 1, printing nothing, when BUILDPACK_APP_SUBDIR names
# no directory inside BUILD_DIR (an absolute path, a .., or nothing there).
env::app_dir() {
	local build_dir="$1" subdir="${BUILDPACK_APP_SUBDIR:-}"
	subdir="${subdir%/}"
	if [[ -z "${BUILDPACK_APP_SUBDIR:-}" ]]; then
		echo "$build_dir"
		return 0
	fi
	[[ "$subdir" != /* && "/${subdir}/" != */../* && -d "${build_dir}/${subdir}" ]] || return 1
	(cd "${build_dir}/${subdir}" && pwd)
}

# env::get ENV_DIR NAME: one config var's value (nothing when it is not set, or can't be read).
env::get() {
	local env_dir="$1" name="$2"
	if [[ -n "$env_dir" && "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ && -f "${env_dir}/${name}" && -r "${env_dir}/${name}" ]]; then
		printf '%s' "$(<"${env_dir}/${name}")"
	fi
}

# env::run_with_all ENV_DIR COMMAND...: run COMMAND with every config var in its environment
# (hooks and collectstatic get them all but ENV_DENYLIST), in a subshell.
env::run_with_all() {
	local env_dir="$1"
	shift
	(
		env::_each "$env_dir" env::_export
		exec "$@"
	)
}
