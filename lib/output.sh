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
# lib/pybuildpack/redact.py (standard library only). bin/compile sets it (output::use_redactor)
# before anything runs whose output is indented.
declare -ga OUTPUT_REDACTOR=()
# Where the reason of the build's first failure is recorded (see lib/pybuildpack/state.py);
# bin/compile sets it to WORK_DIR/failure.
OUTPUT_FAILURE_FILE=""

# output::use_redactor PYTHON LIB_DIR: redact with LIB_DIR/pybuildpack/redact.py, the buildpack's
# own file, never the core's copy in CACHE_DIR: the redactor runs beside the app's hooks, and a
# hook may remove CACHE_DIR (which the build then reports) before the redactor has read its
# modules, or while it writes their bytecode. Isolated (-I: an app's modules can't stand in for
# it), writing no bytecode (-B: the buildpack's directory may be read-only), unbuffered.
output::use_redactor() {
	OUTPUT_REDACTOR=("$1" -I -B -u "${2}/pybuildpack/redact.py")
}

# Indent a stream (tool output) under the current step, credentials in URLs hidden.
output::indent() {
	if ((${#OUTPUT_REDACTOR[@]} == 0)); then
		echo "output::indent: no redactor (call output::use_redactor first)" >&2
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
# (In the shell itself, in whole microseconds: a build's timers started 20 processes, date's and
# awk's, 0.03 s of an unchanged rebuild's CPU.)
declare -ga TIMER_NAMES=()
declare -ga TIMER_SECONDS=()
TIMER_CURRENT=""
TIMER_STARTED=0
TIMER_STARTED_US=0

# timer::_now: the time now in microseconds since the epoch, in TIMER_NOW (bash's EPOCHREALTIME,
# whatever the locale's decimal point; date's where the shell has none).
timer::_now() {
	local now="${EPOCHREALTIME:-}"
	if [[ -z "$now" ]]; then
		now="$(date +%s.%N)"
		now="${now:0:${#now}-3}"
	fi
	TIMER_NOW="${now//[!0-9]/}"
}

timer::start() {
	timer::stop
	TIMER_CURRENT="$1"
	timer::_now
	TIMER_STARTED_US="$TIMER_NOW"
	# shellcheck disable=SC2034 # (the step's start in seconds: lib/build.sh hands it to the core)
	TIMER_STARTED="${TIMER_NOW:0:${#TIMER_NOW}-6}.${TIMER_NOW:${#TIMER_NOW}-6}"
}

timer::stop() {
	local tenths
	if [[ -n "$TIMER_CURRENT" ]]; then
		timer::_now
		tenths=$(((TIMER_NOW - TIMER_STARTED_US + 50000) / 100000))
		TIMER_NAMES+=("$TIMER_CURRENT")
		TIMER_SECONDS+=("$((tenths / 10)).$((tenths % 10))")
		TIMER_CURRENT=""
	fi
}

timer::summary() {
	timer::stop
	local i seconds total=0 parts=""
	for i in "${!TIMER_NAMES[@]}"; do
		seconds="${TIMER_SECONDS[$i]}"
		parts+="${parts:+, }${TIMER_NAMES[$i]} ${seconds}s"
		total=$((total + 10#${seconds%.*} * 10 + 10#${seconds#*.}))
	done
	output::step "Done in $((total / 10)).$((total % 10))s (${parts})"
}
