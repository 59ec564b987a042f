# shellcheck shell=bash
# shellcheck disable=SC2034,SC2015,SC2016
# The trials added in round 4 (X1-X3 are the table's R3, R2, R4; R1 is trial 16's second build).
# (The trials set lib.sh's globals, write hooks and Python whose $ are theirs, and note a
# finding with `check && note A || note B`.)
t_X1() { new X1; mkdir -p "$D/outside"; printf '[project]\nname = "evil"\nversion = "0.1"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n' >"$D/outside/pyproject.toml"; uvapp; pyed "$APP/uv.lock" "s=s.replace('dependencies = [\n    { name = \"idna\" },', 'dependencies = [\n    { name = \"evil\" },\n    { name = \"idna\" },')+'''$EVIL_UV'''.replace('DIR','../outside')"; build; first; lockerr; next; rec; }
t_X2() { new X2; rm "$APP/requirements.txt"; printf '[project]\nname = "caf\xe9"\nversion = "1"\n' >"$APP/pyproject.toml"; std; }
t_X3() { new X3; printf 'six==1.16.0\nsix==1.17.0\n' >"$APP/requirements.txt"; std; }
