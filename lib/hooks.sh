#!/usr/bin/env bash
# The app's own build hooks (bin/pre_compile, bin/post_compile) and Django's collectstatic.
# Needs lib/core.sh, lib/env.sh, lib/output.sh, lib/signals.sh and lib/slug.sh, and bin/compile's BUILD_DIR and CACHE_DIR.

# hooks::_run_indented ENV_DIR COMMAND...: run with all config vars, output indented; the
# command's exit status is returned. As on Heroku, the command also gets BUILD_DIR (the slug's
# root), CACHE_DIR and ENV_DIR, bin/compile's arguments made absolute; a config var of one of those
# names wins, as there.
hooks::_run_indented() {
	local env_dir="$1" status=0
	shift
	(
		set -o pipefail
		{
			# The hook doesn't get the build's cache lock (fd 8); what it leaves running is stopped
			# when it ends, so that nothing it started outlives it or holds its output open.
			# Its own process group (job control), so that what it leaves behind can be found.
			# What left the group (setsid) still carries the build's mark (signals::strays), which
			# a config var can't change.
			local hook_status=0 group
			local -a strays
			signals::mark
			[[ -z "${BUILD_DIR:-}" ]] || export BUILD_DIR
			[[ -z "${CACHE_DIR:-}" ]] || export CACHE_DIR
			[[ -z "$env_dir" ]] || export ENV_DIR="$env_dir"
			set -m
			env::run_with_all "$env_dir" env PYBUILDPACK_RUN="$PYBUILDPACK_RUN" "$@" 8>&- 2>&1 &
			group=$!
			wait "$group" || hook_status=$?
			mapfile -t strays < <(signals::strays "$$")
			if kill -0 -- "-${group}" 2>/dev/null || ((${#strays[@]})); then
				echo "(the command left processes running; they were stopped)"
				signals::terminate "-${group}" "${strays[@]}"
			fi
			exit "$hook_status"
		} 2>/dev/null | output::indent # (the shell's own job messages go nowhere)
	) || status=$?
	return "$status"
}

# hooks::run NAME BUILD_DIR ENV_DIR: run BUILD_DIR/bin/NAME if the app has one.
hooks::run() {
	local name="$1" build_dir="$2" env_dir="$3" status=0
	local hook="${build_dir}/bin/${name}"
	[[ -f "$hook" ]] || return 0
	output::step "Running bin/${name}"
	(cd "$build_dir" && hooks::_run_indented "$env_dir" bash "$hook") || status=$?
	if ((status != 0)); then
		output::fail "hooks::${name//_/-}" "The app's bin/${name} hook failed (exit status ${status})" \
			"Its output is shown above." "" \
			"Fix bin/${name}, or remove it if the build no longer needs it."
	fi
}

# hooks::fail_cache_removed NAME CACHE_DIR: the error of a build whose bin/NAME removed the build
# cache (see bin/compile's run_hook).
hooks::fail_cache_removed() {
	local name="$1" cache_dir="$2"
	output::fail "hooks::cache-removed" "bin/${name} removed the build cache" \
		"Where: CACHE_DIR, ${cache_dir}" \
		"It held this build's own tools, the cached runtime and environment, and the cache's lock: a" \
		"cache removed halfway through a build can't be saved whole, so nothing of this build is" \
		"saved. The next build starts with an empty cache." "" \
		"Don't remove CACHE_DIR (or CACHE_DIR/python) in bin/${name}. To clear the build cache," \
		"purge it (heroku builds:cache:purge), or give the build an empty CACHE_DIR."
}

# hooks::collectstatic APP_DIR ENV_DIR PYTHON MANAGE_PY: Django's collectstatic with the app's
# MANAGE_PY; none (empty) when Django is not installed or the app has no manage.py (the core's
# answer, lib/pybuildpack/webapp/django.py's hand_collectstatic: the shallowest manage.py up to
# three levels down). DISABLE_COLLECTSTATIC=1 (config var) skips it.
hooks::collectstatic() {
	local build_dir="$1" env_dir="$2" python="$3" manage="$4" status=0 disabled=""
	[[ -n "$manage" ]] || return 0
	disabled="$(env::get "$env_dir" DISABLE_COLLECTSTATIC)"
	if [[ -n "$disabled" && "$disabled" != "0" ]]; then
		output::step "Skipping Django collectstatic (DISABLE_COLLECTSTATIC=${disabled})"
		return 0
	fi
	local relative="${manage#"${build_dir}/"}"
	output::step "\$ python ${relative} collectstatic --noinput"
	(cd "$(dirname -- "$manage")" &&
		hooks::_run_indented "$env_dir" env PATH="$(dirname -- "$python"):${PATH}" \
			"$python" manage.py collectstatic --noinput) || status=$?
	if ((status != 0)); then
		output::fail "hooks::collectstatic" "Django's collectstatic failed (exit status ${status})" \
			"Where: ${relative}; Django's message is shown above." "" \
			"The usual fixes:" \
			" - set STATIC_ROOT in the settings (the directory collectstatic writes to);" \
			" - make the settings importable without config vars the build doesn't have;" \
			" - or skip it: heroku config:set DISABLE_COLLECTSTATIC=1"
	fi
}
