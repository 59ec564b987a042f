#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib env
	ENV_DIR="${BATS_TEST_TMPDIR}/env"
	mkdir -p "$ENV_DIR"
}

@test "the buildpack's settings are exported verbatim, newlines included" {
	printf 'file:///srv/mirror\nsecond line' >"${ENV_DIR}/BUILDPACK_MIRROR_URL"
	unset BUILDPACK_MIRROR_URL
	env::load "$ENV_DIR"
	assert_equal "$BUILDPACK_MIRROR_URL" "file:///srv/mirror
second line"
}

@test "nothing else is exported by env::load: not pip's settings, not the buildpack's internals" {
	printf 'secret' >"${ENV_DIR}/DATABASE_URL"
	printf 'x' >"${ENV_DIR}/not a name"
	printf 'x' >"${ENV_DIR}/PATH"
	printf 'x' >"${ENV_DIR}/LD_PRELOAD"
	printf 'https://u:p@127.0.0.1/simple' >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	printf '/tmp/elsewhere' >"${ENV_DIR}/BUILDPACK_DIR"
	printf 'install' >"${ENV_DIR}/BUILDPACK_TEST_KILL_AT"
	unset DATABASE_URL PIP_EXTRA_INDEX_URL BUILDPACK_TEST_KILL_AT
	BUILDPACK_DIR=/the/buildpack
	local path_before="$PATH"
	env::load "$ENV_DIR"
	assert_equal "${DATABASE_URL:-unset}" "unset"
	assert_equal "${PIP_EXTRA_INDEX_URL:-unset}" "unset"
	assert_equal "${BUILDPACK_TEST_KILL_AT:-unset}" "unset"
	assert_equal "$BUILDPACK_DIR" "/the/buildpack"
	assert_equal "$PATH" "$path_before"
	assert_equal "${LD_PRELOAD:-unset}" "unset"
}

@test "hooks get every config var; env::get reads one" {
	printf 'postgres://x' >"${ENV_DIR}/DATABASE_URL"
	printf '1' >"${ENV_DIR}/DISABLE_COLLECTSTATIC"
	run env::run_with_all "$ENV_DIR" bash -c 'echo "$DATABASE_URL"'
	assert_success
	assert_equal "$output" "postgres://x"
	assert_equal "$(env::get "$ENV_DIR" DISABLE_COLLECTSTATIC)" "1"
	assert_equal "$(env::get "$ENV_DIR" NOT_SET)" ""
	assert_equal "$(env::get "" DISABLE_COLLECTSTATIC)" ""
}

@test "a missing or empty ENV_DIR is fine" {
	env::load ""
	env::load "${BATS_TEST_TMPDIR}/nope"
}

@test "hooks never get PATH, PYTHONHOME and the like from config vars; PYTHONPATH they do" {
	local name
	for name in PATH GIT_DIR CPATH CPPATH LD_PRELOAD LIBRARY_PATH LD_LIBRARY_PATH PYTHONHOME PYTHONPLATLIBDIR; do
		printf '/from/config' >"${ENV_DIR}/${name}"
	done
	printf 'kept' >"${ENV_DIR}/APP_SETTING"
	printf 'src' >"${ENV_DIR}/PYTHONPATH"
	run env -u LD_LIBRARY_PATH -u PYTHONHOME -u PYTHONPLATLIBDIR bash -c \
		'source "$1/lib/env.sh" && env::run_with_all "$2" /usr/bin/env' _ "$BUILDPACK_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "APP_SETTING=kept" "PYTHONPATH=src"
	refute_output_contains "/from/config"
}

@test "env::sanitize: the build's own PYTHONHOME, PYTHONPATH and PYTHONPLATLIBDIR are unset" {
	export PYTHONHOME=/elsewhere PYTHONPATH=/elsewhere/lib PYTHONPLATLIBDIR=lib64 PYTHONUNBUFFERED=1
	env::sanitize
	run /usr/bin/env
	refute_output_contains $'\nPYTHONHOME=' $'\nPYTHONPATH=' $'\nPYTHONPLATLIBDIR='
	assert_output_contains $'\nPYTHONUNBUFFERED=1'
}

@test "env::app_dir: the build directory, or BUILDPACK_APP_SUBDIR inside it, never outside" {
	local build="${BATS_TEST_TMPDIR}/build"
	mkdir -p "${build}/services/api"
	unset BUILDPACK_APP_SUBDIR
	assert_equal "$(env::app_dir "$build")" "$build"
	BUILDPACK_APP_SUBDIR=services/api/
	assert_equal "$(env::app_dir "$build")" "${build}/services/api"
	local bad
	for bad in /etc services/../../x services/none; do
		BUILDPACK_APP_SUBDIR="$bad"
		run env::app_dir "$build"
		assert_failure 1
		assert_equal "$output" ""
	done
}

@test "a config var file the build's user can't read is skipped, as the core skips it, not the hook's failure" {
	# CNB builds run as an unprivileged user (the platform's env files may be links it can't
	# follow, or files it can't read); classic builds may too. The core skips such a file
	# (context.ConfigVars); the settings, hooks and env::get skip it the same way.
	local root
	root="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-env.XXXXXX")"
	chmod 755 "$root"
	mkdir -p "${root}/env"
	printf 'kept' >"${root}/env/APP_SETTING"
	printf 'secret' >"${root}/env/UNREADABLE"
	printf 'file:///srv/mirror' >"${root}/env/BUILDPACK_MIRROR_URL"
	printf '1' >"${root}/env/DISABLE_COLLECTSTATIC"
	chmod 600 "${root}/env/UNREADABLE" "${root}/env/BUILDPACK_MIRROR_URL" "${root}/env/DISABLE_COLLECTSTATIC"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH="$PATH" bash -c '
		set -euo pipefail
		source "$1/lib/env.sh"
		env::load "$2"
		echo "mirror=${BUILDPACK_MIRROR_URL:-unset}"
		echo "collectstatic=$(env::get "$2" DISABLE_COLLECTSTATIC)"
		env::run_with_all "$2" bash -c "echo \"hook: \${APP_SETTING:-unset} \${UNREADABLE:-unset}\""
	' _ "$BUILDPACK_DIR" "${root}/env"
	rm -rf -- "$root"
	assert_success
	assert_output_contains "mirror=unset" "collectstatic=" "hook: kept unset"
	refute_output_contains "Permission denied"
}
