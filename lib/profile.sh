#!/usr/bin/env bash
# What later processes need: .profile.d/python.sh for the dynos, `export` for later buildpacks.

# profile::write_profile_d BUILD_DIR: .profile.d/python.sh and .profile.d/WEB_CONCURRENCY.sh (see
# lib/profile.d), sourced at dyno start from the app dir.
# It finds the app from its own location, so it works wherever the slug is unpacked (/app on
# Heroku). PYTHONHOME is set only when the runtime can't find its own files: when the slug runs
# from neither /app (the runtime's built-in prefix) nor the directory it was built in. A
# PYTHONHOME or PYTHONPLATLIBDIR of the dyno's (a config var) is never kept: it names another
# Python's files, and the runtime would not start. PYTHONPATH is the app's, and kept (as on Heroku).
profile::write_profile_d() {
	local build_dir="$1"
	mkdir -p -- "${build_dir}/.profile.d"
	cat >"${build_dir}/.profile.d/python.sh" <<PROFILE
# Written by the Python buildpack.
if [ -n "\${BASH_SOURCE:-}" ]; then
	_pybp_app="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
else
	_pybp_app="\${HOME:-/app}"
fi
export PATH="\${_pybp_app}/.heroku/venv/bin:\${_pybp_app}/.heroku/python/bin:\${PATH}"
export PYTHONUNBUFFERED="\${PYTHONUNBUFFERED:-true}"
export LANG="\${LANG:-C.UTF-8}"
# gunicorn: trust the router's X-Forwarded-* headers; log requests.
export FORWARDED_ALLOW_IPS="\${FORWARDED_ALLOW_IPS:-*}"
export GUNICORN_CMD_ARGS="\${GUNICORN_CMD_ARGS:---access-logfile -}"
for _pybp_lib in "\${_pybp_app}"/.heroku/vendor/*/lib; do
	[ -d "\${_pybp_lib}" ] && export LD_LIBRARY_PATH="\${_pybp_lib}\${LD_LIBRARY_PATH:+:\${LD_LIBRARY_PATH}}"
done
unset _pybp_lib PYTHONPLATLIBDIR
case "\${_pybp_app}" in
/app | $(printf '%q' "$build_dir")) unset PYTHONHOME ;;
*) export PYTHONHOME="\${_pybp_app}/.heroku/python" ;;
esac
unset _pybp_app
PROFILE
	cp -- "${BUILDPACK_DIR}/lib/profile.d/WEB_CONCURRENCY.sh" "${build_dir}/.profile.d/WEB_CONCURRENCY.sh"
}

# profile::write_export BUILD_DIR FILE: variables for buildpacks that run after this one, in the
# same build (so with the build directory's paths).
profile::write_export() {
	local build_dir="$1" file="$2"
	{
		# shellcheck disable=SC2016 # $PATH expands when the file is sourced
		printf 'export PATH=%q:"$PATH"\n' "${build_dir}/.heroku/venv/bin:${build_dir}/.heroku/python/bin"
		printf 'export VIRTUAL_ENV=%q\n' "${build_dir}/.heroku/venv"
		printf 'export PYTHONUNBUFFERED=%q\n' "${PYTHONUNBUFFERED:-true}"
		printf 'export LANG=%q\n' "${LANG:-C.UTF-8}"
		local lib prefix
		for lib in "${build_dir}"/.heroku/vendor/*/lib; do
			[[ -d "$lib" ]] || continue
			prefix="${lib%/lib}"
			# shellcheck disable=SC2016 # the variables expand when the file is sourced
			printf 'export LD_LIBRARY_PATH=%q"${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\n' "$lib"
			# shellcheck disable=SC2016
			printf 'export LIBRARY_PATH=%q"${LIBRARY_PATH:+:$LIBRARY_PATH}"\n' "$lib"
			# shellcheck disable=SC2016
			printf 'export CPATH=%q"${CPATH:+:$CPATH}"\n' "${prefix}/include"
			# shellcheck disable=SC2016
			printf 'export PKG_CONFIG_PATH=%q"${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"\n' "${lib}/pkgconfig"
		done
	} >"$file"
}
