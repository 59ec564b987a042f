#!/usr/bin/env bats
# The ordered install: build prerequisites first, at the app's pins, then the packages that need
# them without build isolation.

load ../helpers/suite

# plain_pip ARGS...: plain pip install ARGS (no configuration) into a new venv (one without a pip of
# its own: the test tools' pip installs into it, which spares the venv's 4 s of CPU).
plain_pip() {
	python3 -m venv --without-pip "${BATS_TEST_TMPDIR}/plain"
	run env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null pip --python "${BATS_TEST_TMPDIR}/plain/bin/python" install "$@"
}

# plain_pip_install PACKAGE FIXTURE: the fixture app's requirements.txt installed by plain pip in a
# new venv, with PACKAGE on the fixture index.
plain_pip_install() {
	start_index "$1"
	new_app "$2"
	cd "$BUILD_DIR"
	plain_pip --extra-index-url "$INDEX_URL" -r requirements.txt
}

@test "a sdist whose setup.py imports numpy fails under plain pip" {
	plain_pip_install legacy-numpy-pkg ordered-numpy
	assert_failure
	assert_output_contains "No module named 'numpy'"
}

# plan_section: the lines of the install plan in $output (after '-----> Install plan', up to the
# next step).
plan_section() {
	awk '/^-----> Install plan/ { inside = 1; next } /^----->/ { inside = 0 } inside' <<<"$output"
}

# compile_as_planned: bin/plan on BUILD_DIR, then bin/compile: the plan bin/plan printed (an ordered
# install) is the plan the build runs.
compile_as_planned() {
	local shown
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR" "$ENV_DIR"
	assert_success
	shown="$(plan_section)"
	[[ "$shown" == *"without build isolation"* ]] || fail "bin/plan shows no ordered install" "$output"
	compile_app
	assert_success
	assert_equal "$(plan_section)" "$shown"
}

# builds_numpy_first: the ordered-numpy app built with its legacy sdist on the fixture index: numpy
# first, at its pin, then the sdist without build isolation, as bin/plan says; the slug imports
# both from /app.
builds_numpy_first() {
	start_index legacy-numpy-pkg
	new_app ordered-numpy
	printf '%s' "$INDEX_URL" >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	compile_as_planned
	assert_output_contains \
		"-----> Install plan" \
		"1. numpy==2.2.6 first (asked for at requirements.txt:2): needed to build legacy-numpy-pkg" \
		"2. legacy-numpy-pkg==1.0 (requirements/base.txt:1) without build isolation: legacy-numpy-pkg's setup.py imports numpy" \
		"-----> Installing build prerequisites first" \
		"-----> Building legacy-numpy-pkg without build isolation" \
		"-----> Installing the rest of the dependencies from requirements.txt"

	slug_to_app
	in_slug /app 'python -c "import numpy, legacy_numpy_pkg; print(numpy.__version__, legacy_numpy_pkg.BUILT_WITH_NUMPY)"'
	assert_success
	assert_output_contains "2.2.6 2.2.6"
}

@test "bin/compile builds it, nested and after numpy's line, with exactly the pinned numpy" {
	builds_numpy_first
}

# The one test of this suite that runs with the pip engine too, whatever the run's engine: the
# ordered install's steps are the engine's (the plan, bin/plan and the learning are not).
@test "pip engine: bin/compile builds it, nested and after numpy's line, with exactly the pinned numpy" {
	TEST_INSTALLER=pip
	builds_numpy_first
	assert_equal "$(installs)" "build prerequisites: pip 26.3 (BUILDPACK_INSTALLER=pip)
legacy-numpy-pkg without build isolation: pip 26.3 (BUILDPACK_INSTALLER=pip)
dependencies from requirements.txt: pip 26.3 (BUILDPACK_INSTALLER=pip)"
}

@test "without detection (and not in the knowledge base) the same app fails: detection is what works" {
	start_index legacy-numpy-pkg
	new_app ordered-numpy
	printf '%s' "$INDEX_URL" >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	printf '0' >"${ENV_DIR}/BUILDPACK_DETECT_PREREQUISITES"
	compile_app
	assert_failure 1
	assert_output_contains "No module named 'numpy'" "Detection of undeclared build prerequisites is off"

	# Declared by the user instead: it is planned again, numpy first, as bin/plan shows (the plan
	# bin/compile installs by, as compile_as_planned shows above; the rules' policy:
	# test_plan_planner.py, test_user_rules).
	printf 'legacy-numpy-pkg=numpy' >"${ENV_DIR}/BUILDPACK_BUILD_PREREQUISITES"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "1. numpy==2.2.6 first (asked for at requirements.txt:2): needed to build legacy-numpy-pkg" \
		"legacy-numpy-pkg==1.0 (requirements/base.txt:1) without build isolation: declared in BUILDPACK_BUILD_PREREQUISITES"
}

# The fixture's setup.py imports Cython at its top: bin/compile plans Cython first
# (test_plan_planner.py, test_a_setup_py_that_imports_cython_needs_cython_first, on this fixture),
# and the real legacy sdists' test below builds pesq, whose .pyx is compiled by the pinned Cython
# installed first.
@test "a sdist that needs Cython fails under plain pip" {
	plain_pip_install legacy-cython-pkg ordered-cython
	assert_failure
	assert_output_contains "No module named 'Cython'"
}

@test "bin/plan prints the graph and the plan without installing anything" {
	start_index legacy-numpy-pkg
	new_app ordered-numpy
	printf '%s' "$INDEX_URL" >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains \
		"-----> Python 3.13.15" \
		"requirements/base.txt: requirements (from requirements.txt:1)" \
		"requirements/base.txt:1: legacy-numpy-pkg==1.0 [named]" \
		"-----> Install plan (for Python 3.13.15 on" \
		"1. numpy==2.2.6 first (asked for at requirements.txt:2): needed to build legacy-numpy-pkg"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
}

@test "a [build-system] whose numpy is only for old Pythons: plain pip fails, bin/compile plans numpy first" {
	plain_pip_install old-markers-pkg old-markers
	assert_failure
	assert_output_contains "No module named 'numpy'"
	stop_servers
	start_index old-markers-pkg
	new_app old-markers
	printf '%s' "$INDEX_URL" >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	compile_app
	assert_success
	assert_output_contains "1. numpy==2.2.6 first (asked for at requirements.txt:2): needed to build old-markers-pkg" \
		"2. old-markers-pkg==1.0 (requirements.txt:1) without build isolation: old-markers-pkg's setup.py imports numpy"
	in_slug "$BUILD_DIR" 'python -c "import old_markers_pkg; print(old_markers_pkg.BUILT_WITH_NUMPY)"'
	assert_output_contains "2.2.6"
}

@test "real legacy sdists from the index: fastcluster (numpy) and pesq (Cython and numpy) first-try on 3.13; docopt and a --no-binary flit sdist keep their isolation" {
	new_app real-legacy
	compile_app
	assert_success
	assert_output_contains \
		"1. numpy==2.2.6 first (asked for at requirements.txt:6): needed to build fastcluster, pesq" \
		"2. Cython==3.1.4 first (asked for at requirements.txt:7): needed to build pesq" \
		"3. fastcluster==1.1.20 (requirements.txt:4) without build isolation: fastcluster's setup.py imports numpy" \
		"4. pesq==0.0.4 (requirements.txt:5) without build isolation: pesq's setup.py imports numpy and asks for Cython in setup_requires" \
		"5. then pip install -r requirements.txt"
	# idna (--no-binary, a flit sdist) is built in isolation, by the engine that installs
	if [[ "$(engine)" == uv ]]; then
		assert_output_contains "Built idna=="
	else
		assert_output_contains "Building wheel for idna (pyproject.toml)"
	fi
	refute_output_contains "docopt==0.6.2 (requirements.txt:9) without build isolation" "learned from pip's failure"
	# pesq's cypesq is compiled from its .pyx by the pinned Cython, installed first (as the
	# fixture legacy-cython-pkg needs, whose plan test_plan_planner.py checks)
	in_slug "$BUILD_DIR" 'python -c "
import importlib.util, Cython, docopt, fastcluster, idna, numpy, pesq
signal = numpy.random.RandomState(0).randn(16000) * 0.1
print(fastcluster.linkage(numpy.array([1.0, 5.0, 4.0])).shape, round(pesq.pesq(16000, signal, signal, \"wb\"), 1), docopt.__version__)
print(Cython.__version__, importlib.util.find_spec(\"pesq.cypesq\").origin)
"'
	assert_success
	assert_output_contains "(2, 4) 4.6 0.6.2" $'\n3.1.4 '
	[[ "$output" == *"/pesq/cypesq.cpython-313-x86_64-linux-gnu.so" ]] || fail "pesq's .pyx is not compiled" "$output"
}

@test "a prerequisite no reading finds (a helper module imports numpy): learned from pip's failure, kept for the next build" {
	FIXTURE_ROOT="${BATS_TEST_TMPDIR}/served"
	PRIVATE_USER="pyuser"
	PRIVATE_PASSWORD="pw-$RANDOM$RANDOM"
	mkdir -p "${FIXTURE_ROOT}/files"
	build_sdist hidden-numpy-pkg 1.0 "${FIXTURE_ROOT}/private/simple/hidden-numpy-pkg"
	start_fixture_server
	local index="http://${PRIVATE_USER}:${PRIVATE_PASSWORD}@127.0.0.1:${FIXTURE_PORT}/private/simple"
	new_app learn-numpy
	printf '%s' "$index" >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"

	# The build's first attempt, pip's install as planned from what the readings find (nothing
	# first), fails as plain pip does: "pip said" below. (With detection off, nothing is learned,
	# as the ordered-numpy app's test shows.)
	compile_app
	assert_success
	assert_output_contains \
		"-----> hidden-numpy-pkg==1.0 needs numpy at build time (learned from pip's failure); retrying" \
		"pip said: ModuleNotFoundError: No module named 'numpy'" \
		"1. numpy==2.2.6 first (asked for at requirements.txt:2): needed to build hidden-numpy-pkg" \
		"2. hidden-numpy-pkg==1.0 (requirements/base.txt:1) without build isolation: learned from a failed build on $(date +%Y-%m-%d)"
	refute_output_contains "$PRIVATE_PASSWORD"
	slug_to_app
	in_slug /app 'python -c "import hidden_numpy_pkg, numpy; print(hidden_numpy_pkg.total(numpy.arange(5.0)))"'
	assert_success
	assert_output_contains "10.0"
	cleanup_app

	# The next build, on another Python minor version with the same cache, plans numpy first with no
	# failed attempt: bin/plan (the plan bin/compile installs by) shows it, with where it came from.
	# (What is kept, replaced and bounded: test_plan_learning.py.)
	new_app learn-numpy build2
	printf '3.11\n' >"${BUILD_DIR}/.python-version"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR" "$ENV_DIR" "$CACHE_DIR"
	assert_success
	assert_output_contains "1. numpy==2.2.6 first" \
		"hidden-numpy-pkg==1.0 (requirements/base.txt:1) without build isolation: learned from a failed build on"
}

@test "the realistic app of make bench (Django, pandas, docopt ...) gets a plan with nothing deferred" {
	new_app bench-app
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "requirements.txt:21: docopt==0.6.2 [named]" \
		"pip install -r requirements.txt (no package needs a build prerequisite first)"
	refute_output_contains "without build isolation"
}
