# shellcheck shell=bash
# shellcheck disable=SC2034
# The trials' CNB analogues (run_trials runs c_ID in place of t_ID when MODE=cnb): where a trial's
# input only exists in the classic contract (its arguments, a cache directory the caller picks,
# several builds sharing one cache), its nearest CNB input, or n/a with the reason.

# direct_build LAYERS_DIR [PLATFORM_DIR]: bin/build run as the lifecycle's build user (nobody) with
# the lifecycle's environment only (clear-env), in APP, without the emulation around it: for the
# inputs the emulation never makes (a missing or unwritable layers directory).
direct_build() {
	N=$((N + 1))
	OUT=$D/out.$N
	local platform=${2:-$D/platform.direct}
	[[ -n ${2:-} ]] || platform_for "$platform"
	(
		cd "$APP" && exec nice -n 10 timeout -s TERM "${TO:-300}" setpriv --reuid=65534 --regid=65534 --clear-groups \
			env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp CNB_USER_ID=65534 CNB_GROUP_ID=65534 \
			CNB_LAYERS_DIR="$1" CNB_PLATFORM_DIR="$platform" CNB_BP_PLAN_PATH=/dev/null \
			CNB_TARGET_OS=linux CNB_TARGET_ARCH=amd64 CNB_TARGET_DISTRO_NAME=debian CNB_TARGET_DISTRO_VERSION=12 \
			"$BP/bin/build"
	) >"$OUT" 2>&1
	RC=$?
	LRC=$RC
}
# unmount DIR: a file system a trial mounted, once what the build left running has let go of it
unmount() {
	local _
	for _ in 1 2 3 4 5; do
		umount "$1" 2>/dev/null && return 0
		sleep 2
	done
	umount "$1"
}
# nobody_dirs DIR...: DIR made and given to the build user
nobody_dirs() {
	mkdir -p "$@"
	chown 65534:65534 "$@"
}

c_38() { ID=38; na "the emulation copies the app (shutil.copytree), which blocks on a FIFO; a real lifecycle mounts the app: not run"; }
c_39() { ID=39; na "as 38: a FIFO requirements.txt is not copied by the emulation"; }
c_48() {
	new 48
	nobody_dirs "$APP"
	direct_build "$D/missing"
	first
	note "bin/build as nobody, CNB_LAYERS_DIR names a missing directory"
	rec
}
c_49() {
	new 49
	nobody_dirs "$APP"
	mkdir -p "$D/layers"
	chmod 755 "$D/layers"
	direct_build "$D/layers"
	first
	note "bin/build as nobody, CNB_LAYERS_DIR is root's (0755): not writable"
	rec
}
c_50() { ID=50; na "the lifecycle's workspace is always a directory (a file as --app is the emulation's own error)"; }
c_51() {
	new 51
	runcmd env -i PATH=/usr/bin:/bin "$BP/bin/build"
	first
	local r1=$RC f1=$FIRST
	runcmd env -i PATH=/usr/bin:/bin CNB_LAYERS_DIR= "$BP/bin/build" "" "" ""
	first
	note "empty CNB_LAYERS_DIR and arguments: $RC $FIRST"
	rec "$r1 / $RC" "$f1"
}
c_54() { ID=54; na "the lifecycle always names a layers directory: a missing one is 48's analogue"; }
c_55() {
	new 55
	nobody_dirs "$APP"
	echo x >"$D/lfile"
	direct_build "$D/lfile"
	first
	note "CNB_LAYERS_DIR names a file"
	rec
}
c_56() {
	new 56
	chmod 755 "$APP"
	nobody_dirs "$D/layers"
	direct_build "$D/layers"
	first
	note "the workspace (app directory) is root's, not writable by the build user"
	rec
}
c_57() { ID=57; na "the lifecycle keeps the layers outside the workspace"; }
c_58() {
	new 58 cold
	mount -t tmpfs -o size=40m tmpfs "$CACHE"
	build
	first
	note "STATE (layers and all) on a 40 MB tmpfs; $(grep -a -c . "$OUT") lines"
	next
	unmount "$CACHE"
	rec
}
c_59() {
	new 59
	find "$LAYERS/cache" "$LAYERS/tools" -type f -exec sh -c 'for f; do head -c 64 /dev/urandom >"$f"; done' _ {} +
	reseal
	note "every file of the cache and tools layers overwritten, restored so"
	std
}
c_60() {
	new 60
	mkdir "$D/outside"
	echo keep >"$D/outside/keep"
	chmod -R 777 "$D/outside"
	rm -rf "$CPY"
	ln -s "$D/outside" "$CPY"
	reseal cache
	build
	first
	note "the cache layer's python/ restored as a link to a directory outside"
	if [[ "$(find "$D/outside" -mindepth 1 -printf '%f ')" == "keep " ]]; then note "outside untouched"; else note "OUTSIDE NOW HOLDS: $(find "$D/outside" -mindepth 1 -printf '%f ' | cut -c1-100)"; fi
	next
	rec
}
c_62() { ID=62; na "two builds at once on one cache: a lifecycle runs one build per cache (the emulation's state is one build's)"; }
c_63() { ID=63; na "as 62"; }
c_64() { ID=64; na "SIGKILL at random points: a killed build exports nothing, the next restores the last export; the buildpack's side is classic's (lib/signals.sh, signals.bats): not rerun"; }
c_65() { ID=65; na "SIGTERM during a hook: as 64, not rerun through the lifecycle"; }
c_67() { ID=67; na "a slug edited after its build: an exported layer is not written again; a damaged restore is N83's analogue"; }
c_76() {
	new 76
	N=$((N + 1))
	OUT=$D/out.$N
	mkdir -p "$D/plat-noenv"
	(
		flock 9
		cd "$D" && exec nice -n 10 timeout 300 python3 "$LIFECYCLE" build --buildpack "$BP" --app "$APP" --state "$CACHE" --platform "$D/plat-noenv"
	) >"$OUT" 2>&1 9>"$LOCK"
	RC=$?
	bp_status
	first
	local r1=$RC f1=$FIRST
	mkdir -p "$D/plat-file"
	echo x >"$D/plat-file/env"
	N=$((N + 1))
	OUT=$D/out.$N
	(
		flock 9
		cd "$D" && exec nice -n 10 timeout 300 python3 "$LIFECYCLE" build --buildpack "$BP" --app "$APP" --state "$CACHE" --platform "$D/plat-file"
	) >"$OUT" 2>&1 9>"$LOCK"
	RC=$?
	bp_status
	first
	note "PLATFORM with no env/, then env a file (no mirror either: the warm runtime layer is reused)"
	next
	rec "$r1 / $RC" "$f1"
}
c_86() {
	new 86 cold
	build -u BUILDPACK_MIRROR_URL
	first
	next
	rec
}
c_94() {
	new 94
	mkdir "$D/empty"
	echo x >"$D/afile"
	local rs
	runcmd python3 "$LIFECYCLE" detect --buildpack "$BP" --app "$D/empty"
	first
	local f1
	f1=$(grep -a -m1 -v '^\[lifecycle' "$OUT" | cut -c1-200)
	rs=$RC
	runcmd python3 "$LIFECYCLE" detect --buildpack "$BP" --app "$D/missing"
	rs="$rs/$RC"
	note "missing: $(tail -1 "$OUT" | cut -c1-120)"
	runcmd env -i PATH=/usr/bin:/bin CNB_PLATFORM_DIR="$D/empty" CNB_BUILD_PLAN_PATH="$D/plan.toml" "$BP/bin/detect"
	rs="$rs/$RC"
	NEXT=-
	rec "$rs" "${f1:--}"
}
c_95() { ID=95; na "bin/release has no CNB counterpart: launch.toml's processes (cnb.bats, test_launch.py)"; }
c_96() {
	new 96
	runcmd "$BP/bin/report" "$APP" "$D/emptycache"
	first
	local r1=$RC f1=$FIRST
	build
	cp -a "$LAYERS/cache" "$D/cachelayer"
	echo 'garbage{' >"$D/cachelayer/python/report.json"
	runcmd "$BP/bin/report" "$APP" "$D/cachelayer"
	first
	note "garbage: $(head -1 "$OUT" | cut -c1-100)"
	rec "$r1 / $RC" "$f1"
}
c_N84() { ID=N84; na "signals to the build: not rerun through the lifecycle (64)"; }
c_N85() { ID=N85; na "as N84"; }
c_N86() { ID=N86; na "as N84"; }
c_N87() { ID=N87; na "as N84"; }
c_N88() { ID=N88; na "as N84"; }
c_N89() { ID=N89; na "as N84"; }
c_N90() { ID=N90; na "four builds at once on one cache: as 62"; }
c_N91() { ID=N91; na "as N90"; }
c_N92() { ID=N92; na "a stopped build holding the cache: as 62"; }
c_N93() { ID=N93; na "a killed build's cache taken by the next: as 62 and 64"; }
c_N94() { ID=N94; na "the emulation keeps the workspace and the layers in one STATE directory (one file system); a platform whose /workspace and /layers are separate volumes is not emulated"; }
c_N95() {
	new N95 cold
	truncate -s 700M "$D/fs.img"
	mkfs.ext4 -q "$D/fs.img"
	mount -o loop "$D/fs.img" "$CACHE"
	printf 'django\n' >"$APP/requirements.txt"
	local free
	free=$(df -B1M --output=avail "$CACHE" | tail -1)
	fallocate -l "$((free - ${FREE:-300}))M" "$CACHE/filler"
	build
	first
	note "STATE on a file system with ${FREE:-300}M free"
	rm -f "$CACHE/filler"
	build
	note "with space back: $RC"
	slugpy -c 'import django' >/dev/null 2>&1 && note "imports django"
	next
	unmount "$CACHE"
	rec
}
c_N105() { ID=N105; na "the lifecycle passes absolute CNB_LAYERS_DIR and CNB_PLATFORM_DIR"; }
c_N110() { ID=N110; na "as 67"; }
