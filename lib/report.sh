#!/usr/bin/env bash
# The build report: CACHE_DIR/python/report.json, written at the end of every build (failed ones
# too) by the core's `finish` and printed by bin/report. When CACHE_DIR can't be written, the
# report goes to the buildpack's own directory instead (where `export` goes too), named after
# CACHE_DIR.

# report::fallback_path CACHE_DIR: where the report of a build whose CACHE_DIR can't be written goes.
report::fallback_path() {
	printf '%s/reports/%s.json' "$BUILDPACK_DIR" "$(printf '%s' "$1" | sha256sum | cut -c 1-16)"
}

# report::path CACHE_DIR STATE_DIR: where this build's report goes (the stale fallback is removed
# once CACHE_DIR works again).
report::path() {
	local cache_dir="$1" state_dir="$2" fallback
	fallback="$(report::fallback_path "$cache_dir")"
	if [[ "$state_dir" == "${cache_dir}/python" ]]; then
		rm -f -- "$fallback" 2>/dev/null || true
		printf '%s/report.json' "$state_dir"
	else
		mkdir -p -- "${fallback%/*}" 2>/dev/null || true
		printf '%s' "$fallback"
	fi
}

# report::timers: the finished steps' times, STEP=SECONDS,... (for `finish --timers`).
report::timers() {
	local i timers=""
	for i in "${!TIMER_NAMES[@]}"; do
		timers+="${timers:+,}${TIMER_NAMES[$i]}=${TIMER_SECONDS[$i]}"
	done
	printf '%s' "$timers"
}
