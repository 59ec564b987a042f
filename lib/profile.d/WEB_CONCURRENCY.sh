# shellcheck shell=sh
# Written by the Python buildpack. Sourced at dyno start (so no `exit` and no `set -e` here).
#
# WEB_CONCURRENCY is the number of processes gunicorn and uvicorn start. When the user has not set
# it, it is the lower of
#   - the memory limit in MB / 256 (at least 1), so that each process has 256 MB, and
#   - the number of CPU cores * 2 + 1,
# which gives 2 on a 512 MB dyno and 4 on a 1 GB dyno. DYNO_RAM is the memory limit in MB.
# The memory limit is the smallest one on this process's control group and its ancestors (cgroup
# v1 or v2); when there is none (or it is over 1 TB, cgroup v1's "unlimited"), nothing is set.
# To choose the number yourself, set the WEB_CONCURRENCY config var or pass --workers to gunicorn.

# _pybp_smallest_limit DIR ROOT FILE: the smallest number in DIR/FILE and in that file of every
# directory above DIR up to ROOT, in _pybp_limit ("max" and missing files count as no limit).
_pybp_smallest_limit() {
	_pybp_dir="$1"
	while :; do
		if [ -r "${_pybp_dir}/$3" ]; then
			read -r _pybp_value <"${_pybp_dir}/$3" || _pybp_value=""
			case "${_pybp_value}" in
			'' | *[!0-9]*) ;;
			*)
				if [ -z "${_pybp_limit}" ] || [ "${_pybp_value}" -lt "${_pybp_limit}" ]; then
					_pybp_limit="${_pybp_value}"
				fi
				;;
			esac
		fi
		[ "${_pybp_dir}" = "$2" ] && break
		case "${_pybp_dir}" in
		"$2"/*) _pybp_dir="${_pybp_dir%/*}" ;;
		*) break ;;
		esac
	done
}

_pybp_limit=""
_pybp_v1="" _pybp_v2=""
if [ -r /proc/self/cgroup ]; then
	while IFS=: read -r _pybp_id _pybp_controllers _pybp_path; do
		case "${_pybp_id}:${_pybp_controllers}" in
		0:) _pybp_v2="${_pybp_path%/}" ;;
		*:memory | *:memory,* | *,memory | *,memory,*) _pybp_v1="${_pybp_path%/}" ;;
		esac
	done </proc/self/cgroup
fi
if [ -d /sys/fs/cgroup/memory ]; then
	_pybp_smallest_limit "/sys/fs/cgroup/memory${_pybp_v1}" /sys/fs/cgroup/memory memory.limit_in_bytes
fi
_pybp_smallest_limit "/sys/fs/cgroup${_pybp_v2}" /sys/fs/cgroup memory.max

_pybp_mb=""
if [ -n "${_pybp_limit}" ] && [ "$((_pybp_limit / 1048576))" -le 1048576 ]; then
	_pybp_mb="$((_pybp_limit / 1048576))"
fi

# Printed only for web dynos, so that one-off commands (heroku run) print nothing.
_pybp_say() {
	case "${DYNO:-}" in
	web.*) echo "Python buildpack: $*" >&2 ;;
	esac
}

if [ -z "${_pybp_mb}" ]; then
	_pybp_say "No memory limit found: WEB_CONCURRENCY is left to the web server."
else
	export DYNO_RAM="${DYNO_RAM:-${_pybp_mb}}"
	if [ -n "${WEB_CONCURRENCY:-}" ]; then
		_pybp_say "WEB_CONCURRENCY=${WEB_CONCURRENCY} is set; keeping it."
	else
		_pybp_cores="$(nproc 2>/dev/null || echo 1)"
		_pybp_by_memory=$((_pybp_mb / 256))
		[ "${_pybp_by_memory}" -ge 1 ] || _pybp_by_memory=1
		_pybp_by_cores=$((_pybp_cores * 2 + 1))
		if [ "${_pybp_by_memory}" -lt "${_pybp_by_cores}" ]; then
			export WEB_CONCURRENCY="${_pybp_by_memory}"
		else
			export WEB_CONCURRENCY="${_pybp_by_cores}"
		fi
		_pybp_say "${_pybp_mb} MB of memory and ${_pybp_cores} CPU cores: WEB_CONCURRENCY=${WEB_CONCURRENCY}."
	fi
fi

unset -f _pybp_smallest_limit _pybp_say
unset _pybp_limit _pybp_v1 _pybp_v2 _pybp_id _pybp_controllers _pybp_path _pybp_dir _pybp_value \
	_pybp_mb _pybp_cores _pybp_by_memory _pybp_by_cores
