#!/usr/bin/env bash
# Build output in the buildpack's conventions: steps, indented details, and ' !     ' blocks.

# A step: '-----> message'.
output::step() {
	echo "-----> $*"
}

# A detail under the current step, indented 7 spaces.
output::info() {
	local line
	for line in "$@"; do
		echo "       ${line}"
	done
}

# The command that hides credentials in a stream: the core's one redactor,
# `python -m pybuildpack.redact` (lib/pybuildpack/redact.py). bin/compile sets it (output::use_core)
# as soon as the core is unpacked, before anything runs whose output is indented.
declare -ga OUTPUT_REDACTOR=()
# Where the reason of the build's first failure is recorded (see lib/pybuildpack/state.py);
# bin/compile sets it to WORK_DIR/failure.
OUTPUT_FAILURE_FILE=""

# output::use_core PYTHON CORE_DIR: redact with the core unpacked in CORE_DIR (in isolated mode:
# an app's own modules in the working directory can't stand in for it).
output::use_core() {
	OUTPUT_REDACTOR=("$1" -I -u -c 'import sys
sys.path.insert(0, sys.argv[1])
from pybuildpack.redact import main
sys.exit(main())' "$2")
}

# Indent a stream (tool output) under the current step, credentials in URLs hidden.
output::indent() {
	if ((${#OUTPUT_REDACTOR[@]} == 0)); then
		echo "output::indent: no redactor (call output::use_core first)" >&2
		return 70
	fi
	"${OUTPUT_REDACTOR[@]}" | sed -u -e 's/^/       /'
}

# A block of lines on stderr, each starting with ' !     '.
output::_block() {
	local line
	echo >&2
	for line in "$@"; do
		if [[ -n "$line" ]]; then
			echo " !     ${line}" >&2
		else
			echo " !" >&2
		fi
	done
	echo >&2
}

# output::warning TITLE [LINE...]
output::warning() {
	local title="$1"
	shift
	output::_block "Warning: ${title}" "$@"
}

# output::error [REASON] TITLE [LINE...]: print the error block (the caller exits). REASON
# (area::reason, listed in the README) is recorded as the build's failure reason.
output::error() {
	if [[ "$1" =~ ^[a-z][a-z0-9-]*::[a-z0-9-]+$ ]]; then
		output::record_failure "$1" "$2"
		shift
	fi
	local title="$1"
	shift
	output::_block "Error: ${title}" "$@"
}

# output::fail [REASON] TITLE [LINE...]: print the error block and exit 1.
output::fail() {
	output::error "$@"
	exit 1
}

# output::record_failure REASON DETAIL: the first failure of the build wins.
output::record_failure() {
	[[ -n "$OUTPUT_FAILURE_FILE" && ! -e "$OUTPUT_FAILURE_FILE" ]] || return 0
	printf '%s\n%s\n' "$1" "$2" >"$OUTPUT_FAILURE_FILE" 2>/dev/null || true
}

# Internal errors: a bug in the buildpack, not in the app. Prints a stack trace.
output::internal_error() {
	local status="$1" command="$2"
	local -a trace=()
	local i
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		trace+=("  at ${FUNCNAME[$i]} (${BASH_SOURCE[$i]#"${BUILDPACK_DIR:-}/"}:${BASH_LINENO[$((i - 1))]})")
	done
	output::error "internal-error::bash" "Internal error in the Python buildpack (exit status ${status})" \
		"Command: ${command}" "${trace[@]}" "" \
		"This is a bug in the buildpack, not in your app. Please report it with this output."
}

# Step timing: timer::start NAME; timer::stop; timer::summary prints every step's duration.
declare -ga TIMER_NAMES=()
declare -ga TIMER_SECONDS=()
TIMER_CURRENT=""
TIMER_STARTED=0

timer::now() {
	date +%s.%N
}

timer::start() {
	timer::stop
	TIMER_CURRENT="$1"
	TIMER_STARTED="$(timer::now)"
}

timer::stop() {
	if [[ -n "$TIMER_CURRENT" ]]; then
		TIMER_NAMES+=("$TIMER_CURRENT")
		TIMER_SECONDS+=("$(awk -v a="$TIMER_STARTED" -v b="$(timer::now)" 'BEGIN { printf "%.1f", b - a }')")
		TIMER_CURRENT=""
	fi
}

timer::summary() {
	timer::stop
	local i total=0 parts=""
	for i in "${!TIMER_NAMES[@]}"; do
		parts+="${parts:+, }${TIMER_NAMES[$i]} ${TIMER_SECONDS[$i]}s"
		total="$(awk -v a="$total" -v b="${TIMER_SECONDS[$i]}" 'BEGIN { printf "%.1f", a + b }')"
	done
	output::step "Done in ${total}s (${parts})"
}
