#!/usr/bin/env bash
# The app's process types: the web process an app without a Procfile gets (inferred by the core's
# lib/pybuildpack/webapp, for bin/release, the build's message and the CNB default process alike),
# and, at the end of the build, mistakes that would only show when the dyno starts (no web process,
# a web server that is not installed) as warnings in the build log.
# Needs lib/output.sh and lib/core.sh.

# Python servers a Procfile starts: their console script, and the package that installs it.
PROCESSES_SERVERS=(gunicorn:gunicorn uvicorn:uvicorn hypercorn:hypercorn daphne:daphne waitress-serve:waitress
	celery:celery)
# The web process processes::check inferred (empty with a Procfile, or when nothing was).
PROCESSES_WEB=""

# processes::infer BUILD_DIR ENV APP_DIR [--explain]: run the inference (python -m pybuildpack.webapp).
processes::infer() {
	core::run_lib pybuildpack.webapp "$1" "$2" --app "$3" "${@:4}"
}

# processes::default_web BUILD_DIR ENV [APP_DIR]: the web process the app in APP_DIR (BUILD_DIR by
# default; BUILDPACK_APP_SUBDIR) gets without a Procfile (or nothing), run from BUILD_DIR; ENV: its
# virtual environment (what it installs).
processes::default_web() {
	processes::infer "$1" "$2" "${3:-$1}"
}

# processes::check BUILD_DIR ENV_BIN [APP_DIR]: say which web process was inferred for the app in
# APP_DIR (BUILD_DIR by default), or warn why none was, when there is no Procfile (PROCESSES_WEB is
# set to it); warn about the Procfile's (or the inferred) process types (ENV_BIN: the environment's
# bin/, where their servers' scripts are).
processes::check() {
	local build_dir="$1" env_bin="$2" app_dir="${3:-$1}" line name command
	PROCESSES_WEB=""
	if [[ ! -f "${build_dir}/Procfile" ]]; then
		# the messages go to the build's output, the command (fd 3) to PROCESSES_WEB; an inference
		# that fails (its traceback shown) infers nothing, and does not fail a build that worked
		{ PROCESSES_WEB="$(processes::infer "$build_dir" "$(dirname -- "$env_bin")" "$app_dir" --explain 3>&1 >&4 4>&-)"; } 4>&1 ||
			PROCESSES_WEB=""
		[[ -z "$PROCESSES_WEB" ]] ||
			processes::_check_program "$env_bin" "web: ${PROCESSES_WEB} (inferred: there is no Procfile)" "$PROCESSES_WEB"
		return 0
	fi
	while IFS= read -r line || [[ -n "$line" ]]; do
		line="${line%$'\r'}"
		[[ "$line" =~ ^([A-Za-z0-9_-]+):[[:space:]]*(.*)$ ]] || continue
		name="${BASH_REMATCH[1]}"
		command="${BASH_REMATCH[2]}"
		processes::_check_program "$env_bin" "Procfile: ${name}: ${command}" "$command"
	done <"${build_dir}/Procfile"
}

# processes::_check_program ENV_BIN WHERE COMMAND: warn when COMMAND starts (after VAR=value
# assignments and `exec`) a Python server whose console script is not in the environment.
processes::_check_program() {
	local env_bin="$1" where="$2" word server script words=()
	read -ra words <<<"$3"
	for word in "${words[@]}"; do
		[[ "$word" == *=* || "$word" == exec ]] && continue
		for server in "${PROCESSES_SERVERS[@]}"; do
			script="${server%%:*}"
			if [[ "$word" == "$script" && ! -x "${env_bin}/${script}" ]]; then
				output::warning "${script} is not installed, but a process type starts it" \
					"${where}" "" \
					"Add ${server#*:} to requirements.txt (or to your project's dependencies)."
			fi
		done
		return 0
	done
}
