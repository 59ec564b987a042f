"""The CNB lifecycle emulation (test/cnb/lifecycle.py) against a tiny bash buildpack written here:
detect's statuses and inputs, restore by layer type, the build's inputs, export's normalised and
stable digests, and launch's environment rules, exec.d through fd 3, user, directory and process
selection. Each is run as the buildpack tests run it: `python3 lifecycle.py ...`, as root, with the
build and the launch as nobody."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIFECYCLE = ROOT / "test" / "cnb" / "lifecycle.py"
BP_ID = "test/tiny"
NOBODY = 65534

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the emulation switches to nobody: run as root")

BUILDPACK_TOML = f"""\
api = "0.10"
[buildpack]
id = "{BP_ID}"
version = "0.0.1"
name = "Tiny"
clear-env = true
sbom-formats = ["application/vnd.cyclonedx+json"]
[[targets]]
os = "linux"
"""

# bin/detect: the status is the app's detect-status file's (0 without one); it prints its inputs.
DETECT = """\
#!/usr/bin/env bash
set -euo pipefail
echo "args=$*"
echo "plan=${CNB_BUILD_PLAN_PATH:-unset} platform=${CNB_PLATFORM_DIR:-unset} bp=${CNB_BUILDPACK_DIR:-unset}"
echo "target=$CNB_TARGET_OS/$CNB_TARGET_ARCH/$CNB_TARGET_DISTRO_NAME/$CNB_TARGET_DISTRO_VERSION"
echo "uid=$(id -u) pwd=$PWD secret=${SECRET:-unset}"
cat >"$CNB_BUILD_PLAN_PATH" <<'END'
[[provides]]
name = "tiny"
[[requires]]
name = "tiny"
[requires.metadata]
from = "detect"
END
status=0
[[ -f detect-status ]] && status="$(<detect-status)"
exit "$status"
"""

# bin/build: a layer of each kind; what the app's files say goes into them.
BUILD = r"""#!/usr/bin/env bash
set -euo pipefail
layers="$1"
[[ "$layers" == "$CNB_LAYERS_DIR" && "$2" == "$CNB_PLATFORM_DIR" && "$3" == "$CNB_BP_PLAN_PATH" ]]
echo "build: uid=$(id -u) pwd=$PWD home=$HOME secret=${SECRET:-unset} plan=$(tr '\n' ' ' <"$3")"
echo "build: target=$CNB_TARGET_OS/$CNB_TARGET_ARCH bp=$CNB_BUILDPACK_DIR"
echo "build: restored: $(cd "$layers" && ls -A | tr '\n' ' ')"
for toml in "$layers"/*.toml; do
    [[ -f "$toml" ]] && echo "build: $(basename "$toml"): $(tr '\n' ' ' <"$toml")"
done
[[ -f "$layers/cached/count" ]] && echo "build: cached count $(<"$layers/cached/count")"
put() { mkdir -p "$(dirname "$1")"; printf '%s' "$2" >"$1"; }

# aaa and zzz (launch): the suffix rules across two layers and within one.
rm -rf "$layers/aaa" "$layers/zzz"
printf '[types]\nlaunch = true\n' >"$layers/aaa.toml"
printf '[types]\nlaunch = true\n' >"$layers/zzz.toml"
put "$layers/aaa/env/OVER" aaa
put "$layers/zzz/env/OVER.override" zzz
put "$layers/aaa/env/PRE.prepend" aaa
put "$layers/aaa/env/PRE.delim" :
put "$layers/zzz/env/PRE.prepend" zzz
put "$layers/zzz/env/PRE.delim" :
put "$layers/aaa/env/APP.append" aaa
put "$layers/aaa/env/APP.delim" :
put "$layers/zzz/env/APP.append" zzz
put "$layers/zzz/env/APP.delim" :
put "$layers/aaa/env/DEF.default" aaa
put "$layers/zzz/env/DEF.default" zzz
put "$layers/aaa/env/SEEDED.default" from-layer
for dir in env env.launch env.launch/web; do
    put "$layers/aaa/$dir/ORDER.prepend" "${dir//\//-}"
    put "$layers/aaa/$dir/ORDER.delim" ,
    put "$layers/aaa/$dir/AFTER.append" "${dir//\//-}"
    put "$layers/aaa/$dir/AFTER.delim" ,
    put "$layers/aaa/$dir/WHICH.override" "${dir//\//-}"
    put "$layers/aaa/$dir/FIRST.default" "${dir//\//-}"
done
put "$layers/aaa/env.launch/worker/ONLY" worker
put "$layers/aaa/env.build/BUILD_ONLY" build
put "$layers/aaa/env/NEWLINE" $'kept\n'
put "$layers/aaa/bin/aaa-tool" $'#!/bin/sh\necho aaa-tool\n'
put "$layers/zzz/bin/aaa-tool" $'#!/bin/sh\necho zzz-tool\n'
chmod +x "$layers/aaa/bin/aaa-tool" "$layers/zzz/bin/aaa-tool"
mkdir -p "$layers/aaa/lib" "$layers/zzz/lib"
mkdir -p "$layers/zzz/exec.d/web"
cat >"$layers/zzz/exec.d/10-first" <<'END'
#!/usr/bin/env bash
printf 'EXECD = "from fd 3"\nSAW = "%s"\n' "$OVER" >&3
echo "exec.d logs" >&2
END
cat >"$layers/zzz/exec.d/20-second" <<'END'
#!/usr/bin/env bash
printf 'CHAIN = "%s+second"\nCWD = "%s"\n' "$EXECD" "$PWD" >&3
END
cat >"$layers/zzz/exec.d/web/30-web" <<'END'
#!/usr/bin/env bash
printf 'WEB_ONLY = "yes"\n' >&3
END
chmod +x "$layers/zzz/exec.d/10-first" "$layers/zzz/exec.d/20-second" "$layers/zzz/exec.d/web/30-web"

# stable (launch, cache, build): made afresh every build from the app's content file.
rm -rf "$layers/stable"
put "$layers/stable/content" "$(<content)"
ln -s content "$layers/stable/link"
ln "$layers/stable/content" "$layers/stable/hardlink"
printf '[types]\nlaunch = true\ncache = true\nbuild = true\n[metadata]\ncontent = "%s"\n' "$(<content)" \
    >"$layers/stable.toml"

# launchonly (launch, not cached): reused when the app says so and its metadata came back.
if [[ -f reuse-launchonly && -f "$layers/launchonly.toml" ]]; then
    printf '[types]\nlaunch = true\n[metadata]\nbuilt = "again"\n' >"$layers/launchonly.toml"
    echo "build: launchonly reused"
else
    put "$layers/launchonly/made" first
    printf '[types]\nlaunch = true\n[metadata]\nbuilt = "first"\n' >"$layers/launchonly.toml"
fi

# cached (cache only): a counter that grows by one each build when it comes back.
count=0
[[ -f "$layers/cached/count" ]] && count="$(<"$layers/cached/count")"
put "$layers/cached/count" "$((count + 1))"
printf '[types]\ncache = true\n[metadata]\ncount = %d\n' "$((count + 1))" >"$layers/cached.toml"

# buildonly (build, not cached) and ignored (no types): never restored, never in the image.
put "$layers/buildonly/x" x
printf '[types]\nbuild = true\n' >"$layers/buildonly.toml"
put "$layers/ignored/x" x
printf '[metadata]\nnote = "no types"\n' >"$layers/ignored.toml"

# SBOMs: a file in the layers directory for each line of the app's sbom-files, JSON unless "bad".
if [[ -f sbom-files ]]; then
    while read -r name; do
        [[ "$name" == bad* ]] && { echo "not JSON" >"$layers/${name#bad }"; continue; }
        printf '{"bomFormat": "CycloneDX", "content": "%s"}\n' "$(<content)" >"$layers/$name"
    done <sbom-files
fi

printf 'built by the buildpack\n' >built.txt
cat >"$layers/launch.toml" <<'EOF'
[[labels]]
key = "io.test.label"
value = "v1"
[[processes]]
type = "web"
command = ["bash", "-c", "echo \"web $# $*\"; env | sort", "web"]
args = ["default-arg"]
default = true
[[processes]]
type = "worker"
command = ["bash", "-c", "echo worker; env | sort"]
[[processes]]
type = "where"
command = ["bash", "-c", "echo uid=$(id -u) gid=$(id -g) pwd=$PWD; command -v aaa-tool; aaa-tool"]
[[processes]]
type = "sub"
command = ["pwd"]
working-dir = "subdir"
EOF
mkdir -p subdir
[[ -f fail-build ]] && exit 7
exit 0
"""


def open_space() -> Path:
    """A 0755 directory under the temporary directory (pytest's are 0700: nobody could not reach
    the buildpack or the state in them)."""
    path = Path(tempfile.mkdtemp(prefix="cnb-lifecycle-"))
    path.chmod(0o755)
    return path


@pytest.fixture
def space() -> Iterator[Path]:
    path = open_space()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def make_buildpack(space: Path) -> Path:
    root = space / "buildpack"
    (root / "bin").mkdir(parents=True)
    (root / "buildpack.toml").write_text(BUILDPACK_TOML)
    for name, text in (("detect", DETECT), ("build", BUILD)):
        (root / "bin" / name).write_text(text)
        (root / "bin" / name).chmod(0o755)
    return root


def make_app(space: Path) -> Path:
    root = space / "app"
    root.mkdir()
    (root / "content").write_text("one")
    return root


def make_platform(space: Path) -> Path:
    root = space / "platform"
    (root / "env").mkdir(parents=True)
    (root / "env" / "SECRET").write_text("from-platform")
    return root


@pytest.fixture
def buildpack(space: Path) -> Path:
    return make_buildpack(space)


@pytest.fixture
def app(space: Path) -> Path:
    return make_app(space)


@pytest.fixture
def platform(space: Path) -> Path:
    return make_platform(space)


def lifecycle(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LIFECYCLE), *map(str, args)], capture_output=True, text=True, check=False
    )


def build(buildpack: Path, app: Path, state: Path, platform: Path) -> subprocess.CompletedProcess[str]:
    result = lifecycle(
        "build", "--buildpack", buildpack, "--app", app, "--state", state, "--platform", platform
    )
    return result


def built(buildpack: Path, app: Path, state: Path, platform: Path) -> subprocess.CompletedProcess[str]:
    result = build(buildpack, app, state, platform)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def last_build(state: Path) -> dict[str, Any]:
    return json.loads((state / "last-build.json").read_text())


def image_tar(state: Path, digest: str) -> Path:
    """The image's blob of a layer (sha256:HEX -> image/HEX.tar)."""
    return state / "image" / f"{digest.removeprefix('sha256:')}.tar"


def launch(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return lifecycle("launch", "--state", state, *args)


def launched_env(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert result.returncode == 0, result.stdout + result.stderr
    pairs = (line.partition("=") for line in result.stdout.splitlines() if "=" in line)
    return {name: value for name, _, value in pairs}


# ---- detect --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "status", "outcome"), [(None, 0, "pass"), ("100", 100, "fail"), ("3", 3, "error")]
)
def test_detect_exits_with_the_status_of_bin_detect(
    buildpack: Path, app: Path, platform: Path, written: str | None, status: int, outcome: str
) -> None:
    if written is not None:
        (app / "detect-status").write_text(written)
    result = lifecycle("detect", "--buildpack", buildpack, "--app", app, "--platform", platform)
    assert result.returncode == status
    assert result.stdout.splitlines()[-1] == f"{BP_ID} {status} ({outcome})"


def test_detect_gets_the_variables_and_the_positional_arguments_as_nobody_without_the_platform_env(
    buildpack: Path, app: Path, platform: Path
) -> None:
    result = lifecycle("detect", "--buildpack", buildpack, "--app", app, "--platform", platform)
    lines = result.stdout.splitlines()
    plan = lines[1].split()[0].removeprefix("plan=")
    assert lines[0] == f"args={platform} {plan}"
    assert lines[1] == f"plan={plan} platform={platform} bp={buildpack}"
    release = dict(
        line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
    )
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    distro = f"{release['ID'].strip(chr(34))}/{release['VERSION_ID'].strip(chr(34))}"
    assert lines[2] == f"target=linux/{arch}/{distro}"
    # run in a copy of the app, as the platform's user; clear-env: SECRET stays a file.
    assert lines[3].startswith(f"uid={NOBODY} pwd=/")
    assert not lines[3].startswith(f"uid={NOBODY} pwd={app} ")
    assert lines[3].endswith("secret=unset")


def test_a_build_whose_detect_fails_or_errors_stops_there(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    (app / "detect-status").write_text("100")
    assert build(buildpack, app, space / "state", platform).returncode == 20
    (app / "detect-status").write_text("1")
    assert build(buildpack, app, space / "state", platform).returncode == 21
    assert not (space / "state" / "image").exists()


def test_a_failed_build_exports_nothing(buildpack: Path, app: Path, platform: Path, space: Path) -> None:
    (app / "fail-build").write_text("")
    result = build(buildpack, app, space / "state", platform)
    assert result.returncode == 51
    assert "exit status 7" in result.stderr
    assert not (space / "state" / "image").exists()


# ---- build, restore, export ------------------------------------------------------------------------------


def test_layer_sboms_go_to_the_image_or_the_build_sbom_and_come_back_with_their_layers(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    state = space / "state"
    names = ["stable.sbom.cdx.json", "cached.sbom.cdx.json", "launch.sbom.cdx.json", "build.sbom.cdx.json"]
    (app / "sbom-files").write_text("\n".join(names) + "\n")
    built(buildpack, app, state, platform)
    escaped = BP_ID.replace("/", "_")
    assert last_build(state)["sbom"] == {
        "launch": [f"launch/{escaped}/sbom.cdx.json", f"launch/{escaped}/stable/sbom.cdx.json"],
        "build": [f"build/{escaped}/sbom.cdx.json", f"build/{escaped}/cached/sbom.cdx.json"],
    }
    image = json.loads((state / "image" / "config.json").read_text())
    with tarfile.open(image_tar(state, image["sbom"]["digest"])) as tar:
        files = sorted(m.name.split("/sbom/launch/", 1)[1] for m in tar.getmembers() if m.isfile())
    assert files == [f"{escaped}/sbom.cdx.json", f"{escaped}/stable/sbom.cdx.json"]
    # The next build finds the layers' SBOMs beside their metadata, never launch's or build's.
    (app / "sbom-files").write_text("")
    out = built(buildpack, app, state, platform).stdout
    restored = out.split("build: restored: ")[1].splitlines()[0].split()
    assert [name for name in restored if ".sbom." in name] == ["cached.sbom.cdx.json", "stable.sbom.cdx.json"]
    # (the buildpack left the restored ones as they were: exported again)
    assert last_build(state)["sbom"] == {
        "launch": [f"launch/{escaped}/stable/sbom.cdx.json"],
        "build": [f"build/{escaped}/cached/sbom.cdx.json"],
    }


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("stable.sbom.xml", ".xml is not an SBOM extension of the spec"),
        ("stable.sbom.spdx.json", "sbom-formats does not declare application/spdx+json"),
        ("nolayer.sbom.cdx.json", "describes no layer"),
        ("bad stable.sbom.cdx.json", "is not JSON"),
    ],
)
def test_an_sbom_the_spec_or_the_buildpack_does_not_allow_fails_the_build(
    buildpack: Path, app: Path, platform: Path, space: Path, line: str, says: str
) -> None:
    (app / "sbom-files").write_text(line + "\n")
    result = build(buildpack, app, space / "state", platform)
    assert result.returncode == 52, result.stdout + result.stderr
    assert says in result.stderr
    assert not (space / "state" / "image").exists()


def test_the_build_runs_as_nobody_in_the_app_with_its_inputs(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    state = space / "state"
    out = built(buildpack, app, state, platform).stdout
    assert f"build: uid={NOBODY} pwd={state / 'workspace'} home={state / 'home'} secret=unset " in out
    assert 'plan=entries = [{name = "tiny", metadata = {from = "detect"}}] ' in out
    assert f"bp={buildpack}" in out
    layers = state / "layers" / "test_tiny"
    assert (layers / "ignored.ignore" / "x").exists()
    assert not (layers / "ignored").exists()
    assert (layers / "buildonly").is_dir()  # a build layer is not ignored
    assert (state / "workspace" / "built.txt").stat().st_uid == NOBODY


def test_restore_brings_back_cache_layers_whole_launch_only_layers_as_metadata_and_nothing_else(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    state = space / "state"
    built(buildpack, app, state, platform)
    (app / "reuse-launchonly").write_text("")
    out = built(buildpack, app, state, platform).stdout
    restored = out.split("build: restored: ")[1].splitlines()[0].split()
    # launch-only layers as metadata, cache layers whole, build-only and ignored ones not at all
    assert sorted(restored) == [
        "aaa.toml",
        "cached",
        "cached.toml",
        "launchonly.toml",
        "stable",
        "stable.toml",
        "zzz.toml",
    ]
    assert "build: cached count 1" in out
    assert "build: cached.toml: [metadata] count = 1 " in out
    assert 'build: launchonly.toml: [metadata] built = "first" ' in out  # no [types]
    assert "[types]" not in out.split("build: restored:")[1].split("build: launchonly reused")[0]
    assert "build: launchonly reused" in out
    layer = last_build(state)["layers"]["launchonly"]
    assert layer["source"] == "previous image"
    assert layer["reused"] is True
    image = json.loads((state / "image" / "config.json").read_text())
    assert image["layers"][BP_ID]["launchonly"]["metadata"]["metadata"] == {"built": "again"}
    assert last_build(state)["layers"]["cached"]["launch"] is False


def test_a_launch_and_cache_layer_comes_back_only_when_the_image_and_the_cache_agree(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    state = space / "state"
    built(buildpack, app, state, platform)
    config_path = state / "image" / "config.json"
    config = json.loads(config_path.read_text())
    config["layers"][BP_ID]["stable"]["digest"] = "sha256:" + "0" * 64
    config_path.write_text(json.dumps(config))
    restored = built(buildpack, app, state, platform).stdout.split("build: restored: ")[1].splitlines()[0]
    assert "stable" not in restored.split()
    assert "stable.toml" not in restored.split()
    assert "cached" in restored.split()


def test_an_unchanged_layer_keeps_its_digest_and_a_changed_one_does_not(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    state = space / "state"
    built(buildpack, app, state, platform)
    first = last_build(state)["layers"]["stable"]["digest"]
    built(buildpack, app, state, platform)  # the layer made afresh: new files, new mtimes
    again = last_build(state)["layers"]["stable"]
    assert again["digest"] == first
    assert again["reused"] is True
    assert again["source"] == "directory"
    (app / "content").write_text("two")
    built(buildpack, app, state, platform)
    changed = last_build(state)["layers"]["stable"]
    assert changed["digest"] != first
    assert changed["reused"] is False
    assert changed["previous"] == first
    cached = json.loads((state / "cache" / "config.json").read_text())["layers"][BP_ID]
    assert cached["stable"]["digest"] == changed["digest"]
    assert not image_tar(state, first).exists()


def test_the_image_layers_are_normalised_and_hold_only_launch_layers(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    state = space / "state"
    built(buildpack, app, state, platform)
    image = json.loads((state / "image" / "config.json").read_text())
    assert sorted(image["layers"][BP_ID]) == ["aaa", "launchonly", "stable", "zzz"]
    tars = [image_tar(state, layer["digest"]) for layer in image["layers"][BP_ID].values()]
    tars.append(image_tar(state, image["app"]["digest"]))
    for path in tars:
        with tarfile.open(path) as tar:
            members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names, key=lambda n: n.split("/"))
        assert {m.mtime for m in members} == {315532801}  # 1980-01-01T00:00:01Z
        assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(NOBODY, NOBODY, "", "")}
        assert all(not name.startswith("/") for name in names)
    stable = image["layers"][BP_ID]["stable"]
    with tarfile.open(image_tar(state, stable["digest"])) as tar:
        prefix = str(state / "layers" / "test_tiny" / "stable").lstrip("/")
        assert tar.getmember(f"{prefix}/link").issym()
        assert tar.getmember(f"{prefix}/hardlink").islnk()
    assert stable["metadata"]["types"] == {"launch": True, "cache": True, "build": True}
    assert image["labels"] == {"io.test.label": "v1"}
    assert image["default_process"] == "web"


# ---- launch ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def image() -> Iterator[Path]:
    """One build the launch tests share (each launch unpacks the image afresh)."""
    space = open_space()
    state = space / "state"
    built(make_buildpack(space), make_app(space), state, make_platform(space))
    yield state
    shutil.rmtree(space, ignore_errors=True)


def test_launch_applies_the_suffix_rules_across_layers_and_within_one(image: Path) -> None:
    env = launched_env(launch(image, "--env", "SEEDED=from-platform"))
    assert env["OVER"] == "zzz"  # a later layer overrides
    assert env["PRE"] == "zzz:aaa"  # a later layer precedes
    assert env["APP"] == "aaa:zzz"
    assert env["DEF"] == "aaa"  # an earlier layer's default wins
    assert env["SEEDED"] == "from-platform"  # a default never replaces a value
    assert env["ORDER"] == "env.launch-web,env.launch,env"
    assert env["AFTER"] == "env,env.launch,env.launch-web"
    assert env["WHICH"] == "env.launch-web"
    assert env["FIRST"] == "env"
    assert "ONLY" not in env  # another process's
    assert "BUILD_ONLY" not in env
    layers = image / "layers" / "test_tiny"
    assert env["PATH"].startswith(f"{layers}/zzz/bin:{layers}/aaa/bin:/usr/local/sbin:")
    assert env["LD_LIBRARY_PATH"] == f"{layers}/zzz/lib:{layers}/aaa/lib"
    assert "CNB_LAYERS_DIR" not in env
    assert "CNB_APP_DIR" not in env


def test_env_file_contents_are_taken_exactly(image: Path) -> None:
    result = launch(image, "--", "bash", "-c", 'printf "[%s]" "$NEWLINE"')
    assert result.stdout == "[kept\n]"


def test_exec_d_writes_to_fd_3_after_the_env_files_in_the_app_directory(image: Path) -> None:
    env = launched_env(launch(image))
    assert env["EXECD"] == "from fd 3"
    assert env["SAW"] == "zzz"
    assert env["CHAIN"] == "from fd 3+second"  # in file-name order, each seeing the last
    assert env["CWD"] == str(image / "workspace")
    assert env["WEB_ONLY"] == "yes"
    assert "exec.d logs" in launch(image).stderr
    worker = launched_env(launch(image, "--process", "worker"))
    assert "WEB_ONLY" not in worker
    assert worker["ONLY"] == "worker"


def test_the_process_runs_as_nobody_in_the_app_directory_from_the_image_only(image: Path) -> None:
    (image / "workspace" / "stray").write_text("not in the image")
    (image / "layers" / "test_tiny" / "cached").mkdir(exist_ok=True)  # as after the build
    (image / "layers" / "test_tiny" / "cached" / "count").write_text("99")
    result = launch(image, "--process", "where")
    assert result.returncode == 0, result.stderr
    layers = image / "layers" / "test_tiny"
    assert result.stdout.splitlines() == [
        f"uid={NOBODY} gid={NOBODY} pwd={image / 'workspace'}",
        f"{layers}/zzz/bin/aaa-tool",
        "zzz-tool",
    ]
    assert not (image / "workspace" / "stray").exists()
    assert not (layers / "cached").exists()  # a cache-only layer is not in the image
    assert (image / "workspace" / "built.txt").read_text() == "built by the buildpack\n"
    assert (layers / "stable" / "content").stat().st_mtime == 315532801


def test_the_process_args_are_the_defaults_or_the_users_and_a_command_runs_directly(image: Path) -> None:
    assert launch(image).stdout.splitlines()[0] == "web 1 default-arg"
    assert launch(image, "--process", "web", "--", "a", "b").stdout.splitlines()[0] == "web 2 a b"
    direct = launch(image, "--", "printf", "%s|", "$HOME", "two words")
    assert direct.stdout == "$HOME|two words|"  # no shell
    assert launch(image, "--process", "sub").stdout == f"{image / 'workspace' / 'subdir'}\n"
    missing = launch(image, "--process", "nope")
    assert missing.returncode == 82


def test_an_exec_d_failure_stops_the_launch(buildpack: Path, app: Path, platform: Path, space: Path) -> None:
    image = space / "state"
    script = buildpack / "bin" / "build"
    script.write_text(
        script.read_text().replace(
            "exit 0\n",
            'printf "#!/bin/sh\\nexit 4\\n" >"$layers/zzz/exec.d/05-fail"\n'
            'chmod +x "$layers/zzz/exec.d/05-fail"\nexit 0\n',
        )
    )
    built(buildpack, app, image, platform)
    result = launch(image)
    assert result.returncode == 82
    assert "05-fail exited with status 4" in result.stderr


def test_a_layer_with_an_entry_outside_its_directory_is_refused_and_nothing_unpacked_outside(
    buildpack: Path, app: Path, platform: Path, space: Path
) -> None:
    state = space / "state"
    built(buildpack, app, state, platform)
    config = json.loads((state / "image" / "config.json").read_text())
    tar_file = image_tar(state, config["layers"][BP_ID]["stable"]["digest"])
    layer = state / "layers" / "test_tiny" / "stable"
    # The layer's directory and one more entry, in the image under the layer's digest: a sibling
    # whose name starts with the layer's, a path out of another layer, and one out of this layer.
    for stray, said in (
        ("stable-not", f"is outside {layer}"),
        ("zzz/../../escaped", f"is outside {layer}"),
        ("stable/../../escaped", "tar --extract exited with status 2"),
    ):
        tar_file.unlink()
        with tarfile.open(tar_file, "w", format=tarfile.PAX_FORMAT) as tar:
            directory = tarfile.TarInfo(str(layer).lstrip("/"))
            directory.type, directory.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(directory)
            tar.addfile(tarfile.TarInfo(str(layer.parent / stray).lstrip("/")), io.BytesIO(b""))
        result = launch(state, "--", "true")
        assert result.returncode == 1, result.stderr
        assert said in result.stderr
        assert not (layer.parent / stray).exists()
