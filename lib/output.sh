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

# Indent a stream (tool output) under the current step.
# Credentials in URLs are hidden on the way, as lib/pybuildpack/redact.py does for what the Python
# core prints: scheme://user:password@ -> scheme://user:****@, and scheme://TOKEN@ (16 characters
# or more) -> scheme://****@.
output::indent() {
	sed -u -E \
		-e 's#([a-zA-Z][a-zA-Z0-9+.-]*://)([^/[:space:]:@]+):([^/[:space:]@]+)@#\1\2:****@#g' \
		-e 's#([a-zA-Z][a-zA-Z0-9+.-]*://)([^/[:space:]:@]{16,})@#\1****@#g' \
		-e 's/^/       /'
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

# output::error TITLE [LINE...]: print the error block (the caller exits).
output::error() {
	local title="$1"
	shift
	output::_block "Error: ${title}" "$@"
}

# output::fail TITLE [LINE...]: print the error block and exit 1.
output::fail() {
	output::error "$@"
	exit 1
}

# Internal errors: a bug in the buildpack, not in the app. Prints a stack trace.
output::internal_error() {
	local status="$1" command="$2"
	local -a trace=()
	local i
	for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
		trace+=("  at ${FUNCNAME[$i]} (${BASH_SOURCE[$i]#"${BUILDPACK_DIR:-}/"}:${BASH_LINENO[$((i - 1))]})")
	done
	output::error "Internal error in the Python buildpack (exit status ${status})" \
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
