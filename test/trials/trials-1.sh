# shellcheck shell=bash
# shellcheck disable=SC2034,SC2015,SC2016
# The trials of round 1, 1-45 (version files, requirements files and their lines).
# (The trials set lib.sh's globals, write hooks and Python whose $ are theirs, and note a
# finding with `check && note A || note B`.)
t_1() { new 1; printf '\xef\xbb\xbf3.13\n' >"$APP/.python-version"; std; }
t_2() { new 2; printf '3.13\r\n' >"$APP/.python-version"; std; }
t_3() { new 3; printf '3.13 \n' >"$APP/.python-version"; std; }
t_4() { new 4; printf 'python-3.13\n' >"$APP/.python-version"; std; }
t_5() { new 5; printf '3\n' >"$APP/.python-version"; std; }
t_6() { new 6; printf '2.7\n' >"$APP/.python-version"; std; }
t_7() { new 7; printf '3.99\n' >"$APP/.python-version"; std; }
t_8() { new 8; rm "$APP/.python-version"; mkdir "$APP/.python-version"; std; }
t_9() { new 9; printf 'python-3.11.2\n' >"$APP/runtime.txt"; build; first; note "$(grep -a -m1 -o 'Python 3\.[0-9.]*' "$OUT")"; next; rec; }
t_10() { new 10; rm "$APP/.python-version"; ln -s /etc/passwd "$APP/.python-version"; std; }
t_11() { new 11; : >"$APP/.python-version"; std; }
t_12() { new 12; printf '3.13\n' | iconv -t UTF-16 >"$APP/.python-version"; std; }
t_13() { new 13; printf '3.12\n' >"$APP/.python-version"; std; }
t_14() { new 14; rm "$APP/.python-version"; printf 'python-3.13.15; rm -rf /\n' >"$APP/runtime.txt"; std; }
t_15() { new 15; rm "$APP/.python-version"; printf '[project]\nname = "a"\nversion = "0"\nrequires-python = ">=4"\n' >"$APP/pyproject.toml"; std; }
t_17() { new 17; printf -- '-r a.txt\n' >"$APP/requirements.txt"; printf -- '-r b.txt\n' >"$APP/a.txt"; printf -- '-r c.txt\n' >"$APP/b.txt"; printf -- '-r a.txt\n' >"$APP/c.txt"; std; }
t_18() { new 18; printf -- '-r missing.txt\n' >"$APP/requirements.txt"; std; }
t_19() { new 19; printf -- '-r ../../../../../../etc/passwd\n' >"$APP/requirements.txt"; std; }
t_20() { new 20; printf 'six==1.16.0\n' >"$D/abs.txt"; printf -- '-r %s\n' "$D/abs.txt" >"$APP/requirements.txt"; std; }
t_21() { new 21; head -c 5M /dev/urandom >"$APP/requirements.txt"; std; note "${SECS}s"; sed -i '$d' "$RES"; rec; }
t_22() { new 22; python3 -c '
import sys
with open(sys.argv[1],"w") as f:
  for i in range(116279): f.write("six==1.16.0  # padding line %020d\n" % i)' "$APP/requirements.txt"; ls -la "$APP/requirements.txt" >"$D/size"; std; note "${SECS}s"; sed -i '$d' "$RES"; rec; }
t_23() { new 23; idx_start; { printf -- '--index-url %s\n' "$IDX"; for i in $(seq 201); do echo 'six==1.16.0'; done; } >"$APP/requirements.txt"; rm -rf "${CACHE:?}"/*; build; first; note "GETs of six's page: $(gets /simple/six/)"; idx_stop; next; rec; }
t_24() { new 24; printf 'six==1.16.0\n\x00\xff\xfeabc\n' >"$APP/requirements.txt"; std; }
t_25() { new 25; head -c 4096 /bin/ls >"$APP/requirements.txt"; std; }
t_26() { new 26; printf 'six==1.16.0\nid\x00na\n' >"$APP/requirements.txt"; std; }
t_27() { new 27; printf 'six==1.16.0\n# caf\xe9\n' >"$APP/requirements.txt"; std; }
t_28() { new 28; printf 'six==1.16.0 --install-option=--prefix=/\n' >"$APP/requirements.txt"; build; first; local a=$RC f=$FIRST; printf 'six==1.16.0\n--install-option=--prefix=/\n' >"$APP/requirements.txt"; build; first; note "own line: $RC $FIRST"; next; rec "$a" "$f"; }
t_29() { new 29; printf 'six==1.16.0\n-e .\n' >"$APP/requirements.txt"; std; }
t_30() { new 30; printf 'this-package-does-not-exist-zq9==1.0\n' >"$APP/requirements.txt"; std; }
t_31() { new 31; printf './nope\n' >"$APP/requirements.txt"; std; }
t_32() { new 32; printf 'git+http://127.0.0.1:9/x.git#egg=x\n' >"$APP/requirements.txt"; std; }
t_33() { new 33; printf 'six==1.16.0 --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n' >"$APP/requirements.txt"; build; first; local a=$RC f=$FIRST; rm -rf "${CACHE:?}"/* "$APP/.heroku"; build; note "cold: $RC $(grep -a -m1 -E '^ ! +Error' "$OUT" | sed 's/^ ! *//' | cut -c1-80)"; next; rec "$a" "$f"; }
t_34() { new 34; printf -- '--extra-index-url http://127.0.0.1:9/${UNDEFINED_VAR}\nsix==1.16.0\n' >"$APP/requirements.txt"; std; }
t_35() { new 35; printf -- '-r a\x00b.txt\n' >"$APP/requirements.txt"; build; first; local a=$RC f=$FIRST; printf './x\x00y\n' >"$APP/requirements.txt"; build; first; note "local: $RC $FIRST"; printf -- '-e ./x\x00y\n' >"$APP/requirements.txt"; build; first; note "-e: $RC $FIRST"; next; rec "$a" "$f"; }
t_36() { new 36; printf -- '-r /proc/self/environ\n' >"$APP/requirements.txt"; std; }
t_37() { new 37; printf -- '-r /dev/zero\n' >"$APP/requirements.txt"; std; }
t_38() { new 38; mkfifo "$APP/fifo"; printf -- '-r fifo\n' >"$APP/requirements.txt"; TO=60 std; }
t_39() { new 39; rm "$APP/requirements.txt"; mkfifo "$APP/requirements.txt"; TO=60 std; }
t_40() { new 40; rm "$APP/requirements.txt"; mkdir "$APP/requirements.txt"; std; }
t_41() { new 41; : >"$APP/requirements.txt"; std; }
t_42() { new 42; idx_start; rm -rf "${CACHE:?}"/*; local i; for i in $(seq 0 19); do printf -- '-r a%d.txt\n-r b%d.txt\n' $((i+1)) $((i+1)) >"$APP/a$i.txt"; cp "$APP/a$i.txt" "$APP/b$i.txt"; done; printf 'six==1.16.0\n' >"$APP/a20.txt"; cp "$APP/a20.txt" "$APP/b20.txt"; printf -- '--index-url %s\n-r a0.txt\n-r b0.txt\n' "$IDX" >"$APP/requirements.txt"; build; first; note "${SECS}s, GETs of six's page: $(gets /simple/six/)"; idx_stop; next; rec; }
t_43() { new 43; rm "$APP/requirements.txt"; ln -s /etc/passwd "$APP/requirements.txt"; std; }
t_44() { new 44; ln -s b "$APP/a"; ln -s a "$APP/b"; ln -s . "$APP/self"; mkdir "$APP/sub"; ln -s .. "$APP/sub/up"; std; }
t_45() { new 45; printf 'from setuptools import setup, find_packages\nsetup(name="app45", version="0.1", packages=find_packages())\n' >"$APP/setup.py"; mkdir "$APP/app45"; : >"$APP/app45/__init__.py"; ln -s / "$APP/root"; ln -s . "$APP/self"; printf 'six==1.16.0\n.\n' >"$APP/requirements.txt"; TO=200 std; note "${SECS}s"; sed -i '$d' "$RES"; rec; }
t_16() { new 16; rm "$APP/requirements.txt"; printf '[project\nname = "a"\n' >"$APP/pyproject.toml"; rm "$APP/.python-version"; build; first; local r1=$RC f1=$FIRST; printf '3.13\n' >"$APP/.python-version"; build; first; note "with .python-version 3.13: $RC $FIRST"; next; rec "$r1 / $RC" "$f1"; }
