# shellcheck shell=bash
# prepare: what every run needs, made once per work directory (T): the local index, the locked
# templates and the warm base. Each part is kept when it is there already.

# the index of pip's configuration (lock files name it; none is committed)
index_url() { "$TOOLS/python" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)'; }

# T/idx/root: a simple index of six 1.16.0 (wheel and sdist), six 1.17.0, idna 3.7 and 3.10, and
# its copy under private/ (served with basic auth), with private/req.txt
prepare_index() {
	[[ -d $T/idx/root ]] && return
	local root=$T/idx.new/root
	rm -rf "$T/idx.new"
	mkdir -p "$root/files"
	local spec
	for spec in six==1.16.0 six==1.17.0 idna==3.7 idna==3.10; do
		"$TOOLS/pip" download --quiet --no-deps --only-binary :all: --dest "$root/files" "$spec" || return 1
	done
	"$TOOLS/pip" download --quiet --no-deps --no-binary :all: --no-build-isolation --dest "$root/files" six==1.16.0 || return 1
	python3 - "$root" <<'PY'
import hashlib, pathlib, sys
root = pathlib.Path(sys.argv[1])
for project in ("six", "idna"):
    page = root / "simple" / project
    page.mkdir(parents=True)
    links = "".join(
        f'<a href="../../files/{f.name}#sha256={hashlib.sha256(f.read_bytes()).hexdigest()}">{f.name}</a>\n'
        for f in sorted((root / "files").glob(f"{project}-*"))
    )
    (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
PY
	mkdir -p "$root/private"
	cp -a "$root/simple" "$root/files" "$root/private/"
	printf 'six==1.16.0\n' >"$root/private/req.txt"
	mv "$T/idx.new" "$T/idx"
}

# T/tpl/{uv,pipenv,poetry}: an app of six 1.16.0 and idna 3.7, locked by each tool
prepare_templates() {
	[[ -d $TPL ]] && return
	local t=$T/tpl.new index
	index=$(index_url) || return 1
	rm -rf "$t"
	mkdir -p "$t/uv" "$t/pipenv" "$t/poetry" "$t/scratch"
	printf '[project]\nname = "uvapp"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["six==1.16.0", "idna==3.7"]\n\n[tool.uv]\npackage = false\n' >"$t/uv/pyproject.toml"
	(cd "$t/uv" && UV_SYSTEM_CERTS=1 "$TOOLS/uv" lock --quiet) || return 1
	printf '[[source]]\nurl = "%s"\nverify_ssl = true\nname = "pypi"\n\n[packages]\nsix = "==1.16.0"\nidna = "==3.7"\n\n[requires]\npython_version = "3.13"\n' "$index" >"$t/pipenv/Pipfile"
	(cd "$t/pipenv" && TMPDIR="$t/scratch" WORKON_HOME="$t/scratch/venvs" PIPENV_YES=1 PIPENV_IGNORE_VIRTUALENVS=1 \
		PATH="$TOOLS:$PATH" "$TOOLS/pipenv" lock >"$t/scratch/pipenv.log" 2>&1) || return 1
	printf '[project]\nname = "poapp"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["six==1.16.0", "idna==3.7"]\n\n[tool.poetry]\npackage-mode = false\n' >"$t/poetry/pyproject.toml"
	(cd "$t/poetry" && POETRY_CACHE_DIR="$t/scratch/poetry" "$TOOLS/poetry" lock --no-interaction >"$t/scratch/poetry.log" 2>&1) || return 1
	rm -rf "$t/scratch"
	mv "$t" "$TPL"
}

# T/base: one good warm build of the six app (classic: its CACHE_DIR; cnb: its STATE)
prepare_base() {
	[[ -d $T/base ]] && return
	new base cold
	build
	if [[ $RC != 0 ]]; then
		echo "the base build failed: $OUT" >&2
		return 1
	fi
	mkdir -p "$T/base.new"
	if [[ $MODE == cnb ]]; then cp -a "$CACHE" "$T/base.new/state"; else cp -a "$CACHE" "$T/base.new/cache"; fi
	mv "$T/base.new" "$T/base"
}

prepare() {
	prepare_index || { echo "could not make the local index in $T/idx" >&2; exit 1; }
	prepare_templates || { echo "could not lock the templates in $T/tpl" >&2; exit 1; }
	prepare_base || exit 1
}
