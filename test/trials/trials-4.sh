# shellcheck shell=bash
# shellcheck disable=SC2034,SC2015,SC2016
# The trials of round 3, N54-N110 (hostile archives, the cached tools, engines, the bytecode store, signals, several builds, file systems, huge inputs).
# (The trials set lib.sh's globals, write hooks and Python whose $ are theirs, and note a
# finding with `check && note A || note B`.)
# mkwheel DIR NAME MEMBERS_PY: a wheel NAME-1.0 whose extra members come from a Python dict literal
mkwheel() { python3 - "$1" "$2" "$3" "${4:-}" <<'PY'
import sys, zipfile, hashlib, base64, os
d, name, extra, extrarec = sys.argv[1], sys.argv[2], eval(sys.argv[3]), sys.argv[4]
os.makedirs(d, exist_ok=True)
files = {f"{name}/__init__.py": b"V=1\n", f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
         f"{name}-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: x\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
files.update({k: v.encode() for k, v in extra.items()})
rec = ""
for k, v in files.items():
    h = base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=").decode(); rec += f"{k},sha256={h},{len(v)}\n"
rec += extrarec.replace("\\n", "\n") + f"{name}-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(f"{d}/{name}-1.0-py3-none-any.whl", "w") as z:
    for k, v in files.items(): z.writestr(k, v)
    z.writestr(f"{name}-1.0.dist-info/RECORD", rec)
PY
}
mkevilsdist() { python3 - "$1" "$2" <<'PY'
import sys, tarfile, io, os
d, out = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
t = tarfile.open(f"{d}/evilsdist-1.0.tar.gz", "w:gz")
def add(name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items(): setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE: ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    else: t.addfile(ti)
add("evilsdist-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: evilsdist\nVersion: 1.0\n")
add("evilsdist-1.0/setup.py", b"from setuptools import setup\nsetup(name='evilsdist', version='1.0', py_modules=[])\n")
add("evilsdist-1.0/link", type=tarfile.SYMTYPE, linkname=out)
add("evilsdist-1.0/link/written", b"pwned\n")
add("evilsdist-1.0/../../escaped-N54", b"pwned\n")
add("evilsdist-1.0/hl", type=tarfile.LNKTYPE, linkname="/etc/hostname")
t.close()
PY
}
outside_clean() { local n; n=$(find "$D/outside" -mindepth 1 2>/dev/null | wc -l); [[ $n == "${1:-0}" ]] && note "nothing written outside" || note "OUTSIDE HAS $n entries: $(find "$D/outside" -mindepth 1 | head -3 | tr '\n' ' ')"; }
t_N54() { new N54; mkdir -p "$D/outside"; mkevilsdist "$D/pk" "$D/outside"; printf -- '--find-links %s\nsix==1.16.0\nevilsdist==1.0\n' "$D/pk" >"$APP/requirements.txt"; build; first; outside_clean; [[ -e $R/escaped-N54 || -e $D/escaped-N54 ]] && note "ESCAPED"; next; rec; }
t_N55() { new N55; mkdir -p "$D/outside"; mkevilsdist "$D/pk" "$D/outside"; printf -- '--find-links %s\nsix==1.16.0\nevilsdist==1.0\n' "$D/pk" >"$APP/requirements.txt"; printf pip >"$ENVD/BUILDPACK_INSTALLER"; build; first; outside_clean; [[ -e $R/escaped-N54 || -e $D/escaped-N54 ]] && note "ESCAPED"; rm "$ENVD/BUILDPACK_INSTALLER"; next; rec; }
wheeltrial() { # ID engine kind(rel|abs)
	new "$1"; mkdir -p "$D/outside"; local m
	if [[ $3 == rel ]]; then m="{'../../../../../../../..$D/outside/pwn': 'pwned'}"; else m="{'$D/outside/pwn': 'pwned'}"; fi
	mkwheel "$D/pk" evilwhl "$m"; printf -- '--find-links %s\nsix==1.16.0\nevilwhl==1.0\n' "$D/pk" >"$APP/requirements.txt"
	[[ $2 == pip ]] && printf pip >"$ENVD/BUILDPACK_INSTALLER"; build; first; outside_clean; slugpy -c 'import evilwhl' 2>/dev/null && note "evilwhl imports"; rm -f "$ENVD/BUILDPACK_INSTALLER"; next; rec; }
t_N56() { wheeltrial N56 uv rel; }
t_N57() { wheeltrial N57 uv abs; }
t_N58() { wheeltrial N58 pip rel; }
t_N59() { wheeltrial N59 pip abs; }
recordtrial() { # ID engine1 engine2
	new "$1"; mkdir -p "$D/outside"; echo keep >"$D/outside/a"; echo keep >"$D/outside/b"
	mkwheel "$D/pk" recwhl "{}" "../../../../../../../..$D/outside/a,,\\n$D/outside/b,,\\n"; printf -- '--find-links %s\nsix==1.16.0\nrecwhl==1.0\n' "$D/pk" >"$APP/requirements.txt"
	[[ $2 == pip ]] && printf pip >"$ENVD/BUILDPACK_INSTALLER"; build; local r1=$RC; rm -f "$ENVD/BUILDPACK_INSTALLER"
	rm -rf "$D/src"; cp -a "$APP" "$D/src"; rm -rf "$D/src/.heroku" "$D/src/.profile.d"; rm -rf "$APP"; mv "$D/src" "$APP"; printf 'six==1.16.0\n' >"$APP/requirements.txt"
	[[ $3 == pip ]] && printf pip >"$ENVD/BUILDPACK_INSTALLER"; build; first; rm -f "$ENVD/BUILDPACK_INSTALLER"; outside_clean 2; next; rec "$r1 / $RC"; }
t_N60() { recordtrial N60 uv uv; }
t_N61() { recordtrial N61 pip pip; }
t_N62() { recordtrial N62 pip uv; }
uvbin() { if [[ $MODE == cnb ]]; then ls "$LAYERS"/tools/uv-*/uv; else ls "$CPY"/package-managers/uv-*/uv; fi; }
t_N63() { new N63; local u; u=$(uvbin); truncate -s 1000000 "$u"; reseal; printf "six==1.16.0\nidna==3.7\n" >"$APP/requirements.txt"; build; first 'uv'; note "$(grep -a -m1 -o 'Fetching uv[^)]*' "$OUT")"; next; rec; }
t_N64() { new N64; local u sz; u=$(uvbin); sz=$(stat -c %s "$u"); cp -p "$u" "$D/uv.orig"; printf "six==1.16.0\nidna==3.7\n" >"$APP/requirements.txt"; { printf '#!/bin/sh\necho "FAKEUV $*" >>%s/fakeuv.log\nexit 1\n' "$D"; } >"$D/fake"; truncate -s "$sz" "$D/fake"; cat "$D/fake" >"$u"; touch -r "$D/uv.orig" "$u"; reseal; build; first '(uv|Fetching)'; [[ -s $D/fakeuv.log ]] && note "THE SCRIPT RAN: $(head -1 "$D/fakeuv.log")" || note "the script never ran"; note "$(grep -a -m1 -E 'Fetching uv|uv .*(damaged|changed|checksum)' "$OUT" | sed 's/^ *//')"; next; rec; }
mirrorcopy() { rm -rf "$D/m"; mkdir -p "$D/m"; cp -a "$BP/.mirror/." "$D/m/"; MW=$(ls "$D/m"/tools/*.whl); }
t_N65() { new N65 cold; mirrorcopy; truncate -s 1000000 "$MW"; (cd "$D/m/tools" && sha256sum "$(basename "$MW")" >"$MW.sha256"); build BUILDPACK_MIRROR_URL="file://$D/m"; first '(not uv|Installing with)'; next; rec; }
t_N66() { new N66 cold; mirrorcopy; truncate -s 1000000 "$MW"; (cd "$D/m/tools" && sha256sum "$(basename "$MW")" >"$MW.sha256"); uvapp; build BUILDPACK_MIRROR_URL="file://$D/m"; first; next; rec; }
t_N67() { new N67 cold; mirrorcopy; printf '%064d  %s\n' 0 "$(basename "$MW")" >"$MW.sha256"; build BUILDPACK_MIRROR_URL="file://$D/m"; first '(not uv|Installing with)'; next; rec; }
t_N68() { new N68 cold; mirrorcopy; rm -rf "$D/m/tools"; sed -i "/^tools\//d" "$D/m/index.txt"; printf http://127.0.0.1:9/simple >"$ENVD/PIP_INDEX_URL"; build BUILDPACK_MIRROR_URL="file://$D/m"; first; note "$(grep -a -m1 -o 'Installing with pip[^.]*' "$OUT")"; next; rec; }
t_N69() { new N69 cold; mirrorcopy; rm -rf "$D/m/tools"; sed -i "/^tools\//d" "$D/m/index.txt"; printf http://127.0.0.1:9/simple >"$ENVD/PIP_INDEX_URL"; uvapp; build BUILDPACK_MIRROR_URL="file://$D/m"; first; next; rec; }
t_N70() { new N70 cold; mirrorcopy; rm -rf "$D/m/tools"; sed -i "/^tools\//d" "$D/m/index.txt"; build BUILDPACK_MIRROR_URL="file://$D/m"; first; note "$(grep -a -m1 -E 'uv' "$OUT" | sed 's/^ *//' | cut -c1-80)"; next; rec; }
t_N71() { new N71; printf bogus >"$ENVD/BUILDPACK_INSTALLER"; std; }
t_N72() { new N72; printf PIP >"$ENVD/BUILDPACK_INSTALLER"; printf 'six==1.16.0\nidna==3.7\n' >"$APP/requirements.txt"; build; first; local r1=$RC; note "PIP: $(grep -a -o '"engine": "[^"]*"' "$CPY/report.json" | sort -u | tr '\n' ' ')"; printf ' pip ' >"$ENVD/BUILDPACK_INSTALLER"; rm -rf "$APP/.heroku"; printf 'six==1.16.0\nidna==3.10\n' >"$APP/requirements.txt"; build; note "' pip ': $RC $(grep -a -o '"engine": "[^"]*"' "$CPY/report.json" | sort -u | tr '\n' ' ')"; rm "$ENVD/BUILDPACK_INSTALLER"; next; rec "$r1 / $RC"; }
t_N73() { new N73; printf pip >"$ENVD/BUILDPACK_INSTALLER"; uvapp; build; first; note "$(grep -a -o '"engine": "[^"]*"' "$CPY/report.json" | sort -u | tr '\n' ' ')"; rm "$ENVD/BUILDPACK_INSTALLER"; next; rec; }
t_N74() { new N74; printf http://127.0.0.1:9/simple >"$ENVD/UV_INDEX_URL"; printf /usr/bin/python3 >"$ENVD/UV_PYTHON"; printf 1 >"$ENVD/UV_NO_VERIFY_HASHES"; printf 'idna==3.7 --hash=sha256:%064d\n' 0 >"$APP/requirements.txt"; std; }
t_N75() { new N75; printf http://127.0.0.1:9/simple >"$ENVD/UV_INDEX_URL"; printf /usr/bin/python3 >"$ENVD/UV_PYTHON"; printf 'six==1.16.0\nidna==3.7\n' >"$APP/requirements.txt"; std; }
t_N76() { new N76; idx_start; printf symlink >"$ENVD/UV_LINK_MODE"; printf -- '--extra-index-url %s?m=${UV_LINK_MODE}\nsix==1.16.0\nidna==3.7\n' "$IDX" >"$APP/requirements.txt"; build; first; idx_stop; note "symlinks in idna: $(find "$(sitepk)/idna" -type l | wc -l)"; slugpy -c 'import idna; idna.encode("a")' 2>/dev/null && note "import idna works" || note "IMPORT IDNA FAILS"; next; rec; }
t_N77() { new N77; printf http://127.0.0.1:9/simple >"$ENVD/UV_INDEX_URL"; printf -- '--extra-index-url ${UV_INDEX_URL}\nsix==1.16.0\nidna==3.7\n' >"$APP/requirements.txt"; build; first '(pip takes over|pip installs it instead)'; note "$(grep -a -m1 -o 'uv could not install[^:]*' "$OUT")"; next; rec; }
t_N78() { new N78; printf 'six==1.16.0\nidna==3.7\n' >"$APP/requirements.txt"; build UV_INDEX_URL=http://127.0.0.1:9/simple UV_CONSTRAINT=/nonexistent UV_NO_CACHE=1 UV_OFFLINE=1; first; next; rec; }
storeof() { # the store's copy of the cached env's six pyc (same content)
	local p; p="$(cachedenv)/lib/python3.13/site-packages/__pycache__/six.cpython-313.pyc"
	local f; while IFS= read -r f; do cmp -s "$f" "$p" && { echo "$f"; return; }; done < <(find "$CPY/bytecode" -type f -size "$(stat -c %s "$p")c"); }
tamper() { # FILE: same size, header and mtime, other bytes after the header
	local f=$1; cp -p "$f" "$D/orig.pyc"; python3 - "$f" <<'PY'
import sys
p=sys.argv[1]; b=bytearray(open(p,"rb").read())
for i in range(len(b)-40, len(b)-8): b[i]=0x41
open(p+".new","wb").write(b)
PY
	mv "$f.new" "$f"; touch -r "$D/orig.pyc" "$f"; }
tampered_in() { cmp -s "$1" "$D/tampered.pyc"; }
t_N79() { new N79; local s; s=$(storeof); tamper "$s"; cp "$s" "$D/tampered.pyc"; rm -rf "$CPY"/env-* "$CPY/env"; [[ $MODE == cnb ]] && rm -rf "$VENV"; reseal cache venv; build; first 'Bytecode'; tampered_in "$(sitepk)/__pycache__/six.cpython-313.pyc" && note "THE TAMPERED PYC IS IN THE SLUG" || note "the tampered pyc is not in the slug"; KEEP_NEXT=1 next; tampered_in "$(nextsite)/__pycache__/six.cpython-313.pyc" && note "THE TAMPERED PYC IS IN THE NEXT SLUG"; rec; }
t_N80() { new N80; local s; s=$(storeof); tamper "$s"; cp "$s" "$D/tampered.pyc"; reseal; build; first '(Reusing|Creating|Updating)'; tampered_in "$(sitepk)/__pycache__/six.cpython-313.pyc" && note "THE TAMPERED PYC IS IN THE SLUG" || note "the tampered pyc is not in the slug"; [[ -e $s ]] && cmp -s "$s" "$D/tampered.pyc" && note "it still waits in the store" || note "gone from the store"; next; rec; }
t_N81() { new N81; local s; s=$(storeof); local m; m=$(stat -c %y "$s"); python3 - "$s" <<'PY'
import sys
p=sys.argv[1]; f=open(p,"r+b"); b=bytearray(f.read()); 
for i in range(len(b)-40, len(b)-8): b[i]=0x41
f.seek(0); f.write(b); f.close()
PY
	touch -d "$m" "$s"; cp "$s" "$D/tampered.pyc"; reseal; build; first '(Reusing|Creating|Updating)'; tampered_in "$(sitepk)/__pycache__/six.cpython-313.pyc" && note "THE EDITED PYC IS IN THE SLUG" || note "the edited pyc is not in the slug"; next; rec; }
t_N82() { new N82; hookapp 'f="'"$(sitepk)"'/__pycache__/six.cpython-313.pyc"; python3 -c "
import sys
p=sys.argv[1]; f=open(p,\"r+b\"); b=bytearray(f.read())
for i in range(len(b)-40, len(b)-8): b[i]=0x41
f.seek(0); f.write(b); f.close()" "$f"; cp "$f" '"$D"'/tampered.pyc'; build; local r1=$RC; rm -f "$APP/bin/post_compile"; rm -rf "$APP/.heroku"; build; first '(Reusing|Creating|Updating)'; local r2=$RC; tampered_in "$(sitepk)/__pycache__/six.cpython-313.pyc" && note "THE PLANTED PYC IS IN THE NEXT SLUG" || note "the planted pyc is not in the next slug"; KEEP_NEXT=1 next; tampered_in "$(nextsite)/__pycache__/six.cpython-313.pyc" && note "THE TAMPERED PYC IS IN THE NEXT SLUG"; rec "$r1 / $r2"; }
t_N83() { new N83; local p; p="$(cachedenv)/lib/python3.13/site-packages/__pycache__/six.cpython-313.pyc"; local m; m=$(stat -c %y "$p"); python3 - "$p" <<'PY'
import sys
p=sys.argv[1]; f=open(p,"r+b"); b=bytearray(f.read())
for i in range(len(b)-40, len(b)-8): b[i]=0x41
f.seek(0); f.write(b); f.close()
PY
	touch -d "$m" "$p"; cp "$p" "$D/tampered.pyc"; reseal venv; build; first '(Reusing|Creating|Updating)'; tampered_in "$(sitepk)/__pycache__/six.cpython-313.pyc" && note "THE EDITED PYC IS IN THE SLUG" || note "the edited pyc is not in the slug"; next; rec; }
# signals: start a cold django build, wait for PATTERN, send SIG to TARGET (pid|group)
sigtrial() { # ID SIG PATTERN TARGET
	new "$1" cold; printf 'django\n' >"$APP/requirements.txt"; exec 9>"$LOCK"; flock 9
	N=$((N+1)); OUT=$D/out.$N
	( cd "$D" && exec setsid python3 -c 'import signal,os,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD" ) >"$OUT" 2>&1 &
	CPID=$!; local i; for i in $(seq 600); do grep -a -q -E "$3" "$OUT" && break; sleep 0.1; done; sleep "${SIGDELAY:-0.5}"
	if [[ $4 == group ]]; then kill "-$2" -- "-$CPID"; else kill "-$2" "$CPID"; fi
	wait "$CPID"; RC=$?; local krc=$RC; sleep 3
	local left; left=$(pgrep -c -f "$D"); note "left running after 3s: $left"
	[[ $left != 0 && $2 == KILL ]] && { sleep 30; note "after 30s: $(pgrep -c -f "$D")"; }
	flock -u 9; first 'stopped'; note "report: $(grep -a -o '"failure_reason": *"[^"]*"' "$CPY/report.json" 2>/dev/null)"
	NEXT=-; local sD=$D; build; note "same app again: $RC"; slugpy -c 'import django' 2>/dev/null && note "imports django"; next; rec "$krc"; }
t_N84() { sigtrial N84 TERM 'Installing dependencies' pid; }
t_N85() { sigtrial N85 INT 'Installing dependencies' pid; }
t_N86() { sigtrial N86 HUP 'Installing dependencies' pid; }
t_N87() { SIGDELAY=0.2 sigtrial N87 TERM '(Installed [0-9]+ package|\+ django)' pid; }
t_N88() { sigtrial N88 TERM 'Installing dependencies' group; }
t_N89() { sigtrial N89 KILL 'Installing dependencies' pid; }
four() { # four apps at once on CACHE
	local i p=() r=""; for i in 1 2 3 4; do rm -rf "$D/f$i"; mkdir -p "$D/f$i/app" "$D/f$i/env"; echo 3.13 >"$D/f$i/app/.python-version"; done
	printf 'six==1.16.0\n' >"$D/f1/app/requirements.txt"; printf 'six==1.16.0\nidna==3.7\n' >"$D/f2/app/requirements.txt"
	cp "$TPL/uv/pyproject.toml" "$TPL/uv/uv.lock" "$D/f3/app/"; cp "$TPL/pipenv/Pipfile" "$TPL/pipenv/Pipfile.lock" "$D/f4/app/"
	for i in 1 2 3 4; do (nice -n 10 env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$D/f$i/app" "$CACHE" "$D/f$i/env" >"$D/four$i.$N" 2>&1) & p+=($!); done
	for i in 0 1 2 3; do wait "${p[$i]}"; r="$r $?"; done; FR=$r
	local ok=0; for i in 1 2 3 4; do "$D/f$i/app/.heroku/venv/bin/python" -c 'import six' 2>/dev/null && ok=$((ok+1)); done; note "$ok of 4 slugs import six"; OUT=$D/four2.$N; N=$((N+1)); }
t_N90() { new N90 cold; exec 9>"$LOCK"; flock 9; local t0=$SECONDS; four; note "$((SECONDS-t0))s"; flock -u 9; first 'Waiting'; cat "$D"/four*.0 | grep -a -m1 Waiting >/dev/null && FIRST="(info) Waiting for another build that uses the same cache to finish"; next; rec "$FR"; }
t_N91() { new N91; exec 9>"$LOCK"; flock 9; four; four; flock -u 9; FIRST=-; cat "$D"/four*.1 | grep -a -q Waiting && FIRST="(info) Waiting for another build that uses the same cache to finish"; next; rec "$FR"; }
t_N92() { new N92; exec 9>"$LOCK"; flock 9; printf 'six==1.16.0\nidna==3.7\n' >"$APP/requirements.txt"; N=$((N+1)); OUT=$D/out.$N; (cd "$D" && exec setsid env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD") >"$OUT" 2>&1 & CPID=$!
	for i in $(seq 300); do grep -a -q 'Installing dependencies' "$OUT" && break; sleep 0.1; done; kill -STOP -- "-$CPID"
	mkdir -p "$D/b2/app" "$D/b2/env"; printf 'six==1.16.0\n' >"$D/b2/app/requirements.txt"; echo 3.13 >"$D/b2/app/.python-version"
	env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" CACHE_LOCK_WAIT=10 "$BP/bin/compile" "$D/b2/app" "$CACHE" "$D/b2/env" >"$D/out.b2" 2>&1; local r2=$?
	kill -CONT -- "-$CPID"; wait "$CPID"; local r1=$?; flock -u 9; OUT=$D/out.b2; first; next; rec "$r1 / $r2"; }
t_N93() { new N93 cold; exec 9>"$LOCK"; flock 9; printf 'django\n' >"$APP/requirements.txt"; N=$((N+1)); OUT=$D/out.$N; (cd "$D" && exec setsid env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD") >"$OUT" 2>&1 & CPID=$!
	for i in $(seq 600); do grep -a -q 'Installing dependencies' "$OUT" && break; sleep 0.1; done; sleep 0.5; kill -KILL "$CPID"; wait "$CPID"; local r1=$?
	mkdir -p "$D/b2/app" "$D/b2/env"; printf 'six==1.16.0\n' >"$D/b2/app/requirements.txt"; echo 3.13 >"$D/b2/app/.python-version"; local t0=$SECONDS
	env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" "$D/b2/app" "$CACHE" "$D/b2/env" >"$D/out.b2" 2>&1; local r2=$?; note "second build $((SECONDS-t0))s"
	flock -u 9; OUT=$D/out.b2; first 'Waiting'; next; rec "$r1 / $r2"; }
t_N94() { new N94 cold; mkdir -p "$D/tc"; mount -t tmpfs -o size=1g tmpfs "$D/tc"; CACHE=$D/tc; build; first; local r1=$RC f1=$FIRST; rm -rf "$APP/.heroku"; build; note "second: $RC $(grep -a -m1 -E 'Reusing|Creating|Updating' "$OUT" | sed 's/^-----> //')"; note "$(grep -a -m1 -i 'copies\|another filesystem' "$D/out.1" | sed 's/^ *//' | cut -c1-100)"; next "$D/tc"; umount "$D/tc"; rec "$r1 / $RC" "$f1"; }
t_N95() { new N95 cold; mkdir -p "$D/fs"; truncate -s 400M "$D/fs.img"; mkfs.ext4 -q "$D/fs.img"; mount -o loop "$D/fs.img" "$D/fs"; mkdir -p "$D/fs/app" "$D/fs/cache" "$D/fs/tmp"; cp -a "$APP/." "$D/fs/app/"; printf 'django\n' >"$D/fs/app/requirements.txt"; local free; free=$(df -B1M --output=avail "$D/fs" | tail -1); fallocate -l "$((free - ${FREE:-230}))M" "$D/fs/filler"; APP=$D/fs/app; CACHE=$D/fs/cache
	N=$((N+1)); OUT=$D/out.$N; ( flock 9; cd "$D" && nice -n 10 timeout 300 env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/fs/tmp" "$BP/bin/compile" "$APP" "$CACHE" "$ENVD" ) >"$OUT" 2>&1 9>"$LOCK"; RC=$?; first; note "free at start ${FREE:-230}M; $(df -h --output=avail "$D/fs" | tail -1)"; rm -f "$D/fs/filler"; rm -rf "$APP/.heroku"; build; note "with space back: $RC"; slugpy -c 'import django' 2>/dev/null && note "imports django"; NEXT=-; umount "$D/fs"; rec; }
t_N96() { new "${NID:-N96}"; idx_start; python3 - "$APP/requirements.txt" "$IDX" <<'PY'
import sys, itertools
p, idx = sys.argv[1], sys.argv[2]
specs = [">=1.0", "<2", "!=1.15.0", ">=1.10,<1.17", "~=1.16", "==1.16.*"]
marks = ['python_version >= "3"', 'sys_platform == "linux"', 'os_name == "posix"', 'platform_machine != "arm"', 'implementation_name == "cpython"']
lines = [f"--index-url {idx}"]
i = 0
while len(lines) < 2001:
    n = "six" if i % 2 else "idna"
    s = specs[i % len(specs)] if n == "six" else [">=3", "<4", "==3.7", "!=3.0"][i % 4]
    lines.append(f"{n}{s} ; {marks[i % len(marks)]}  # {i}"); i += 1
lines.append("six==1.16.0"); lines.append("idna==3.7")
open(p, "w").write("\n".join(lines) + "\n")
PY
	[[ ${ENGINE:-uv} == pip ]] && printf pip >"$ENVD/BUILDPACK_INSTALLER"; rm -rf "$CPY/uv"; reseal; build; first; note "${SECS}s, $(grep -c '^GET' "$IDXLOG") GETs"; idx_stop; rm -f "$ENVD/BUILDPACK_INSTALLER"; next; rec; }
t_N97() { NID=N97 ENGINE=pip t_N96; sed -i '$d' "$RES"; ID=N97; rec; }
t_N98() { new N98; python3 -c 'import sys; open(sys.argv[1],"w").write("six==1.16.0 ; " + " or ".join(["python_version >= \"3\""]*44000) + "\n")' "$APP/requirements.txt"; build; first; note "$(du -h "$APP/requirements.txt" | cut -f1), ${SECS}s"; next; rec; }
t_N99() { new N99; python3 -c 'import sys; open(sys.argv[1],"w").write(" "*1000000 + "six==1.16.0\n")' "$APP/requirements.txt"; build; first; note "${SECS}s"; next; rec; }
t_N100() { new N100; python3 -c 'import sys; open(sys.argv[1],"w").write("six==1.16.0 # " + "c"*1000000 + "\n")' "$APP/requirements.txt"; build; first; note "${SECS}s"; next; rec; }
t_N101() { new N101; python3 -c 'import sys; open(sys.argv[1],"w").write("x "*500000 + "\n")' "$APP/requirements.txt"; build; first; note "${SECS}s, the error block is $(awk '/^ ! +Error/{f=1} f' "$OUT" | wc -c) bytes"; next; rec; }
t_N102() { new N102; python3 -c 'import sys; open(sys.argv[1],"w").write("six==1.16.0" + " "*1000000 + "#\n")' "$APP/requirements.txt"; build; first; note "${SECS}s"; next; rec; }
chain() { local n=$1 i; printf -- '-r r1.txt\n' >"$APP/requirements.txt"; for ((i=1;i<n;i++)); do printf -- '-r r%d.txt\n' $((i+1)) >"$APP/r$i.txt"; done; printf 'six==1.16.0\n' >"$APP/r$n.txt"; }
t_N103() { new N103; chain 200; build; first; note "${SECS}s"; next; rec; }
t_N104() { new N104; chain 1000; std; }
t_N105() { new N105; printf bar >"$ENVD/FOO"; hookapp 'echo "FOO=${FOO:-unset}"'; N=$((N+1)); OUT=$D/out.$N; ( flock 9; cd "$D" && exec nice -n 10 env -u STACK BUILDPACK_MIRROR_URL="$MIR" TMPDIR="$D/tmp" "$BP/bin/compile" app cache env ) >"$OUT" 2>&1 9>"$LOCK"; RC=$?; first; note "hook: $(grep -a -o 'FOO=[a-z]*' "$OUT" | head -1)"; next; rec; }
t_N106() { new N106; python3 -c 'import sys; open(sys.argv[1],"w").write("[project]\nname=\"a\"\nversion=\"0\"\ndeep = " + "["*50000 + "]"*50000 + "\n")' "$APP/pyproject.toml"; std; }
t_N107() { new N107; printf 'file:///\n' >"$APP/requirements.txt"; TO=240 build; first; note "${SECS}s"; next; rec; }
t_N108() { new N108; printf 'file:///etc/passwd\n' >"$APP/requirements.txt"; build; first; grep -a -q 'root:x:0' "$OUT" && note "PASSWD PRINTED"; next; rec; }
t_N109() { new N109; printf 's3cret part2' >"$ENVD/IDX_PASSWORD"; printf -- '--extra-index-url https://user:${IDX_PASSWORD}@127.0.0.1:9/simple\nsix==1.16.0\n' >"$APP/requirements.txt"; build; first; note "s3cret/part2 in output: $(grep -a -c -E 's3cret|part2' "$OUT") lines, in report.json: $(grep -a -c -E 's3cret|part2' "$CPY/report.json")"; next; rec; }
t_N110() { new N110; build; local f m; f="$(sitepk)/six.py"; m=$(stat -c %y "$f"); printf 'XXXX' | dd of="$f" bs=1 seek=0 conv=notrunc 2>/dev/null; touch -d "$m" "$f"; rm -rf "$D/src"; cp -a "$APP" "$D/src"; rm -rf "$D/src/.heroku" "$D/src/.profile.d"; rm -rf "$APP"; mv "$D/src" "$APP"; build; first '(Reusing|Creating|Updating)'; KEEP_NEXT=1 next; head -c4 "$(nextsite)/six.py" 2>/dev/null | grep -q XXXX && note "THE NEXT APP'S six.py STARTS WITH THE EDIT" || note "the edit is not in the next app"; rec; }
