# shellcheck shell=bash
# shellcheck disable=SC2034,SC2015,SC2016
# The trials of round 3, N01-N53 (uv.lock, Pipfile.lock, poetry.lock: damaged, hostile, private indexes).
# (The trials set lib.sh's globals, write hooks and Python whose $ are theirs, and note a
# finding with `check && note A || note B`.)
TPL=$T/tpl
uvapp() { rm -f "$APP/requirements.txt"; cp "$TPL/uv/pyproject.toml" "$TPL/uv/uv.lock" "$APP/"; }
pipapp() { rm -f "$APP/requirements.txt"; cp "$TPL/pipenv/Pipfile" "$TPL/pipenv/Pipfile.lock" "$APP/"; }
poapp() { rm -f "$APP/requirements.txt"; cp "$TPL/poetry/pyproject.toml" "$TPL/poetry/poetry.lock" "$APP/"; }
# pyed FILE PYCODE: edit a file's text s in Python
pyed() { python3 - "$1" "$2" <<'PY'
import sys, re, json
p=sys.argv[1]; s=open(p).read()
exec(sys.argv[2])
open(p,"w").write(s)
PY
}
# jed FILE PYCODE: edit a JSON file's object d
jed() { python3 - "$1" "$2" <<'PY'
import sys, json
p=sys.argv[1]; d=json.load(open(p))
exec(sys.argv[2])
json.dump(d, open(p,"w"), indent=4)
PY
}
lockerr() { note "$(awk '/^ ! +Error:/{f=1} f' "$OUT" | sed -n '2,5p' | sed 's/^ ! *//' | cut -c1-120 | tr '\n' ' ')"; }
t_N01() { new N01; uvapp; build; first; note "${SECS}s"; local r=$RC f=$FIRST; build; first 'Reusing'; echo "$RC	$FIRST	${SECS}s" >"$D/n02"; next; rec "$r" "$f"; }
t_N02() { ID=N02; D=$R/N01; IFS=$'\t' read -r a b c <"$D/n02"; NEXT=-; NOTE="$c"; rec "$a" "$b"; }
EVIL_UV='
[[package]]
name = "evil"
version = "0.1"
source = { directory = "DIR" }
'
t_N03() { new N03; uvapp; pyed "$APP/uv.lock" "s=s.replace('dependencies = [\n    { name = \"idna\" },', 'dependencies = [\n    { name = \"evil\" },\n    { name = \"idna\" },')+'''$EVIL_UV'''.replace('DIR','../../etc')"; build; first; lockerr; next; rec; }
t_N04() { new N04; uvapp; pyed "$APP/pyproject.toml" "s=s.replace('\"idna==3.7\"]','\"idna==3.7\", \"evil\"]')+'\n[tool.uv.sources]\nevil = { path = \"../../../../../../etc\" }\n'"; pyed "$APP/uv.lock" "s=s.replace('dependencies = [\n    { name = \"idna\" },', 'dependencies = [\n    { name = \"evil\" },\n    { name = \"idna\" },').replace('requires-dist = [','requires-dist = [\n    { name = \"evil\", directory = \"../../../../../../etc\" },')+'''$EVIL_UV'''.replace('DIR','../../../../../../etc')"; build; first; lockerr; next; rec; }
t_N05() { new N05; uvapp; pyed "$APP/pyproject.toml" "s=s.replace('\"idna==3.7\"]','\"idna==3.7\", \"evil @ file:///etc/passwd\"]')"; pyed "$APP/uv.lock" "s=s.replace('dependencies = [\n    { name = \"idna\" },', 'dependencies = [\n    { name = \"evil\" },\n    { name = \"idna\" },').replace('requires-dist = [','requires-dist = [\n    { name = \"evil\", path = \"/etc/passwd\" },')+'\n[[package]]\nname = \"evil\"\nversion = \"0.1\"\nsource = { path = \"/etc/passwd\" }\n'"; build; first; lockerr; grep -a -q 'root:x:0' "$OUT" && note "PASSWD PRINTED"; next; rec; }
t_N06() { new N06; uvapp; pyed "$APP/uv.lock" "i=s.index('[[package]]\nname = \"six\"'); j=s.index('[[package]]\nname = \"uvapp\"'); s=s[:j]+s[i:j].replace('version = \"1.16.0\"','version = \"1.17.0\"')+s[j:]"; build; first; lockerr; next; rec; }
t_N07() { new N07; uvapp; pyed "$APP/uv.lock" "s=s.replace('version = 1\n','version = \"one\"\n',1)"; build; first; lockerr; next; rec; }
t_N08() { new N08; uvapp; pyed "$APP/uv.lock" "s=s[:s.index('[[package]]')]+'package = \"six\"\n'"; std; }
t_N09() { new N09; uvapp; pyed "$APP/uv.lock" "s=s.replace('name = \"six\"','name = 6',1)"; build; first; lockerr; next; rec; }
t_N10() { new N10; uvapp; pyed "$APP/uv.lock" "s=s.replace('requires-python = \">=3.11\"','requires-python = 311',1)"; build; first; lockerr; next; rec; }
nestarr() { python3 -c "import sys; n=int(sys.argv[1]); sys.stdout.write('$2 = ' + '['*n + ']'*n + '\n')" "$1"; }
t_N11() { new N11; uvapp; { printf '\n'; } >>"$APP/uv.lock"; pyed "$APP/uv.lock" "s=s.replace('revision = 5\n','revision = 5\n'+'deep = '+'['*50000+']'*50000+'\n',1)"; std; }
t_N12() { new N12; uvapp; pyed "$APP/pyproject.toml" "s=s.replace('[project]\n','[project]\n'+'deep = '+'['*50000+']'*50000+'\n',1)"; std; }
t_N13() { new N13; uvapp; python3 - "$APP/uv.lock" <<'PY'
import sys
p=sys.argv[1]
with open(p,"a") as f:
    for i in range(100000):
        f.write(f'\n[[package]]\nname = "extra-pkg-{i}"\nversion = "1.0"\nsource = {{ registry = "http://127.0.0.1:9/simple" }}\nwheels = [\n    {{ url = "http://127.0.0.1:9/x/extra_pkg_{i}-1.0-py3-none-any.whl", hash = "sha256:{"0"*64}", size = 1 }},\n]\n')
PY
	build; first; note "$(du -h "$APP/uv.lock" | cut -f1), ${SECS}s"; next; rec; }
t_N14() { new N14; uvapp; pyed "$APP/uv.lock" "s=s.replace('revision = 5\n','revision = 5\nbomb = ['+','.join(['{a=1}']*2000000)+']\n',1)"; build; first; note "$(du -h "$APP/uv.lock" | cut -f1), ${SECS}s"; next; rec; }
privlock() { # uv.lock pointing at the private index (with or without creds in the URL)
	pyed "$APP/uv.lock" "import re; s=re.sub(r'registry = \"[^\"]+\"', 'registry = \"$1\"', s); s=re.sub(r'url = \"https?://[^\"]*/([^/\"]+)\"', r'url = \"$2/\\1\"', s)"; }
t_N15() { new N15; idx_start; uvapp; privlock "http://user:s3cret@$PRIVHOST/private/simple" "http://user:s3cret@$PRIVHOST/private/files"; rm -rf "$CPY"/uv; reseal; build; first; lockerr; note "s3cret: $(grep -a -c s3cret "$OUT") lines; GETs: $(grep -c . "$IDXLOG") ($(grep -c denied "$IDXLOG") denied)"; idx_stop; next; rec; }
t_N16() { new N16; idx_start; uvapp; pyed "$APP/pyproject.toml" "s+='\n[[tool.uv.index]]\nname = \"priv\"\nurl = \"http://$PRIVHOST/private/simple\"\ndefault = true\n'"; (cd "$APP" && UV_INDEX_PRIV_USERNAME=user UV_INDEX_PRIV_PASSWORD=s3cret "$TOOLS/uv" lock -q) >"$D/lock.log" 2>&1; cp "$APP/uv.lock" "$D/uv.lock.priv"; printf user >"$ENVD/UV_INDEX_PRIV_USERNAME"; printf s3cret >"$ENVD/UV_INDEX_PRIV_PASSWORD"; rm -rf "$CPY"/uv; reseal; build; first; note "s3cret: $(grep -a -c s3cret "$OUT") lines"; idx_stop; next; rec; }
t_N17() { new N17; idx_start; uvapp; pyed "$APP/pyproject.toml" "s+='\n[[tool.uv.index]]\nname = \"priv\"\nurl = \"http://$PRIVHOST/private/simple\"\ndefault = true\n'"; cp "$R/N16/uv.lock.priv" "$APP/uv.lock"; printf user >"$ENVD/UV_INDEX_PRIV_USERNAME"; printf wrongpw >"$ENVD/UV_INDEX_PRIV_PASSWORD"; rm -rf "$CPY"/uv; reseal; build; first; note "wrongpw: $(grep -a -c wrongpw "$OUT") lines"; idx_stop; next; rec; }
badsixhash_uv() { pyed "$APP/uv.lock" "s=s.replace('8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254','0'*64).replace('1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926','1'*64)"; }
t_N18() { new N18 cold; uvapp; badsixhash_uv; std; }
t_N19() { new N19; uvapp; build; rm -rf "$APP/.heroku"; badsixhash_uv; build; first; note "$(grep -a -m1 -o 'new hashes[^)]*' "$OUT")"; next; rec; }
t_N20() { new N20; pipapp; std; }
t_N21() { new N21; rm -rf "$D/repo"; mkdir -p "$D/repo/gpkg"; (cd "$D/repo" && git init -q && printf 'from setuptools import setup\nsetup(name="gpkg", version="1.0", packages=["gpkg"])\n' >setup.py && echo 'V=1' >gpkg/__init__.py && git add -A && git -c user.email=a@b -c user.name=a commit -qm one); pipapp; jed "$APP/Pipfile.lock" "d['default']={'gpkg': {'git': 'file://$D/repo'}}"; rm "$APP/Pipfile"; build; first; local r1=$RC f1=$FIRST; (cd "$D/repo" && echo 'V=2' >gpkg/__init__.py && git -c user.email=a@b -c user.name=a commit -qam two); rm -rf "$APP/.heroku"; build; note "after a new commit: $RC, V=$(slugpy -c 'import gpkg; print(gpkg.V)' 2>&1 | tail -1)"; next; rec "$r1 / $RC" "$f1"; }
t_N22() { new N22; pipapp; jed "$APP/Pipfile.lock" "d['default']['evil']={'file': 'file:///etc/passwd'}"; build; first; lockerr; next; rec; }
t_N23() { new N23; pipapp; jed "$APP/Pipfile.lock" "d['default']['evil']={'path': '../../../../../../etc'}"; build; first; lockerr; note "${SECS}s"; next; rec; }
t_N24() { new N24; pipapp; jed "$APP/Pipfile.lock" "d['default']['evil']={'path': '../../../../../../../../'}"; TO=240 build; first; note "${SECS}s"; next; rec; }
t_N25() { new N25; pipapp; jed "$APP/Pipfile.lock" "d['_meta']['sources'][0]['url']='https://user:s3cret@127.0.0.1:9/simple'"; build; first; note "s3cret: $(grep -a -c s3cret "$OUT") lines"; next; rec; }
t_N26() { new N26; pipapp; jed "$APP/Pipfile.lock" "d['default']['six']['version']='==1.16.0\n-r /etc/passwd'"; std; }
t_N27() { new N27; pipapp; jed "$APP/Pipfile.lock" "d['_meta']='x'"; std; }
t_N28() { new N28; pipapp; jed "$APP/Pipfile.lock" "d['default']['six']['hashes']='abc'; d['default']['six']['version']=5"; std; }
t_N29() { new N29; pipapp; jed "$APP/Pipfile.lock" "d['default']['six']['markers']=[\"python_version >= '3'\"]"; std; }
t_N30() { new N30; pipapp; jed "$APP/Pipfile.lock" "d['_meta']['sources']=['a','b']"; std; }
t_N31() { new N31; pipapp; pyed "$APP/Pipfile.lock" "s=s.replace('\"default\": {','\"default\": {\n        \"six\": {\"version\": \"==1.17.0\"},',1)"; build; first; note "installed: $(find "$(sitepk)" -maxdepth 1 -name 'six-*.dist-info' -printf '%f')"; next; rec; }
t_N32() { new N32; pipapp; pyed "$APP/Pipfile.lock" "s=s.replace('\"_meta\": {','\"deep\": '+'['*100000+']'*100000+',\n    \"_meta\": {',1)"; std; }
t_N33() { new N33; pipapp; printf 'requests = "*"\n' >>"$APP/Pipfile"; std; }
t_N34() { new N34; pipapp; rm "$APP/Pipfile.lock"; std; }
t_N35() { new N35; pipapp; echo 'not json {' >"$APP/Pipfile.lock"; std; }
t_N36() { new N36; poapp; std; }
t_N37() { new N37 cold; poapp; pyed "$APP/poetry.lock" "s=s.replace('8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254','0'*64)"; std; }
t_N38() { new N38; poapp; build; rm -rf "$APP/.heroku"; pyed "$APP/poetry.lock" "s=s.replace('8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254','0'*64)"; build; first; note "$(grep -a -m1 -o 'new hashes[^)]*' "$OUT")"; next; rec; }
t_N39() { new N39 cold; poapp; pyed "$APP/poetry.lock" "s=s.replace('8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254','0'*64).replace('1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926','1'*64)"; std; }
t_N40() { new N40; poapp; build; rm -rf "$APP/.heroku"; pyed "$APP/poetry.lock" "s=s.replace('8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254','0'*64).replace('1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926','1'*64)"; std; }
PO_EVIL='
[[package]]
name = "evil"
version = "0.1"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = []

[package.source]
type = "TYPE"
url = "URL"
'
t_N41() { new N41; poapp; pyed "$APP/poetry.lock" "i=s.index('[metadata]'); s=s[:i]+'''$PO_EVIL'''.replace('TYPE','directory').replace('URL','../../../../../../etc')+'\n'+s[i:]"; build; first; lockerr; next; rec; }
t_N42() { new N42; poapp; pyed "$APP/poetry.lock" "i=s.index('[metadata]'); s=s[:i]+'''$PO_EVIL'''.replace('TYPE','url').replace('URL','file:///etc/passwd')+'\n'+s[i:]"; build; first; lockerr; next; rec; }
t_N43() { new N43; poapp; pyed "$APP/poetry.lock" "s=s.replace('lock-version = \"2.1\"','lock-version = \"1.1\"')"; std; }
t_N44() { new N44; poapp; pyed "$APP/poetry.lock" "s=s[:s.index('[metadata]')]+'metadata = \"x\"\n'"; pyed "$APP/poetry.lock" "s='metadata = \"x\"\n'+s.replace('metadata = \"x\"\n','')"; std; }
t_N45() { new N45; poapp; pyed "$APP/poetry.lock" "i=s.index('name = \"six\"'); j=s.index('files = [',i); k=s.index(']\n',j); s=s[:j]+'files = \"abc\"\n'+s[k+2:]"; std; }
t_N46() { new N46; poapp; pyed "$APP/poetry.lock" "s=s.replace('groups = [\"main\"]\nfiles','groups = [\"main\"]\nsource = \"x\"\nfiles',1)"; std; }
t_N47() { new N47; poapp; pyed "$APP/poetry.lock" "i=s.index('[[package]]\nname = \"six\"'); s=s[:i].replace('[[package]]','[package]',1)+s[s.index('[metadata]'):]"; std; }
t_N48() { new N48; poapp; pyed "$APP/poetry.lock" "i=s.index('[[package]]\nname = \"six\"'); j=s.index('[metadata]'); s=s[:j]+s[i:j].replace('version = \"1.16.0\"','version = \"1.17.0\"').replace('8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254','4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274').replace('six-1.16.0','six-1.17.0')+s[j:]"; build; first; lockerr; next; rec; }
t_N49() { new N49; poapp; pyed "$APP/poetry.lock" "s=s.replace('[metadata]\n','[metadata]\ndeep = '+'['*50000+']'*50000+'\n',1)"; std; }
t_N50() { new N50; poapp; pyed "$APP/poetry.lock" "i=s.index('[[package]]')+5; s=s[:i]+s[i:].replace('\n\n[[package]]','\n\n[package.source]\ntype = \"legacy\"\nurl = \"https://user:s3cret@127.0.0.1:9/simple\"\nreference = \"priv\"\n\n[[package]]').replace('\n\n[metadata]','\n\n[package.source]\ntype = \"legacy\"\nurl = \"https://user:s3cret@127.0.0.1:9/simple\"\nreference = \"priv\"\n\n[metadata]')"; build; first; note "s3cret: $(grep -a -c s3cret "$OUT") lines"; next; rec; }
t_N51() { new N51; poapp; pyed "$APP/poetry.lock" "s=s.replace('name = \"six\"','name = \"six==1.16.0\\\\n-r /etc/passwd\\\\n#\"',1)"; build; first; grep -a -q 'root:x:0:0:root:/root' "$OUT" && note "passwd's first line printed"; next; rec; }
poprivapp() { # poetry app on the basic-auth index, locked by poetry with the credentials ($1: password in ENV_DIR)
	poapp; pyed "$APP/pyproject.toml" "s+='\n[[tool.poetry.source]]\nname = \"priv\"\nurl = \"http://$PRIVHOST/private/simple\"\npriority = \"primary\"\n'"
	if [[ ! -f $T/tpl/poetry-priv-$IPORT.lock ]]; then (cd "$APP" && POETRY_HTTP_BASIC_PRIV_USERNAME=user POETRY_HTTP_BASIC_PRIV_PASSWORD=s3cret POETRY_CACHE_DIR="$D/pc" timeout 300 "$TOOLS/poetry" lock) >"$D/lock.log" 2>&1; cp "$APP/poetry.lock" "$T/tpl/poetry-priv-$IPORT.lock"; fi
	cp "$T/tpl/poetry-priv-$IPORT.lock" "$APP/poetry.lock"; printf user >"$ENVD/POETRY_HTTP_BASIC_PRIV_USERNAME"; printf '%s' "$1" >"$ENVD/POETRY_HTTP_BASIC_PRIV_PASSWORD"; rm -rf "$CPY"/uv; reseal; }
t_N52() { new N52; idx_start; poprivapp s3cret; build; first; note "s3cret: $(grep -a -c s3cret "$OUT") lines"; idx_stop; next; rec; }
t_N53() { new N53; idx_start; poprivapp wrongpw; build; first; note "wrongpw: $(grep -a -c wrongpw "$OUT") lines"; idx_stop; next; rec; }
