#!/usr/bin/env bash
# The build report: CACHE_DIR/python/report.json, written at the end of every build (failed ones
# too) and printed by bin/report. When CACHE_DIR can't be written, the report goes to the
# buildpack's own directory instead (where `export` goes too), named after CACHE_DIR.

declare -ga REPORT_FIELDS=()

# report::set KEY VALUE
report::set() {
	REPORT_FIELDS+=("--field" "$1=$2")
}

# report::fallback_path CACHE_DIR: where the report of a build whose CACHE_DIR can't be written goes.
report::fallback_path() {
	printf '%s/reports/%s.json' "$BUILDPACK_DIR" "$(printf '%s' "$1" | sha256sum | cut -c 1-16)"
}

# report::write EXIT_STATUS: best effort; never fails the build.
report::write() {
	local status="$1" failed_step="${TIMER_CURRENT:-}" timers="" i
	[[ -n "${STATE_DIR:-}" && -d "${STATE_DIR}" && -n "${BOOTSTRAP_PYTHON:-}" && -n "${TOOLS_DIR:-}" ]] || return 0
	timer::stop
	for i in "${!TIMER_NAMES[@]}"; do
		timers+="${timers:+,}${TIMER_NAMES[$i]}=${TIMER_SECONDS[$i]}"
	done
	if ((status == 0)); then
		report::set status succeeded
	else
		report::set status failed
		report::set failed_step "$failed_step"
		report::set exit_status "$status"
	fi
	local env_args=() out="${STATE_DIR}/report.json" fallback
	fallback="$(report::fallback_path "$CACHE_DIR")"
	if [[ "$STATE_DIR" != "${CACHE_DIR}/python" ]]; then
		out="$fallback"
		mkdir -p -- "${out%/*}" 2>/dev/null || true
	else
		rm -f -- "$fallback" 2>/dev/null || true
	fi
	[[ -d "${BUILD_DIR:-}/.heroku/venv" ]] && env_args=(--env "${BUILD_DIR}/.heroku/venv")
	tools::run "$BOOTSTRAP_PYTHON" "$TOOLS_DIR" write-report --out "$out" \
		--timers "$timers" "${REPORT_FIELDS[@]}" "${env_args[@]}" >/dev/null 2>&1 || true
}
