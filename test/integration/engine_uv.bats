#!/usr/bin/env bats
# The install engines: uv (the default) gives the same environment as pip
# (BUILDPACK_INSTALLER=pip); pip installs when the requirements hold a form uv does not accept
# (with the reason), and pip again when uv fails; bin/report says which engine installed each step.
# When uv can't be had (the mirror's copy damaged), pip installs, saying why: test_commands_install.py
# and test_environment_choose.py, with the real pip. An app that is itself a package (pyproject.toml,
# setup.py) gets the same distributions from either engine: test_environment_uv.py, with the real
# pip and uv against an index on 127.0.0.1.

load ../helpers/suite

# The uv engine's own suite: its builds use uv whatever TEST_INSTALLER says (a whole run with
# TEST_INSTALLER=pip runs the other suites with pip; the tests here that want pip say so).
setup() {
	unset TEST_INSTALLER
	suite_setup
}

teardown() {
	suite_teardown
}

# forms_app DIRNAME: an app with a source-only package, extras, markers, a constraint and a range,
# and a console script (gunicorn's), in BATS_TEST_TMPDIR/DIRNAME.
forms_app() {
	plain_app "$1"
	printf 'requests[socks]>=2.31,<3\ndocopt==0.6.2\nsix ; python_version >= "3.8"\ncolorama ; sys_platform == "win32"\n-c constraints.txt\nidna\ngunicorn==27.0.1\n' \
		>"${BUILD_DIR}/requirements.txt"
	printf 'idna==3.7\n' >"${BUILD_DIR}/constraints.txt"
}

# scripts_run_from_app: the slug moved to /app, its console scripts (gunicorn's, and pip's) run there,
# started by the environment's launchers the engine wrote; /app given back.
scripts_run_from_app() {
	slug_to_app
	in_slug /app 'gunicorn --version && pip --version && python -c "import requests, docopt, six, socks; print(requests.__version__)"'
	assert_success
	assert_output_contains "gunicorn (version 27.0.1)" "from /app/.heroku/venv/lib/"
	cleanup_app
}

# Each engine's launchers in each kind of path (short, with a space, 150 characters), moved, are
# test_environment_relocate.py's (test_the_engines_launchers_work_after_the_environment_moves,
# with the real engines); here, a whole first build of each engine in one of them (pip in one of
# 150 characters, uv in one with a space), run from /app.
@test "uv engine: the same distributions and versions as pip, bytecode compiled, uv's cache in CACHE_DIR; both engines' console scripts run from /app after a build in a path of 150 characters (pip) or with a space (uv)" {
	local long
	long="$(printf 'p%.0s' $(seq 1 $((150 - ${#BATS_TEST_TMPDIR} - 1))))"
	forms_app "$long"
	((${#BUILD_DIR} == 150)) || fail "the long build path is ${#BUILD_DIR} characters"
	printf 'pip' >"${ENV_DIR}/BUILDPACK_INSTALLER"
	compile_app
	assert_success
	assert_output_contains "Successfully installed"
	assert_equal "$(installs)" "dependencies from requirements.txt: pip 26.3 (BUILDPACK_INSTALLER=pip)"
	local with_pip
	with_pip="$(installed_set)"
	scripts_run_from_app

	forms_app "build dir"
	CACHE_DIR="${BATS_TEST_TMPDIR}/uv-cache" # cold: the engine compiles, and writes every launcher
	rm "${ENV_DIR}/BUILDPACK_INSTALLER"
	compile_app
	assert_success
	assert_output_contains "Installing with uv 0.13.9 (pip takes over a step uv fails)"
	refute_output_contains "pip installs it instead"
	assert_equal "$(installs)" "dependencies from requirements.txt: uv 0.13.9"
	# uv built docopt (an sdist) in the install step and says what it installed
	local step="${output#*-----> Installing dependencies from requirements.txt}"
	[[ "$step" == *"+ docopt==0.6.2"* ]] || fail "uv's words are not in the install step: $step"
	assert_equal "$(installed_set)" "$with_pip"
	[[ "$with_pip" == *"idna==3.7"* && "$with_pip" == *"pysocks=="* && "$with_pip" != *colorama* && "$with_pip" == *"gunicorn==27.0.1"* ]] ||
		fail "the fixture does not show constraints, extras and markers: $with_pip"
	[[ -n "$(find "${BUILD_DIR}/.heroku/venv" -path '*docopt*' -name '*.pyc')" ]] || fail "no bytecode was compiled"
	# every module an app can import at start is compiled, as pip compiles what it installs: the
	# app's packages and the seed's setuptools (and _distutils_hack, which every start imports);
	# packages' test suites (tests/) and the packaging tools pip and wheel, which no app imports at
	# start, are left to their first import (pytest shows that)
	run "${BUILD_DIR}/.heroku/venv/bin/python" -I -c '
import importlib.util, pathlib, sys
site = next(pathlib.Path(sys.argv[1]).glob("lib/python*/site-packages"))
missing = []
for source in site.rglob("*.py"):
    if "__pycache__" in source.parts or pathlib.Path(importlib.util.cache_from_source(str(source))).is_file():
        continue
    if "tests" in source.relative_to(site).parts[:-1] or source.relative_to(site).parts[0] in ("pip", "wheel"):
        continue
    try:
        compile(source.read_bytes(), str(source), "exec")
    except (SyntaxError, ValueError):
        continue  # pip does not compile it either
    missing.append(str(source.relative_to(site)))
print(len(missing), "modules without bytecode", *missing[:5])
sys.exit(bool(missing))' "${BUILD_DIR}/.heroku/venv"
	assert_success
	[[ -n "$(find "${BUILD_DIR}/.heroku/venv" -path '*/site-packages/setuptools/__pycache__/*.pyc')" ]] ||
		fail "setuptools' modules were not compiled"
	[[ -z "$(find "${BUILD_DIR}/.heroku/venv" -path '*/site-packages/pip/*' -name '*.pyc')" ]] ||
		fail "pip's modules were compiled"
	[[ -d "${CACHE_DIR}/python/uv" ]] || fail "uv's cache is not in CACHE_DIR"
	scripts_run_from_app
}

@test "uv engine: --pre in a requirements file installs with pip, saying which line made it choose" {
	plain_app
	printf -- '--pre\nsix==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	assert_output_contains "Installing with pip, not uv: the requirements use --pre, which uv does not read" \
		"Successfully installed six-1.17.0"
}

@test "uv engine: when uv fails, pip installs the same step, with one line saying so, and the slug works" {
	plain_app
	printf 'six==1.17.0\ndocopt==0.6.2\n' >"${BUILD_DIR}/requirements.txt"
	compile_app BUILDPACK_TEST_BREAK=uv
	assert_success
	assert_output_contains "uv could not install this step: pip installs it instead" \
		"Successfully installed docopt-0.6.2 six-1.17.0"
	assert_equal "$(installs)" "dependencies from requirements.txt: pip 26.3 (uv failed)"
	in_slug "$BUILD_DIR" 'python -c "import six, docopt; print(six.__version__, docopt.__version__)"'
	assert_output_contains "1.17.0 0.6.2"
}

@test "uv engine: an editable VCS requirement installs with pip, naming its line; the checkout works in the slug" {
	FIXTURE_ROOT="${BATS_TEST_TMPDIR}/served"
	PRIVATE_USER="pyuser"
	PRIVATE_PASSWORD="unused"
	mkdir -p "${FIXTURE_ROOT}/files"
	make_repo editvcs
	start_fixture_server
	plain_app
	printf 'six==1.17.0\n-e git+%s/git/editvcs.git@stable#egg=editvcs\n' "$FIXTURE_URL" >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	assert_output_contains \
		"Installing with pip, not uv: requirements.txt:2 is an editable VCS requirement, which uv does not install" \
		"Successfully installed"
	assert_equal "$(installs)" \
		"dependencies from requirements.txt: pip 26.3 (requirements.txt:2 is an editable VCS requirement, which uv does not install)"
	slug_to_app
	in_slug /app 'python -c "import editvcs, six; print(editvcs.VALUE, editvcs.__file__)"'
	assert_success
	assert_output_contains "stable /app/.heroku/venv/src/editvcs/editvcs.py"
}
