# shellcheck shell=bash
# shellcheck disable=SC2034 # (globals the trials read)
# The bad-input trials' harness (sourced by run.sh): each trial makes an app, builds it through one
# of the two contracts, and records one row: id, exit, first line, next good build, notes.
#
# MODE=classic: bin/compile APP CACHE_DIR ENV_DIR, as root, BUILDPACK_MIRROR_URL in the environment.
# MODE=cnb: test/cnb/lifecycle.py build --buildpack BP --app APP --state STATE --platform PLATFORM
#   (detect, restore, bin/build as nobody with clear-env, export); the config vars are the files of
#   PLATFORM/env (ENVD), the mirror one of them; the cache is the STATE directory, kept between a
#   trial's builds and its next good build; a warm start is a copy of one good STATE. The layers are
#   unpacked at STATE's absolute path, so every trial's STATE is the same directory ($T/state).
#
# What a trial sees, in both modes: APP (the app's sources), ENVD (the config vars), CACHE (CACHE_DIR,
# or STATE: `rm -rf "$CACHE"/*` is a cold start in both), VENV (the built environment: the slug's
# .heroku/venv or the venv layer), CPY (the buildpack's cache: CACHE_DIR/python or the cache layer's
# python/, which a trial that edits it must `reseal` before the next build, as a platform that
# restored it damaged would hand it back), OUT and RC of the last build.
set -u
MODE=${MODE:-classic}
TRIALS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BP=${BP:-$(cd "$TRIALS_DIR/../.." && pwd)}
T=${TRIALS_WORK:-/tmp/pybuildpack-trials-$MODE}
MIR=${TRIALS_MIRROR:-file://$BP/.mirror}
TOOLS=${TRIALS_TOOLS:-$BP/.tools/bin}
LIFECYCLE=$BP/test/cnb/lifecycle.py
BPID=pybuildpack_python
R=$T/run
RES=$T/results.tsv
LOCK=${TRIALS_LOCK:-/tmp/pybuildpack-trials.lock}
TPL=$T/tpl
mkdir -p "$R"
chmod 0755 "$T" "$R"

# new ID [cold]: a fresh trial: the six app, a warm cache (unless cold), empty config vars.
new() {
	ID=$1
	D=$R/$ID
	rm -rf "$D"
	mkdir -p "$D/app" "$D/env" "$D/tmp"
	printf 'six==1.16.0\n' >"$D/app/requirements.txt"
	printf '3.13\n' >"$D/app/.python-version"
	APP=$D/app
	ENVD=$D/env
	N=0
	NEXT=-
	NOTE=""
	UNEXPORTED=""
	if [[ $MODE == cnb ]]; then
		chmod 0777 "$D" # (hooks run as the build user, and some write their findings here)
		CACHE=$T/state
		rm -rf "$CACHE"
		LAYERS=$CACHE/layers/$BPID
		mkdir -p "$CACHE"
		[[ ${2:-} == cold ]] || warm_state
		VENV=$LAYERS/venv
		CPY=$LAYERS/cache/python
	else
		CACHE=$D/cache
		mkdir -p "$CACHE"
		[[ ${2:-} == cold ]] || cp -a "$T/base/cache/." "$CACHE/"
		VENV=$APP/.heroku/venv
		CPY=$CACHE/python
	fi
}

# warm_state: the base STATE into CACHE: its image and cache blobs linked (never written in place),
# their config.json copied, its layers directory copied but for the runtime's (every build restores
# that from the cache; a trial edits the others and reseals them)
warm_state() {
	local base=$T/base/state l
	cp -al "$base/image" "$base/cache" "$CACHE/"
	rm "$CACHE/image/config.json" "$CACHE/cache/config.json"
	cp "$base/image/config.json" "$CACHE/image/"
	cp "$base/cache/config.json" "$CACHE/cache/"
	cp "$base/last-build.json" "$CACHE/"
	mkdir -p "$LAYERS"
	for l in "$base/layers/$BPID"/*; do
		[[ ${l##*/} == python ]] || cp -a "$l" "$LAYERS/"
	done
}

# platform_for DIR [VAR=val | -u VAR ...]: DIR/env = ENVD, plus the mirror unless ENVD names one,
# with these variables set or removed (MODE=cnb: the environment does not reach the build).
platform_for() {
	local dir=$1 a
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$ENVD" "$dir/env"
	[[ -e $dir/env/BUILDPACK_MIRROR_URL ]] || printf '%s' "$MIR" >"$dir/env/BUILDPACK_MIRROR_URL"
	while (($#)); do
		a=$1
		shift
		if [[ $a == -u ]]; then
			rm -f "$dir/env/$1"
			shift
		elif [[ $a == *=* ]]; then
			printf '%s' "${a#*=}" >"$dir/env/${a%%=*}"
		fi
	done
}

# compile_cmd APP CACHE ENVD [VAR=val ...]: the build's command line for the mode, in CMD.
compile_cmd() {
	local app=$1 cache=$2 envd=$3
	shift 3
	if [[ $MODE == cnb ]]; then
		platform_for "$D/platform.$N" "$@"
		CMD=(python3 "$LIFECYCLE" build --buildpack "$BP" --app "$app" --state "$cache" --platform "$D/platform.$N")
	else
		CMD=(env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$@" "$BP/bin/compile" "$app" "$cache" "$envd")
	fi
}

# build [VAR=val | -u VAR ...]: one build of APP with CACHE and ENVD, one at a time (the lock).
build() {
	N=$((N + 1))
	OUT=$D/out.$N
	local t0=$SECONDS
	compile_cmd "$APP" "$CACHE" "$ENVD" "$@"
	local image_before
	image_before=$(image_id)
	(
		flock 9
		cd "$D" && exec nice -n 10 timeout -s TERM "${TO:-300}" "${CMD[@]}"
	) >"$OUT" 2>&1 9>"$LOCK"
	RC=$?
	SECS=$((SECONDS - t0))
	bp_status
	UNEXPORTED=""
	[[ $MODE != cnb || $RC == 0 || $(image_id) != "$image_before" ]] || UNEXPORTED=1
}

# image_id: MODE=cnb: the STATE's exported image and cache (their config.json), to tell whether a
# build exported anything
image_id() { cat "$CACHE/image/config.json" "$CACHE/cache/config.json" 2>/dev/null | cksum; }

# bp_status: MODE=cnb: RC becomes the buildpack's own exit status where the lifecycle names it (the
# lifecycle itself exits 51 for any failed build); LRC keeps the lifecycle's
bp_status() {
	LRC=$RC
	[[ $MODE == cnb ]] || return 0
	local s
	s=$(grep -a -m1 -o 'failed to build: exit status [0-9]*' "$OUT" | grep -o '[0-9]*$')
	[[ -z $s ]] || RC=$s
}

# runcmd CMD...: any other command, output in OUT, exit in RC
runcmd() {
	N=$((N + 1))
	OUT=$D/out.$N
	local t0=$SECONDS
	(cd "$D" && nice -n 10 timeout -s TERM "${TO:-300}" "$@") >"$OUT" 2>&1
	RC=$?
	SECS=$((SECONDS - t0))
}

# slugpy ARGS...: the built environment's python (MODE=cnb: the image launched, as nobody).
slugpy() {
	if [[ $MODE == cnb ]]; then
		python3 "$LIFECYCLE" launch --state "$CACHE" -- python "$@"
	else
		"$VENV/bin/python" "$@"
	fi
}

# first [ERE]: the line of interest: ERE's first match, else the first Error/Warning line, else -
first() {
	local l=""
	if [[ -n ${1:-} ]]; then l=$(grep -a -m1 -E -- "$1" "$OUT"); fi
	[[ -n $l ]] || l=$(grep -a -E '^ ! +(Error|Warning):' "$OUT" | grep -v 'No Procfile' | head -1)
	[[ -n $l ]] || l=$(grep -a -m1 -E '^(Error|Warning|Usage|No )' "$OUT")
	[[ -n $l ]] || l=$(grep -a -m1 -E '^\[lifecycle emulation\] (failed|no buildpack|.*cannot)' "$OUT")
	l=$(printf '%s' "$l" | sed -E 's/^ ! +//; s/^-----> /(info) /; s/^ +/(info) /' | cut -c1-200)
	FIRST=${l:--}
}

# next [CACHE]: the next good build (the six app) with this trial's cache; ok when it exits 0 and
# its environment imports six. KEEP_NEXT=1: its slug stays (classic) for the trial to look at.
# MODE=cnb, after a failed build that exported nothing: not run (the note says so).
next() {
	local nd=$D/next rc
	if [[ -n ${UNEXPORTED:-} && -z ${1:-} ]]; then
		# MODE=cnb: the trial's failed build exported nothing (its image and cache are the last
		# good build's, as the check after it found), so the next build restores a good build's
		# layers: it is not run (runs are long enough)
		NEXT="-"
		note "failed, nothing exported"
		return
	fi
	rm -rf "$nd"
	mkdir -p "$nd/app" "$nd/env"
	printf 'six==1.16.0\n' >"$nd/app/requirements.txt"
	printf '3.13\n' >"$nd/app/.python-version"
	local sENVD=$ENVD
	ENVD=$nd/env
	compile_cmd "$nd/app" "${1:-$CACHE}" "$nd/env"
	ENVD=$sENVD
	(
		flock 9
		cd "$nd" && exec nice -n 10 timeout -s TERM 300 "${CMD[@]}"
	) >"$D/out.next" 2>&1 9>"$LOCK"
	rc=$?
	local py=$nd/app/.heroku/venv/bin/python
	if [[ $MODE == cnb ]]; then
		if [[ $rc == 0 ]] && python3 "$LIFECYCLE" launch --state "${1:-$CACHE}" -- python -c 'import six' >/dev/null 2>&1; then NEXT=ok; else NEXT="FAIL($rc)"; fi
	elif [[ $rc == 0 ]] && "$py" -c 'import six' 2>/dev/null; then NEXT=ok; else NEXT="FAIL($rc)"; fi
	[[ -n ${KEEP_NEXT:-} ]] || rm -rf "$nd/app/.heroku"
}

# nextsite: the next good build's site-packages (keep it with KEEP_NEXT=1 next)
nextsite() {
	if [[ $MODE == cnb ]]; then sitepk; else printf '%s' "$D/next/app/.heroku/venv/lib/python3.13/site-packages"; fi
}

# cachedenv: the environment the cache keeps for the next build (classic: CACHE_DIR's env-*/venv;
# cnb: the venv layer, which a trial that edits must `reseal venv`)
cachedenv() {
	if [[ $MODE == cnb ]]; then printf '%s' "$VENV"; else find "$CPY" -mindepth 2 -maxdepth 2 -path "$CPY/env-*/venv" | head -1; fi
}

rec() { # [exit] [first]  (defaults: RC, FIRST)
	printf '%s\t%s\t%s\t%s\t%s\n' "$ID" "${1:-$RC}" "${2:-$FIRST}" "$NEXT" "$NOTE" | tee -a "$RES"
}
note() { NOTE="${NOTE:+$NOTE; }$*"; }
# na REASON: a trial that has no analogue in this mode
na() {
	NEXT=-
	NOTE=$1
	rec n/a -
}
# classic_only ID REASON: the trial's row in MODE=cnb is n/a; returns 1 there
classic_only() {
	[[ $MODE == cnb ]] || return 0
	ID=$1
	na "$2"
	return 1
}
# std: one build, first line, next good build, record
std() {
	build "$@"
	first "${PAT:-}"
	next
	rec
}
# run_trials ID...: each trial; in MODE=cnb its CNB analogue c_ID where the trial has one
run_trials() {
	local t
	for t in "$@"; do
		if [[ $MODE == cnb ]] && declare -F "c_$t" >/dev/null; then "c_$t"; else "t_$t"; fi
	done
}
all_trials() { declare -F | sed -n 's/^declare -f t_//p' | sort -V; }

# reseal [LAYER...]: MODE=cnb: the layers (default: cache and tools), as edited in LAYERS since the
# last build, become what the next restore brings back (the platform handing back a damaged layer).
reseal() {
	[[ $MODE == cnb ]] || return 0
	python3 "$TRIALS_DIR/reseal.py" "$CACHE" "$BPID" "${@:-cache tools}"
}

# the built venv's site-packages
sitepk() { printf '%s' "$VENV/lib/python3.13/site-packages"; }

# local servers: the index (IDX=http://127.0.0.1:PORT/simple, IDXLOG) and a basic-auth copy
# (user:s3cret under /private/)
idx_start() {
	IPORT=$((18100 + $$ % 800))
	rm -rf "$T/idx$IPORT"
	cp -a "$T/idx" "$T/idx$IPORT"
	IDXLOG=$T/idx$IPORT/requests.log
	: >"$IDXLOG"
	python3 "$BP/test/helpers/fixture_server.py" "$T/idx$IPORT/root" "$IPORT" --auth-prefix /private/ --credentials user:s3cret >/dev/null 2>&1 &
	IDXPID=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$IPORT/simple/" && break; sleep 0.1; done
	IDX=http://127.0.0.1:$IPORT/simple
	PRIVHOST=127.0.0.1:$IPORT
}
idx_stop() {
	kill "$IDXPID" 2>/dev/null
	wait "$IDXPID" 2>/dev/null
}
gets() { grep -c "^GET $1" "$IDXLOG" 2>/dev/null || echo 0; }
# a socket that accepts and never answers, on 127.0.0.1:18932
silent_start() {
	python3 -c 'import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18932))
s.listen(100)
c = []
while True:
    c.append(s.accept())' &
	SILPID=$!
	sleep 0.3
}
silent_stop() {
	kill "$SILPID" 2>/dev/null
	wait "$SILPID" 2>/dev/null
}
