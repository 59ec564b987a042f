#!/usr/bin/env bash
# The build report: CACHE_DIR/python/report.json, written at the end of every build (failed ones
# too) and printed by bin/report.

declare -ga REPORT_FIELDS=()

# report::set KEY VALUE
report::set() {
	REPORT_FIELDS+=("--field" "$1=$2")
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
	local env_args=()
	[[ -d "${BUILD_DIR:-}/.heroku/venv" ]] && env_args=(--env "${BUILD_DIR}/.heroku/venv")
	tools::run "$BOOTSTRAP_PYTHON" "$TOOLS_DIR" write-report --out "${STATE_DIR}/report.json" \
		--timers "$timers" "${REPORT_FIELDS[@]}" "${env_args[@]}" >/dev/null 2>&1 || true
}
