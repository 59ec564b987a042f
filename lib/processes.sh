#!/usr/bin/env bash
# The app's process types, checked at the end of the build: mistakes that would only show when the
# dyno starts (no web process, a web server that is not installed) are warnings in the build log.
# Needs lib/output.sh.

# Python servers a Procfile starts: their console script, and the package that installs it.
PROCESSES_SERVERS=(gunicorn:gunicorn uvicorn:uvicorn hypercorn:hypercorn daphne:daphne waitress-serve:waitress
	celery:celery)

# processes::default_web BUILD_DIR: the web process bin/release infers without a Procfile (or nothing).
processes::default_web() {
	"${BUILDPACK_DIR}/bin/release" "$1" | sed -n 's/^  web: "\(.*\)"$/\1/p'
}

# processes::check BUILD_DIR ENV_BIN: warn about the Procfile's (or the inferred) process types
# (ENV_BIN: the environment's bin/, where their servers' scripts are).
processes::check() {
	local build_dir="$1" env_bin="$2" line name command
	if [[ ! -f "${build_dir}/Procfile" ]]; then
		command="$(processes::default_web "$build_dir")"
		if [[ -z "$command" ]]; then
			output::warning "No Procfile: the app has no process types, so no web dyno starts" \
				"Add a Procfile at the root of the app that says how to start it, for example:" \
				"  web: gunicorn myproject.wsgi" "or, for a Flask app in app.py:" "  web: gunicorn app:app"
			return 0
		fi
		line="web: ${command} (inferred: there is no Procfile)"
		processes::_check_program "$env_bin" "$line" "$command"
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
