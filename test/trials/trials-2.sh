# shellcheck shell=bash
# shellcheck disable=SC2034,SC2015,SC2016
# The trials of round 1, 46-97 (paths, permissions, the cache, signals, hooks, config vars, the mirror, the other bin/ programs).
# (The trials set lib.sh's globals, write hooks and Python whose $ are theirs, and note a
# finding with `check && note A || note B`.)
# bgbuild: compile in its own process group in the background; CPID
bgbuild() {
	N=$((N+1)); OUT=$D/out.$N
	( cd "$D" && exec setsid nice -n 10 env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD" ) >"$OUT" 2>&1 &
	CPID=$!
}
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
t_46() { new 46; local a="$D/my app ü \$(id) \`id\`"; mv "$APP" "$a"; APP=$a; build; first; slugpy -c 'import six' && note "slug imports six"; next; rec; }
t_47() { new 47; local a="$D/it's"; mv "$APP" "$a"; APP=$a; build; first; local r1=$RC; local b="$D/new
line"; mv "$APP" "$b"; APP=$b; build; first; next; rec "$r1 / $RC"; }
t_48() { new 48; chmod 777 "$D" "$D/tmp"; chown -R 65534 "$CACHE" "$D/tmp"; chmod 755 "$APP"; N=$((N+1)); OUT=$D/out.$N; (cd /tmp && asnobody env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD") >"$OUT" 2>&1; RC=$?; first; chown -R 0 "$CACHE"; next; rec; }
t_49() { new 49; chmod 777 "$D" "$D/tmp"; chown -R 65534 "$CACHE" "$D/tmp" "$APP"; mkdir "$APP/.heroku"; chmod 755 "$APP/.heroku"; N=$((N+1)); OUT=$D/out.$N; (cd /tmp && asnobody env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD") >"$OUT" 2>&1; RC=$?; first; chown -R 0 "$CACHE"; next; rec; }
t_50() { new 50; rm -rf "$APP"; echo x >"$APP"; std; }
t_51() { new 51; runcmd env -u STACK BUILDPACK_MIRROR_URL="$MIR" "$BP/bin/compile"; first; local r1=$RC f1=$FIRST; runcmd env -u STACK BUILDPACK_MIRROR_URL="$MIR" "$BP/bin/compile" "" "" ""; first; note "empty args: $FIRST"; rec "$r1 / $RC" "$f1"; }
t_52() { new 52; truncate -s 1G "$APP/big"; std; note "${SECS}s"; sed -i '$d' "$RES"; rec; }
t_53() { new 53; mkdir "$D/outh" "$D/outp"; echo keep >"$D/outh/f"; echo keep >"$D/outp/f"; ln -s "$D/outh" "$APP/.heroku"; ln -s "$D/outp" "$APP/.profile.d"; build; first; [[ -f $D/outh/f && -f $D/outp/f ]] && note "outside untouched: $(find "$D/outh" "$D/outp" -mindepth 1 -printf '%f ')"; next; rec; }
t_54() { new 54; CACHE=""; build; first; CACHE=$D/cache; next; rec; }
t_55() { new 55; echo x >"$D/cfile"; CACHE=$D/cfile; build; first; CACHE=$D/cache; rec; }
t_56() { new 56; chmod 777 "$D" "$D/tmp"; chown -R 65534 "$APP" "$D/tmp" "$ENVD"; chmod 755 "$CACHE"; N=$((N+1)); OUT=$D/out.$N; (cd /tmp && asnobody env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD") >"$OUT" 2>&1; RC=$?; first; note "$(grep -a -c 'Warning' "$OUT") warnings"; next; rec; }
t_57() { new 57; build "" ; CACHE=$APP; build; first; local r1=$RC f1=$FIRST; CACHE=$APP/cache; build; first; note "inside: $RC $FIRST"; CACHE=$D/cache; next; rec "$r1 / $RC" "$f1"; }
t_58() { new 58; mkdir -p "$D/small"; mount -t tmpfs -o size=40m tmpfs "$D/small"; CACHE=$D/small; build; first; note "$(grep -a -c . "$OUT") lines"; next "$D/small"; umount "$D/small"; rec; }
t_59() { new 59; find "$CACHE" -type f -exec sh -c 'for f; do head -c 64 /dev/urandom >"$f"; done' _ {} +; std; }
t_60() { new 60; mkdir "$D/outside"; echo keep >"$D/outside/keep"; local e; e=$(find "$CPY" -maxdepth 1 -name 'env-*' | head -1); rm -rf "$e"; ln -s "$D/outside" "$e"; build; first; [[ -f $D/outside/keep ]] && note "outside survives"; next; rec; }
t_61() { new 61; printf '3.11\n' >"$APP/.python-version"; build; first; local r1=$RC f1; f1=$(grep -a -m1 'Rebuilding' "$OUT" | sed 's/^-----> //'); printf '3.13\n' >"$APP/.python-version"; rm -rf "$APP/.heroku"; build; note "back: $RC $(grep -a -m1 'Rebuilding' "$OUT" | sed 's/^-----> //')"; next; rec "$r1 / $RC" "$f1"; }
pair() { # two builds at once on CACHE: versions $1 $2; result in PR
	local v1=$1 v2=$2 p1 p2 r1 r2
	rm -rf "$D/a1" "$D/a2"; mkdir -p "$D/a1" "$D/a2" "$D/e1" "$D/e2"
	printf 'six==1.16.0\n' | tee "$D/a1/requirements.txt" >"$D/a2/requirements.txt"; echo "$v1" >"$D/a1/.python-version"; echo "$v2" >"$D/a2/.python-version"
	(nice -n 10 env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$D/a1" "$CACHE" "$D/e1" >"$D/pair1.$N" 2>&1) & p1=$!
	(nice -n 10 env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$D/a2" "$CACHE" "$D/e2" >"$D/pair2.$N" 2>&1) & p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?; N=$((N+1))
	PR="$PR $r1/$r2"; OUT=$D/pair2.$((N-1)); grep -a -q Waiting "$D/pair1.$((N-1))" && OUT=$D/pair1.$((N-1))
}
t_62() { new 62 cold; PR=""; exec 9>"$LOCK"; flock 9; local i; for i in 1 2 3; do rm -rf "$CACHE"; mkdir "$CACHE"; pair 3.13 3.13; done; flock -u 9; first 'Waiting'; next; rec "$PR"; }
t_63() { new 63; PR=""; exec 9>"$LOCK"; flock 9; local i; for i in 1 2 3 4; do pair 3.13 3.11; done; flock -u 9; first 'Waiting'; next; rec "$PR"; }
t_64() { new 64 cold; local i hits=0 nexts="" pg; exec 9>"$LOCK"; flock 9; for i in 1 2 3 4 5 6 7 8; do rm -rf "$APP/.heroku"; bgbuild; sleep "$(python3 -c 'import random;print(round(random.uniform(0.3,5),1))')"; kill -0 "$CPID" 2>/dev/null && hits=$((hits+1)); kill -KILL -- "-$CPID" 2>/dev/null; wait "$CPID" 2>/dev/null; RC=$?; sleep 0.5; flock -u 9; next; flock 9; nexts="$nexts $NEXT"; done; flock -u 9; note "$hits of 8 hit a running build; next builds:$nexts; leftover in TMPDIR: $(find "$D/tmp" -mindepth 1 -maxdepth 1 | wc -l)"; NEXT=-; rec 137 -; }
t_65() { new 65; mkdir -p "$APP/bin"; printf '#!/bin/sh\necho hook-start\nsleep 30\necho hook-finished >"%s/hookdone"\n' "$D" >"$APP/bin/post_compile"; chmod +x "$APP/bin/post_compile"; exec 9>"$LOCK"; flock 9; bgbuild; for _ in $(seq 300); do grep -q hook-start "$OUT" && break; sleep 0.1; done; sleep 1; kill -TERM "$CPID"; wait "$CPID"; RC=$?; sleep 32; flock -u 9; first 'stopped'; [[ -f $D/hookdone ]] && note "HOOK FINISHED" || note "the hook never finished"; note "report: $(grep -o '"status": *"[a-z]*"' "$CACHE"/*report*.json "$CACHE"/*/report.json 2>/dev/null | head -1)"; next; rec; }
t_66() { new 66; mkdir -p "$APP/bin"; printf '#!/bin/sh\necho "# EDITED66" >>"%s/six.py"\n' "$(sitepk)" >"$APP/bin/post_compile"; chmod +x "$APP/bin/post_compile"; build; first; KEEP_NEXT=1 next; grep -q EDITED66 "$(nextsite)/six.py" 2>/dev/null && note "EDIT IN NEXT APP" || note "edit not in the next app"; rm -rf "$D/next/app/.heroku"; rec; }
t_67() { new 67; build; local f; f="$(sitepk)/six.py"; printf 'XXXX' | dd of="$f" bs=1 seek=0 conv=notrunc 2>/dev/null; rm -rf "$D/src"; cp -a "$APP" "$D/src"; rm -rf "$D/src/.heroku" "$D/src/.profile.d"; rm -rf "$APP"; mv "$D/src" "$APP"; build; first '(Creating|Reusing|Updating)'; head -c4 "$(sitepk)/six.py" | grep -q XXXX && note "EDIT REACHED THE NEXT BUILD" || note "the edit did not reach the next build"; next; rec; }
hookapp() { mkdir -p "$APP/bin"; printf '#!/bin/sh\n%s\n' "$1" >"$APP/bin/post_compile"; chmod +x "$APP/bin/post_compile"; }
t_68() { new 68; echo -n /nonexistent >"$ENVD/PATH"; hookapp 'echo hook-ran'; build; first; grep -q hook-ran "$OUT" && note "hook ran"; next; rec; }
t_69() { new 69; echo -n /usr/local/bin:/usr/bin:/bin >"$ENVD/PATH"; hookapp 'echo "hookpy=$(command -v python3)"'; build; first; note "$(grep -a -o 'hookpy=[^ ]*' "$OUT")"; next; rec; }
t_70() { new 70; echo -n /nonexistent/libevil.so >"$ENVD/LD_PRELOAD"; hookapp 'echo "LDP=${LD_PRELOAD:-unset}"'; build; first; note "$(grep -a -o 'LDP=[^ ]*' "$OUT")"; next; rec; }
t_71() { new 71; mkdir -p "$D/shadow"; echo 'X="shadow"' >"$D/shadow/six.py"; echo -n "$D/shadow" >"$ENVD/PYTHONPATH"; hookapp 'python -c "import six; print(\"sixfrom=\" + six.__file__)"'; build; first; local r1=$RC; note "PYTHONPATH: $(grep -a -o 'sixfrom=[^ ]*' "$OUT")"; rm "$ENVD/PYTHONPATH"; echo -n /nonexistent >"$ENVD/PYTHONHOME"; rm -rf "$APP/.heroku"; build; first; note "PYTHONHOME: $(grep -a -o 'sixfrom=[^ ]*' "$OUT")"; next; rec "$r1 / $RC"; }
t_72() { new 72; echo -n http://127.0.0.1:9/ >"$ENVD/PIP_INDEX_URL"; printf 'six==1.16.0\nidna==3.7\n' >"$APP/requirements.txt"; std; }
t_73() { new 73; silent_start; echo -n 2 >"$ENVD/PIP_DEFAULT_TIMEOUT"; echo -n 0 >"$ENVD/PIP_RETRIES"; printf -- '--index-url http://127.0.0.1:18932/simple\nsix==1.16.0\nidna==3.7\n' >"$APP/requirements.txt"; build; first; note "${SECS}s"; silent_stop; next; rec; }
t_74() { new 74; printf 'a\nb' >"$ENVD/FOO"; printf '$(touch %s/pwned1)' "$D" >"$ENVD/BAR"; printf '`touch %s/pwned2`' "$D" >"$ENVD/BAZ"; printf '${HOME}' >"$ENVD/QUX"; hookapp 'printf "BAR=%s BAZ=%s QUX=%s FOOLINES=%s\n" "$BAR" "$BAZ" "$QUX" "$(printf "%s" "$FOO" | wc -l)"'; build; first; note "$(grep -a -m1 '^BAR=\|BAR=' "$OUT" | sed 's/^ *//' | cut -c1-150)"; ls "$D"/pwned* >/dev/null 2>&1 && note "EVALUATED" || note "nothing evaluated"; next; rec; }
t_75() { new 75; echo v >"$ENVD/..x"; echo v >"$ENVD/-x"; echo v >"$ENVD/a b"; echo v >"$ENVD/new
line"; mkdir "$ENVD/subdir"; ln -s /nonexistent "$ENVD/DANG"; ln -s /etc/shadow "$ENVD/SHADOW"; hookapp 'echo "SHADOW=${SHADOW:-unset}" | cut -c1-20'; build; first; note "$(grep -a -o 'SHADOW=[^ ]*' "$OUT" | cut -c1-30)"; next; rec; }
t_76() { new 76; ENVD=$D/nope; build; first; local r1=$RC; echo x >"$D/envfile"; ENVD=$D/envfile; rm -rf "$APP/.heroku"; build; first; ENVD=$D/env; next; rec "$r1 / $RC"; }
t_77() { new 77; echo -n /nonexistent >"$ENVD/BUILDPACK_DIR"; build; first; local r1=$RC; rm -rf "$D/bpcopy"; cp -a "$BP/." "$D/bpcopy/" 2>/dev/null; printf '#!/usr/bin/env bash\ntouch %s/copyran\n' "$D" >"$D/bpcopy/bin/compile"; sed -i "1a touch $D/copyran" "$D/bpcopy/lib/"*.sh; echo -n "$D/bpcopy" >"$ENVD/BUILDPACK_DIR"; rm -rf "$APP/.heroku"; build; first; [[ -e $D/copyran ]] && note "THE COPY RAN" || note "the copy never ran"; next; rec "$r1 / $RC"; }
t_78() { new 78; sleep 120 & local sp=$!; echo -n dependencies >"$ENVD/BUILDPACK_TEST_KILL_AT"; echo -n $sp >"$ENVD/BUILDPACK_COMPILE_PID"; echo -n 1 >"$ENVD/BUILDPACK_TEST_BREAK"; build; first; kill -0 $sp 2>/dev/null && note "the unrelated process lived" || note "UNRELATED PROCESS KILLED"; kill $sp 2>/dev/null; next; rec; }
mkfakesix() { # a six 1.99 wheel in $1
	mkdir -p "$1"; python3 - "$1" <<'PY'
import sys, zipfile, hashlib, base64
d=sys.argv[1]; n=f"{d}/six-1.99-py2.py3-none-any.whl"
files={"six.py":b"FAKE=1\n","six-1.99.dist-info/METADATA":b"Metadata-Version: 2.1\nName: six\nVersion: 1.99\n","six-1.99.dist-info/WHEEL":b"Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n"}
rec=""
for k,v in files.items():
    h=base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=").decode(); rec+=f"{k},sha256={h},{len(v)}\n"
rec+="six-1.99.dist-info/RECORD,,\n"
with zipfile.ZipFile(n,"w") as z:
    for k,v in files.items(): z.writestr(k,v)
    z.writestr("six-1.99.dist-info/RECORD",rec)
PY
}
t_79() { new 79; mkfakesix "$D/fl"; echo -n PIP_FIND_LINKS >"$ENVD/BUILDPACK_PIP_CONFIG_VARS"; build PIP_FIND_LINKS="$D/fl" UV_FIND_LINKS="$D/fl"; first; local r1=$RC; printf 'six>1.17\n' >"$APP/requirements.txt"; build PIP_FIND_LINKS="$D/fl" UV_FIND_LINKS="$D/fl"; first; local r2=$RC f2=$FIRST; echo -n pip >"$ENVD/BUILDPACK_INSTALLER"; rm -rf "$APP/.heroku"; build PIP_FIND_LINKS="$D/fl" UV_FIND_LINKS="$D/fl"; note "pip engine: $RC $(grep -a -m1 'Error' "$OUT" | sed 's/^ ! *//' | cut -c1-70)"; rm "$ENVD/BUILDPACK_INSTALLER"; next; rec "$r1 / $r2" "$f2"; }
t_80() { new 80; local v rs="" fs=""; for v in '../..' '/etc' 'a/../../..' '$(touch $T/pwned80)%s%n\e[31m'; do printf '%s' "$v" >"$ENVD/BUILDPACK_APP_SUBDIR"; build; first; rs="$rs $RC"; [[ -n $fs ]] || fs=$FIRST; done; [[ -e $T/pwned80 ]] && note EVALUATED; rm "$ENVD/BUILDPACK_APP_SUBDIR"; next; rec "$rs" "$fs"; }
t_81() { new 81; mkdir -p "$D/outside"; printf 'six==1.16.0\n' >"$D/outside/requirements.txt"; echo 3.13 >"$D/outside/.python-version"; ln -s "$D/outside" "$APP/sub"; printf sub >"$ENVD/BUILDPACK_APP_SUBDIR"; build; first; rm "$ENVD/BUILDPACK_APP_SUBDIR"; next; rec; }
t_82() { new 82; idx_start; printf 'six==1.16.0\n' >"$T/idx$IPORT/root/private/req.txt"; local P="user:s3cret@$PRIVHOST" rs="" f1=""
	printf -- '--index-url http://%s/private/simple\nsix==1.16.0\nidna==3.7\n' "$P" >"$APP/requirements.txt"; build; rs="$RC"
	printf -- '--index-url http://user:s3cret@127.0.0.1:9/simple\nidna==3.7\n' >"$APP/requirements.txt"; build; first; f1=$FIRST; rs="$rs/$RC"
	printf -- '-r http://%s/private/req.txt\n' "$P" >"$APP/requirements.txt"; build; rs="$rs/$RC"
	printf 'git+http://user:s3cret@127.0.0.1:9/x.git#egg=x\n' >"$APP/requirements.txt"; build; rs="$rs/$RC"
	printf 'six @ http://%s/private/files/six-1.16.0-py2.py3-none-any.whl\n' "$P" >"$APP/requirements.txt"; build; rs="$rs/$RC"
	idx_stop; note "s3cret: $(cat "$D"/out.* | grep -a -c s3cret) lines of output, $(grep -r -a -l s3cret "$APP" "$CACHE" 2>/dev/null | wc -l) files of slug and cache"; next; rec "$rs" "$f1"; }
t_83() { new 83; printf -- '--index-url https://user:p@ss@127.0.0.1:9/simple --bogus\nsix==1.16.0\n' >"$APP/requirements.txt"; build; first; note "$(grep -a -o 'https://[^ ]*127.0.0.1:9' "$OUT" | sort -u | tr '\n' ' ')"; next; rec; }
t_84() { new 84; printf -- '--index-url https://:s3cretPAT@127.0.0.1:9/simple --bogus\nsix==1.16.0\n' >"$APP/requirements.txt"; build; first; local r1=$RC f1=$FIRST; note "$(grep -a -o 'https://[^ ]*127.0.0.1:9' "$OUT" | sort -u | tr '\n' ' ')"; printf 'six==1.16.0\n' >"$APP/requirements.txt"; hookapp 'echo "url https://:s3cretPAT@127.0.0.1:9/x"'; build; note "hook: $(grep -a -o 'https://[^ ]*127.0.0.1:9' "$OUT" | sort -u | tr '\n' ' ')"; next; rec "$r1 / $RC" "$f1"; }
t_85() { new 85 cold; local u rs="" f1="" o=""; for u in 'https://s3cretTOKENabcdefghij1234@127.0.0.1:9' 'https://:s3cretpw@127.0.0.1:9' 'https://user:s3cretpw@127.0.0.1:9'; do printf '%s' "$u" >"$ENVD/BUILDPACK_MIRROR_URL"; build BUILDPACK_MIRROR_URL="$u"; first; rs="$rs $RC"; [[ -n $f1 ]] || f1=$FIRST; o="$o $(grep -a -o 'https://[^ /]*127.0.0.1:9' "$OUT" | sort -u | tr '\n' ' ')"; done; rm "$ENVD/BUILDPACK_MIRROR_URL"; note "$o; s3cret: $(cat "$D"/out.* | grep -a -c s3cret) lines"; next; rec "$rs" "$f1"; }
t_86() { new 86 cold; N=$((N+1)); OUT=$D/out.$N; (cd "$D" && env -u STACK -u BUILDPACK_MIRROR_URL TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD") >"$OUT" 2>&1; RC=$?; first; next; rec; }
t_87() { new 87 cold; mkdir "$D/m"; build BUILDPACK_MIRROR_URL="file://$D/m"; first; next; rec; }
t_88() { new 88 cold; cp -a "$BP/.mirror/." "$D/m/" 2>/dev/null || { mkdir -p "$D/m"; cp -a "$BP/.mirror/." "$D/m/"; }; truncate -s 1M "$D/m/python-3.13.15-debian-12-amd64.tar.zst"; build BUILDPACK_MIRROR_URL="file://$D/m"; first; note "cached runtimes: $(find "$CPY" -maxdepth 1 -name 'python-*' 2>/dev/null | wc -l)"; next; rec; }
t_89() { new 89 cold; mkdir -p "$D/m"; cp -a "$BP/.mirror/." "$D/m/"; truncate -s 1M "$D/m/python-3.13.15-debian-12-amd64.tar.zst"; (cd "$D/m" && sha256sum python-3.13.15-debian-12-amd64.tar.zst | sed "s/ .*//" >python-3.13.15-debian-12-amd64.tar.zst.sha256); build BUILDPACK_MIRROR_URL="file://$D/m"; first; next; rec; }
t_90() { new 90 cold; build BUILDPACK_MIRROR_URL=http://127.0.0.1:9; first; local r1=$RC f1=$FIRST; new 90; build BUILDPACK_MIRROR_URL=http://127.0.0.1:9; first; next; rec "$r1 / $RC" "$f1"; }
t_91() { new 91 cold; build BUILDPACK_MIRROR_URL=127.0.0.1/mirror; first; local r1=$RC f1=$FIRST; build BUILDPACK_MIRROR_URL=ftp://127.0.0.1/mirror; first; note "ftp: $FIRST"; next; rec "$r1 / $RC" "$f1"; }
t_92() { new 92; hookapp 'sleep 45 & echo started'; build; first; note "${SECS}s; $(grep -a -o 'the command left processes running[^)]*' "$OUT" | head -1)"; next; rec; }
t_93() { new 93; mkdir -p "$APP/bin/post_compile"; std; }
t_94() { new 94; mkdir "$D/empty"; echo x >"$D/afile"; local rs=""; runcmd "$BP/bin/detect" "$D/empty"; first; local f1=$FIRST; rs="$RC"; runcmd "$BP/bin/detect" "$D/missing"; rs="$rs/$RC"; first; note "missing: $FIRST"; runcmd "$BP/bin/detect" "$D/afile"; rs="$rs/$RC"; runcmd "$BP/bin/detect"; rs="$rs/$RC"; first; note "no args: $FIRST"; rec "$rs" "$f1"; }
t_95() { new 95; runcmd "$BP/bin/release" "$D/missing"; first; local r1=$RC f1=$FIRST; runcmd "$BP/bin/release"; first; note "no args: $(head -1 "$OUT" | cut -c1-80)"; rec "$r1 / $RC" "$f1"; }
t_96() { new 96; runcmd "$BP/bin/report" "$APP" "$D/emptycache"; first; local r1=$RC f1=$FIRST; build; local rp; rp=$(find "$CACHE" -name 'report.json' | head -1); echo 'garbage{' >"$rp"; runcmd "$BP/bin/report" "$APP" "$CACHE" "$ENVD"; first; note "garbage: $(head -1 "$OUT" | cut -c1-100)"; rec "$r1 / $RC" "$f1"; }
t_97() { new 97; runcmd env -u STACK BUILDPACK_MIRROR_URL="$MIR" "$BP/bin/plan" "$D/missing"; first; local r1=$RC f1=$FIRST; printf -- '-r a.txt\n' >"$APP/requirements.txt"; printf -- '-r requirements.txt\n' >"$APP/a.txt"; runcmd env -u STACK BUILDPACK_MIRROR_URL="$MIR" "$BP/bin/plan" "$APP"; first; local r2=$RC; note "cycle: $FIRST"; printf 'six==1.16.0\n' >"$APP/requirements.txt"; rm "$APP/a.txt"; runcmd env -u STACK -u BUILDPACK_MIRROR_URL "$BP/bin/plan" "$APP"; note "no mirror: $RC, $(grep -a -m1 -o 'Python 3[.0-9]*' "$OUT")"; rec "$r1 / $r2 / $RC" "$f1"; }
