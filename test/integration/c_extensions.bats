#!/usr/bin/env bats
# Packages that compile against the runtime (builds/runtimes/build-python.sh): a C extension is
# built against the runtime's own headers, whatever /app holds (sysconfig's build-time paths follow
# where the runtime is), and what its build leaves in the app's directory is removed; uWSGI, whose
# binary links the static libpython, builds from its sdist and serves from /app.

load ../helpers/suite

@test "a C extension compiles against the runtime's own headers while /app/.heroku/python holds others" {
	# Another runtime's headers in /app (a dyno's, another build's), which can't be compiled against.
	local other="${BATS_TEST_TMPDIR}/other" header
	mkdir -p "${other}/.heroku/python/include/python3.13"
	for header in Python.h pyconfig.h patchlevel.h; do
		echo '#error "the headers of the runtime in /app, not of the runtime being built with"' \
			>"${other}/.heroku/python/include/python3.13/${header}"
	done
	BUILD_DIR="$other" slug_to_app

	new_app c-extension-app
	compile_app
	assert_success
	refute_output_contains "the headers of the runtime in /app"
	# What setuptools left in the package's own directory (build/, hello_ext.egg-info) is removed:
	# a warm build, which installs nothing, leaves none (README, "Reproducible builds").
	run ls -A "${BUILD_DIR}/hello-ext"
	assert_equal "$output" $'hello.c\npyproject.toml\nsetup.py'
	cleanup_app

	slug_to_app
	in_slug /app 'python -c "import hello; print(hello.built_with())"'
	assert_success
	assert_equal "$output" "3.13.15"
}

# uWSGI's setup.py builds the profile UWSGI_PROFILE names (a buildconf/ name or a path to an .ini),
# by default buildconf/default.ini: its core and about 45 plugins, compiled with -O2, most of this
# test's CPU. The build's process environment reaches the engine's build of the sdist (config vars
# do not, by design: only pip's allow-list), so the build here is given a profile of the test's own
# with only what the test shows: the python plugin (which links the runtime's static libpython into
# the binary) on uWSGI's minimal core (--http-socket, the Procfile's, is the core's), at -O0 (the
# profile's cflags come after uWSGI's -O2). Served from /app, the binary runs the app on the
# runtime's Python, which only the linked libpython can do.
@test "uWSGI (its binary links libpython) builds from its sdist and serves from /app" {
	local profile="${BATS_TEST_TMPDIR}/uwsgi-python-only.ini"
	printf '[uwsgi]\ninherit = minimal\nmain_plugin = python\nembedded_plugins = python\ncflags = -O0\n' >"$profile"
	new_app uwsgi-app
	compile_app UWSGI_PROFILE="$profile"
	assert_success
	assert_installed uwsgi==2.0.31
	slug_to_app
	boot /app "$(sed -n 's/^web: //p' /app/Procfile)"
	run curl -sS "http://127.0.0.1:${WEB_PORT}/"
	assert_success
	assert_equal "$output" "hello from uwsgi on 3.13.15"
}
