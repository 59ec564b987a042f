"""An EMULATION of the Cloud Native Buildpacks lifecycle, for this buildpack's tests: not the real
lifecycle (no Go toolchain, no registry here), written from the specifications:

- Buildpack API 0.10 (buildpacks/spec, tag buildpack/v0.10, buildpack.md): "Detection", "Build",
  "Exec.d", "Layer Types" (with "Launch Layers", "Build Layers", "Cached Layers", "Ignored
  Layers"), "Phase #1: Detection" (one group; the Build Plan's trials), "Phase #2: Analysis",
  "Phase #5: Build" ("Reusing Layers"), "Phase #6: Export", "Launch", "Environment" (targets, layer
  paths, clear-env, "Environment Variable Modification Rules"), "Data Format" (launch.toml,
  layer content metadata, exec.d output), "Deprecations" (the positional arguments, still passed).
- Platform API 0.14 (tag platform/v0.14, platform.md): the `launcher` (process selection, the
  overridable `args` of Buildpack API >= 0.9, exec.d order, working directory, direct execution),
  "Launch Environment", and the phases' exit codes (20/21 detection, 51 build, 6x export, 8x
  launch, 12 buildpack API).

Where the spec reads two ways, this follows what lifecycle 0.21 does (it is what Heroku's builders
run), and says so in place: layer roots (bin/, lib/) are prepended to PATH and LD_LIBRARY_PATH layer
by layer in ascending name order, so a later layer's bin/ comes first; every layer's roots go in
before any layer's env files; a `.delim` file applies to the same directory's `.prepend`/`.append`;
a prepend or append to an empty variable adds no delimiter; file contents are used exactly as they
are (a trailing newline stays).

SBOMs ("Software-Bill-of-Materials"; platform.md "Exporter"): after the build, every
<layers>/<name>.sbom.<ext> must have an extension of the spec's table whose media type buildpack.toml
declares (sbom-formats), be JSON, and name launch, build or a layer with a <layer>.toml (else the
build fails, as lifecycle's SBOM check fails it); a layer's SBOM is kept with its metadata in the
image and the cache and restored beside it; the image gets an SBOM layer of
<layers>/sbom/launch/<buildpack id>/[<layer>/]sbom.<ext> (launch = true layers and launch.sbom) and
the build SBOM stays in <layers>/sbom/build/ (the other layers and build.sbom); last-build.json lists
both.

What it does NOT do: no OCI images, no registry, no run image, no rebasing, no image extensions, no
slices (the whole app directory is one layer), one buildpack group of one buildpack (no
order resolution across several, no build layers of earlier buildpacks in the build environment).

State between builds lives in one directory, STATE: `image/` (the exported image: one tar per layer
named by its sha256 digest, and config.json with the layers' metadata, the processes, the default
process and the labels), `cache/` (the cache: cached layers' tars and metadata), `workspace/` (the
app directory), `layers/<buildpack id with / as _>/` (the layers directory, at the same absolute
path at build and at launch), `home/` (HOME), `platform/` (the platform directory when none is
given), `last-build.json` (each layer's digest and whether the image reused it).

It needs GNU tar (1.28 or later: --sort), which writes and unpacks the layers' tars, and chown(1).

Usage:
    lifecycle.py detect --buildpack BP --app APP [--platform PLATFORM]
    lifecycle.py build --buildpack BP --app APP --state STATE [--platform PLATFORM]
    lifecycle.py launch --state STATE [--process TYPE] [--env NAME=VALUE ...] [-- ARGS...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

BUILDPACK_API = "0.10"
# The exporter's normalised modification time: 1980-01-01T00:00:01Z.
NORMALIZED_MTIME = 315532801
# The build image's user (CNB_USER_ID, CNB_GROUP_ID): nobody.
USER_ID = 65534
GROUP_ID = 65534
RESERVED_LAYER_NAMES = ("build", "launch", "store")
# "Software-Bill-of-Materials": the SBOM files' extensions and their media types.
SBOM_MEDIA_TYPES = {
    "cdx.json": "application/vnd.cyclonedx+json",
    "spdx.json": "application/spdx+json",
    "syft.json": "application/vnd.syft+json",
}
SBOM_FILE = re.compile(r"^(?P<name>[^.]+)\.sbom\.(?P<ext>.+)$")
PROCESS_TYPE = re.compile(r"^[A-Za-z0-9._-]+$")
# What passes from the caller's environment into detect and build (clear-env = true: none of the
# platform's env files): the lifecycle's own environment, as a build image would hold it.
PASSED_ENV = (
    "PATH",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "UV_NATIVE_TLS",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
)
# The run image's environment at launch, before the platform's (--env) and the buildpack's.
RUN_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Layer roots at launch: the directory in a layer and the variables it is prepended to.
LAUNCH_ROOTS = (("bin", ("PATH",)), ("lib", ("LD_LIBRARY_PATH",)))

# Exit codes of the platform spec.
EXIT_GENERIC = 1
EXIT_BUILDPACK_API = 12
EXIT_DETECT_FAILED = 20
EXIT_DETECT_ERRORED = 21
EXIT_BUILD_FAILED = 51
EXIT_BUILD_LIFECYCLE = 52
EXIT_EXPORT = 62
EXIT_LAUNCH = 82

DETECT_PASS = 0
DETECT_FAIL = 100


class LifecycleError(Exception):
    """A phase failed: its message and the lifecycle's exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def log(message: str) -> None:
    print(f"[lifecycle emulation] {message}", file=sys.stderr, flush=True)


# ---- TOML out (the restored <layer>.toml and store.toml; tomllib only reads) ----------------------


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: Any) -> str:  # noqa: ANN401 - any TOML value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"no TOML form for {value!r}")


def toml_dumps(document: Mapping[str, Any], prefix: str = "") -> str:
    """A TOML document: scalars and arrays first, then each table under its own header."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in document.items() if not isinstance(v, dict)]
    text = "\n".join(lines) + ("\n" if lines else "")
    for key, value in document.items():
        if isinstance(value, dict):
            name = f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key)
            text += ("\n" if text else "") + f"[{name}]\n" + toml_dumps(value, name)
    return text


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


# ---- the buildpack and the target ------------------------------------------------------------------


@dataclass(frozen=True)
class Buildpack:
    root: Path
    id: str
    version: str
    api: str
    clear_env: bool
    targets: list[dict[str, Any]]
    sbom_formats: tuple[str, ...] = ()

    @classmethod
    def read(cls, root: Path) -> Buildpack:
        descriptor = read_toml(root / "buildpack.toml")
        section = descriptor.get("buildpack", {})
        api = str(descriptor.get("api", ""))
        if api != BUILDPACK_API:
            raise LifecycleError(
                f"buildpack API {api!r} is not supported: this emulation follows {BUILDPACK_API}",
                EXIT_BUILDPACK_API,
            )
        return cls(
            root=root,
            id=str(section["id"]),
            version=str(section["version"]),
            api=api,
            clear_env=bool(section.get("clear-env", False)),
            targets=list(descriptor.get("targets", [])),
            sbom_formats=tuple(str(media) for media in section.get("sbom-formats", [])),
        )

    @property
    def escaped_id(self) -> str:
        return self.id.replace("/", "_")


@dataclass(frozen=True)
class Target:
    os: str
    arch: str
    distro_name: str
    distro_version: str

    @classmethod
    def of_this_machine(cls) -> Target:
        release: dict[str, str] = {}
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                release[key] = value.strip().strip('"')
        machine = platform.machine()
        arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
        return cls("linux", arch, release.get("ID", ""), release.get("VERSION_ID", ""))

    def env(self) -> dict[str, str]:
        return {
            "CNB_TARGET_OS": self.os,
            "CNB_TARGET_ARCH": self.arch,
            "CNB_TARGET_DISTRO_NAME": self.distro_name,
            "CNB_TARGET_DISTRO_VERSION": self.distro_version,
        }

    def satisfied_by(self, buildpack: Buildpack) -> bool:
        """buildpack.toml "Targets": os and arch match (a field not given matches any) and one of
        the distros, if any, matches; no targets: linux, any arch, when bin/build exists."""
        if not buildpack.targets:
            return (buildpack.root / "bin" / "build").exists() and self.os == "linux"
        for target in buildpack.targets:
            if target.get("os", self.os) != self.os or target.get("arch", self.arch) != self.arch:
                continue
            distros = target.get("distros", [])
            if not distros or any(
                d.get("name", self.distro_name) == self.distro_name
                and d.get("version", self.distro_version) == self.distro_version
                for d in distros
            ):
                return True
        return False


# ---- running the buildpack's executables as the build user -------------------------------------


def as_build_user() -> dict[str, Any]:
    """subprocess arguments that run a program as the build image's user (root can switch)."""
    if os.geteuid() != 0:
        return {}
    return {"user": USER_ID, "group": GROUP_ID, "extra_groups": []}


def chown_tree(root: Path) -> None:
    """The lifecycle makes the layers and app directories the build user's (CNB_USER_ID)."""
    if os.geteuid() != 0:
        return
    # (-R without -L or -H follows no symbolic link; -h changes the links themselves.)
    subprocess.run(["chown", "-R", "-h", f"{USER_ID}:{GROUP_ID}", "--", str(root)], check=True)


def check_access(paths: Sequence[Path], write: Sequence[Path]) -> None:
    """The build user must reach the buildpack and the state: say which path it cannot."""
    if os.geteuid() != 0:
        return
    checks = [("-r", p) for p in paths] + [("-x", p) for p in paths] + [("-w", p) for p in write]
    script = "; ".join(
        f"test {flag} {shlex.quote(str(p))} || {{ echo {shlex.quote(str(p))}; exit 1; }}"
        for flag, p in checks
    )
    result = subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, check=False, **as_build_user()
    )
    if result.returncode != 0:
        raise LifecycleError(
            f"the build user ({USER_ID}) cannot reach {result.stdout.strip()}: every parent directory "
            "must be traversable by others (chmod 0755)",
            EXIT_GENERIC,
        )


def lifecycle_env(home: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    env.setdefault("PATH", RUN_IMAGE_PATH)
    env["HOME"] = str(home)
    env["CNB_USER_ID"] = str(USER_ID)
    env["CNB_GROUP_ID"] = str(GROUP_ID)
    return env


def user_env(platform_dir: Path) -> dict[str, str]:
    """<platform>/env/: one variable per file, its contents exactly."""
    env_dir = platform_dir / "env"
    if not env_dir.is_dir():
        return {}
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(env_dir.iterdir()) if f.is_file()}


def phase_env(buildpack: Buildpack, base: Mapping[str, str], platform_dir: Path) -> dict[str, str]:
    """clear-env = true: the lifecycle's environment only; else the user's files override it."""
    env = dict(base)
    env.update(Target.of_this_machine().env())
    env["CNB_PLATFORM_DIR"] = str(platform_dir)
    env["CNB_BUILDPACK_DIR"] = str(buildpack.root)
    if not buildpack.clear_env:
        env.update(user_env(platform_dir))
    return env


# ---- detection ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    status: int
    plan_entries: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return self.status == DETECT_PASS


def resolve_plan(plan: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The Build Plan's trials for a group of one: the top-level pair, then each `or` pair; a trial
    passes when what it requires it provides and what it provides it requires. The Buildpack Plan
    is the passing trial's requires (None: no trial passes)."""
    trials = [plan, *plan.get("or", [])]
    for trial in trials:
        provides = {entry["name"] for entry in trial.get("provides", [])}
        requires = trial.get("requires", [])
        if {entry["name"] for entry in requires} == provides:
            return [{"name": e["name"], "metadata": e.get("metadata", {})} for e in requires]
    return None


def run_detect(buildpack: Buildpack, app: Path, platform_dir: Path, work: Path, home: Path) -> Detection:
    target = Target.of_this_machine()
    if not target.satisfied_by(buildpack):
        log(f"{buildpack.id}: no target in buildpack.toml matches {target}")
        return Detection(DETECT_FAIL, [])
    plan_path = work / "plan.toml"
    plan_path.write_text("", encoding="utf-8")
    chown_tree(work)
    env = phase_env(buildpack, lifecycle_env(home), platform_dir)
    env["CNB_BUILD_PLAN_PATH"] = str(plan_path)
    detect = buildpack.root / "bin" / "detect"
    result = subprocess.run(
        [str(detect), str(platform_dir), str(plan_path)],
        cwd=app,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
        **as_build_user(),
    )
    if result.returncode != DETECT_PASS:
        return Detection(result.returncode, [])
    entries = resolve_plan(read_toml(plan_path))
    if entries is None:
        log(f"{buildpack.id}: the build plan's requires and provides do not match")
        return Detection(DETECT_FAIL, [])
    return Detection(DETECT_PASS, entries)


def detect_outcome(status: int) -> str:
    if status == DETECT_PASS:
        return "pass"
    return "fail" if status == DETECT_FAIL else "error"


# ---- layers as tars --------------------------------------------------------------------------------


# GNU tar writes and unpacks the layers (as fast as the lifecycle's Go, where Python's tarfile took
# most of a build's emulation): POSIX (pax) format, each directory's entries in name order, every
# mtime the exporter's, owned by the build user with no names, no atime or ctime records, and the
# extended headers named without tar's process id, so the same tree gives the same bytes.
TAR_CREATE = (
    "tar",
    "--create",
    "--file=-",
    "--format=posix",
    "--sort=name",
    f"--mtime=@{NORMALIZED_MTIME}",
    f"--owner={USER_ID}",
    f"--group={GROUP_ID}",
    "--numeric-owner",
    "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
)


def tar_env() -> dict[str, str]:
    """tar's environment: a fixed locale, so that names are written and listed the same way
    whatever the caller's (a pax header's path is UTF-8, converted from the locale's charset)."""
    return {"PATH": os.environ.get("PATH", RUN_IMAGE_PATH), "LC_ALL": "C.UTF-8"}


def write_layer_tar(source: Path, out_dir: Path) -> str:
    """source as a layer: its absolute path kept (without the leading /), entries sorted, every
    mtime 1980-01-01T00:00:01Z, owned by the build user with no names, hard links within the layer
    kept as links; written to out_dir/<sha256>.tar. Returns the digest (sha256:<hex>), the
    uncompressed tar's (a diffID), computed from the bytes as they are written, as the exporter
    does."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=out_dir, suffix=".partial")
    hasher = hashlib.sha256()
    with (
        os.fdopen(handle, "wb") as raw,
        subprocess.Popen(
            [*TAR_CREATE, "--directory=/", "--", str(source).lstrip("/")],
            stdout=subprocess.PIPE,
            env=tar_env(),
        ) as tar,
    ):
        assert tar.stdout is not None
        for block in iter(lambda: tar.stdout.read(1 << 20), b""):
            hasher.update(block)
            raw.write(block)
    if tar.returncode != 0:
        os.unlink(temp)
        raise LifecycleError(f"tar of {source} exited with status {tar.returncode}", EXIT_EXPORT)
    digest = hasher.hexdigest()
    os.replace(temp, out_dir / f"{digest}.tar")
    return f"sha256:{digest}"


def link_blob(source: Path, target: Path) -> None:
    """The same layer in another image or the cache: a hard link (the blobs are never modified)."""
    if not target.exists():
        os.link(source, target)


def tar_path(directory: Path, digest: str) -> Path:
    return directory / f"{digest.removeprefix('sha256:')}.tar"


def extract_layer(tar: Path, expected: Path) -> None:
    """Unpack a layer at its absolute path, after checking that every entry is under expected (the
    names as tar lists them, escaped: a name with a backslash or a character that is not printable
    never matches, so it is refused too)."""
    prefix = str(expected).lstrip("/")
    env = tar_env()
    listing = subprocess.run(
        ["tar", "--list", "--quoting-style=escape", f"--file={tar}"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if listing.returncode != 0:
        raise LifecycleError(f"{tar}: tar --list failed: {listing.stderr.strip()}", EXIT_GENERIC)
    for line in listing.stdout.splitlines():
        name = line.rstrip("/")
        if name != prefix and not name.startswith(prefix + "/"):
            raise LifecycleError(f"{tar}: {name} is outside {expected}", EXIT_GENERIC)
    # As root: each entry's numeric owner and its mode exactly, as tarfile's extractall did.
    unpack = subprocess.run(
        ["tar", "--extract", f"--file={tar}", "--directory=/", "--numeric-owner", "--same-permissions"],
        env=env,
        check=False,
    )
    if unpack.returncode != 0:
        raise LifecycleError(f"{tar}: tar --extract exited with status {unpack.returncode}", EXIT_GENERIC)


# ---- the state: the previous image, the cache --------------------------------------------------------


@dataclass(frozen=True)
class State:
    root: Path

    @property
    def image(self) -> Path:
        return self.root / "image"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"

    @property
    def layers_root(self) -> Path:
        return self.root / "layers"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def layers(self, buildpack_escaped_id: str) -> Path:
        return self.layers_root / buildpack_escaped_id

    def image_config(self) -> dict[str, Any] | None:
        return read_json(self.image / "config.json")

    def cache_config(self) -> dict[str, Any] | None:
        return read_json(self.cache / "config.json")


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def types_of(metadata: Mapping[str, Any]) -> tuple[bool, bool, bool]:
    """(build, cache, launch); unset types are all false."""
    types = metadata.get("types", {})
    return bool(types.get("build")), bool(types.get("cache")), bool(types.get("launch"))


def without_types(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in metadata.items() if key != "types"}


def restore(state: State, buildpack: Buildpack, layers: Path) -> dict[str, str]:
    """Analysis and restore, by "Layer Types": what each layer of the previous image and the cache
    brings back. Returns each restored layer's name and what came back."""
    image = state.image_config() or {}
    cache = state.cache_config() or {}
    image_layers: dict[str, Any] = image.get("layers", {}).get(buildpack.id, {})
    cache_layers: dict[str, Any] = cache.get("layers", {}).get(buildpack.id, {})
    restored: dict[str, str] = {}
    for name in sorted(set(image_layers) | set(cache_layers)):
        in_image, in_cache = image_layers.get(name), cache_layers.get(name)
        if in_cache is not None:
            build, cached, launch = types_of(in_cache["metadata"])
        else:
            build, cached, launch = types_of(in_image["metadata"])
        record: Mapping[str, Any] | None = None
        contents = False
        if cached and launch:
            # "*": only if the layer's digest in the previous image is the cache's.
            if in_image is not None and in_cache is not None and in_image["digest"] == in_cache["digest"]:
                record, contents = in_image, True
        elif cached:
            if in_cache is not None:
                record, contents = in_cache, True
        elif launch and not build and in_image is not None:
            record = in_image
        if record is None:
            continue
        (layers / f"{name}.toml").write_text(toml_dumps(without_types(record["metadata"])), encoding="utf-8")
        for ext, text in record.get("sbom", {}).items():  # "Metadata and SBOM Restored"
            (layers / f"{name}.sbom.{ext}").write_text(text, encoding="utf-8")
        if contents:
            extract_layer(tar_path(state.cache, in_cache["digest"]), layers / name)
        restored[name] = "metadata and contents" if contents else "metadata"
    store = image.get("store", {}).get(buildpack.id)
    if store is not None:
        (layers / "store.toml").write_text(toml_dumps(store), encoding="utf-8")
    return restored


# ---- build -------------------------------------------------------------------------------------------


def run_build(
    buildpack: Buildpack, state: State, layers: Path, platform_dir: Path, plan: list[dict[str, Any]]
) -> None:
    plan_path = state.root / "tmp" / "buildpack-plan.toml"
    plan_path.write_text(toml_dumps({"entries": plan}) if plan else "", encoding="utf-8")
    env = phase_env(buildpack, lifecycle_env(state.home), platform_dir)
    env["CNB_LAYERS_DIR"] = str(layers)
    env["CNB_BP_PLAN_PATH"] = str(plan_path)
    build = buildpack.root / "bin" / "build"
    result = subprocess.run(
        [str(build), str(layers), str(platform_dir), str(plan_path)],
        cwd=state.workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
        **as_build_user(),
    )
    if result.returncode != 0:
        raise LifecycleError(
            f"failed to build: exit status {result.returncode} from {buildpack.id}", EXIT_BUILD_FAILED
        )


def layer_metadata(layers: Path) -> dict[str, dict[str, Any]]:
    """Every <layer>.toml the buildpack left (not launch.toml, build.toml, store.toml)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(layers.glob("*.toml")):
        name = path.name.removesuffix(".toml")
        if name in RESERVED_LAYER_NAMES:
            continue
        found[name] = read_toml(path)
    return found


def layer_sboms(
    buildpack: Buildpack, layers: Path, metadata: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    """{launch, build or a layer: {extension: content}} of the SBOM files the buildpack left,
    each checked: an extension of the spec's table, a media type buildpack.toml declares, JSON, and
    what it describes (launch, build, or a layer that has its <layer>.toml)."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(layers.glob("*.sbom.*")):
        matched = SBOM_FILE.match(path.name)
        if matched is None or not path.is_file():
            continue
        name, ext = matched["name"], matched["ext"]
        media = SBOM_MEDIA_TYPES.get(ext)
        if media is None:
            problem = f"{path.name}: .{ext} is not an SBOM extension of the spec"
            raise LifecycleError(problem, EXIT_BUILD_LIFECYCLE)
        if media not in buildpack.sbom_formats:
            raise LifecycleError(
                f"{path.name}: buildpack.toml's sbom-formats does not declare {media}", EXIT_BUILD_LIFECYCLE
            )
        if name not in ("launch", "build") and name not in metadata:
            problem = f"{path.name} describes no layer (there is no {name}.toml)"
            raise LifecycleError(problem, EXIT_BUILD_LIFECYCLE)
        text = path.read_text(encoding="utf-8")
        try:
            json.loads(text)
        except ValueError as exc:
            raise LifecycleError(f"{path.name} is not JSON: {exc}", EXIT_BUILD_LIFECYCLE) from exc
        found.setdefault(name, {})[ext] = text
    return found


def finish_build(layers: Path, metadata: Mapping[str, Mapping[str, Any]]) -> None:
    """After the buildpack's build: reserved names refused, ignored layers renamed <layer>.ignore."""
    for name in RESERVED_LAYER_NAMES:
        if (layers / name).is_dir():
            raise LifecycleError(f"a layer may not be named {name!r}", EXIT_BUILD_LIFECYCLE)
    for path in sorted(layers.iterdir()):
        if not path.is_dir() or path.name.endswith(".ignore"):
            continue
        if not any(types_of(metadata.get(path.name, {}))):
            path.rename(layers / f"{path.name}.ignore")


# ---- export --------------------------------------------------------------------------------------------


def merge_processes(launch: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """launch.toml's processes, later definitions of a type winning, and the default: the last
    process with default = true (None if a later definition of its type is not a default)."""
    processes: dict[str, dict[str, Any]] = {}
    default: str | None = None
    for process in launch.get("processes", []):
        kind = process["type"]
        if not PROCESS_TYPE.match(kind):
            raise LifecycleError(f"process type {kind!r} is not valid", EXIT_EXPORT)
        processes.pop(kind, None)
        processes[kind] = {
            "type": kind,
            "command": list(process["command"]),
            "args": list(process.get("args", [])),
            "working-dir": process.get("working-dir", ""),
            "buildpack-api": BUILDPACK_API,
        }
        if process.get("default", False):
            default = kind
        elif default == kind:
            default = None
    return list(processes.values()), default


def export(state: State, buildpack: Buildpack, layers: Path, restored: Mapping[str, str]) -> dict[str, Any]:
    previous = state.image_config() or {}
    previous_layers: dict[str, Any] = previous.get("layers", {}).get(buildpack.id, {})
    previous_cache: dict[str, Any] = (state.cache_config() or {}).get("layers", {}).get(buildpack.id, {})
    metadata = layer_metadata(layers)
    sboms = layer_sboms(buildpack, layers, metadata)
    new_image = state.root / "image.new"
    new_cache = state.root / "cache.new"
    for directory in (new_image, new_cache):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()

    image_layers: dict[str, Any] = {}
    cache_layers: dict[str, Any] = {}
    report: dict[str, Any] = {}
    for name, layer in metadata.items():
        _build, cached, launch = types_of(layer)
        directory = layers / name
        digest: str | None = None
        if launch:
            if directory.is_dir():
                digest = write_layer_tar(directory, new_image)
                source = "directory"
            elif name in previous_layers:
                digest = previous_layers[name]["digest"]
                link_blob(tar_path(state.image, digest), tar_path(new_image, digest))
                source = "previous image"
            else:
                raise LifecycleError(
                    f"layer {name!r} is launch = true with no directory and no layer in the previous image",
                    EXIT_EXPORT,
                )
            image_layers[name] = {"digest": digest, "metadata": layer, "sbom": sboms.get(name, {})}
            before = previous_layers.get(name, {}).get("digest")
            report[name] = {
                "digest": digest,
                "previous": before,
                "reused": digest == before,
                "source": source,
                "restored": restored.get(name, "nothing"),
                "launch": True,
                "cache": cached,
            }
        if cached:
            if directory.is_dir():
                digest = digest if launch else None
                if digest is None or not tar_path(new_image, digest).exists():
                    digest = write_layer_tar(directory, new_cache)
                else:
                    link_blob(tar_path(new_image, digest), tar_path(new_cache, digest))
            elif name in previous_cache and (not launch or previous_cache[name]["digest"] == digest):
                digest = previous_cache[name]["digest"]
                link_blob(tar_path(state.cache, digest), tar_path(new_cache, digest))
            else:
                log(f"layer {name!r} is cache = true with no directory and nothing cached: not cached")
                continue
            cache_layers[name] = {"digest": digest, "metadata": layer, "sbom": sboms.get(name, {})}
            if not launch:
                before = previous_cache.get(name, {}).get("digest")
                report[name] = {
                    "digest": digest,
                    "previous": before,
                    "reused": digest == before,
                    "source": "directory",
                    "restored": restored.get(name, "nothing"),
                    "launch": False,
                    "cache": True,
                }

    sbom_layer, sbom_files = sbom_trees(state, buildpack, metadata, sboms, new_image)
    app_digest = write_layer_tar(state.workspace, new_image)
    launch_toml = read_toml(layers / "launch.toml") if (layers / "launch.toml").exists() else {}
    processes, default = merge_processes(launch_toml)
    labels = {label["key"]: label["value"] for label in launch_toml.get("labels", [])}
    store = read_toml(layers / "store.toml") if (layers / "store.toml").exists() else None
    config = {
        "buildpacks": [{"id": buildpack.id, "version": buildpack.version, "api": buildpack.api}],
        "layers": {buildpack.id: image_layers},
        "layers_dir": str(state.layers_root),
        "app": {"dir": str(state.workspace), "digest": app_digest},
        "processes": processes,
        "default_process": default,
        "labels": labels,
        "store": {buildpack.id: store} if store is not None else {},
        "sbom": {"digest": sbom_layer} if sbom_layer else {},
        "user": {"uid": USER_ID, "gid": GROUP_ID},
    }
    write_json(new_image / "config.json", config)
    write_json(new_cache / "config.json", {"layers": {buildpack.id: cache_layers}})
    for current, new in ((state.image, new_image), (state.cache, new_cache)):
        shutil.rmtree(current, ignore_errors=True)
        new.rename(current)
    previous_app = previous.get("app", {}).get("digest")
    last = {
        "layers": report,
        "app": {"digest": app_digest, "previous": previous_app, "reused": app_digest == previous_app},
        "processes": processes,
        "default_process": default,
        "labels": labels,
        "sbom": sbom_files,
    }
    write_json(state.root / "last-build.json", last)
    return last


def sbom_trees(
    state: State,
    buildpack: Buildpack,
    metadata: Mapping[str, Mapping[str, Any]],
    sboms: Mapping[str, Mapping[str, str]],
    new_image: Path,
) -> tuple[str | None, dict[str, list[str]]]:
    """platform.md "Exporter": <layers>/sbom/launch/<id>/sbom.<ext> (launch.sbom) and
    .../<id>/<layer>/sbom.<ext> for launch = true layers, written as the image's SBOM layer;
    <layers>/sbom/build/ likewise for build.sbom and the other layers (the build SBOM, kept there).
    Returns the SBOM layer's digest (None without one) and {launch, build: the files' paths}."""
    root = state.layers_root / "sbom"
    shutil.rmtree(root, ignore_errors=True)
    files: dict[str, list[str]] = {"launch": [], "build": []}
    for name, by_ext in sorted(sboms.items()):
        if name in ("launch", "build"):
            kind, below = name, Path(buildpack.escaped_id)
        else:
            kind = "launch" if types_of(metadata[name])[2] else "build"
            below = Path(buildpack.escaped_id) / name
        for ext, text in sorted(by_ext.items()):
            path = root / kind / below / f"sbom.{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            files[kind].append(str(path.relative_to(root)))
    digest = write_layer_tar(root / "launch", new_image) if files["launch"] else None
    return digest, files


# ---- the commands --------------------------------------------------------------------------------------


def reset_dir(path: Path) -> None:
    # rm(1): a layers directory holds thousands of files, which shutil.rmtree removes at several
    # times rm's CPU.
    subprocess.run(["rm", "-rf", "--", str(path)], check=True)
    path.mkdir(parents=True)


def command_detect(buildpack_dir: Path, app: Path, platform_dir: Path | None) -> int:
    buildpack = Buildpack.read(buildpack_dir)
    with tempfile.TemporaryDirectory(prefix="cnb-detect-") as temp:
        work = Path(temp)
        os.chmod(work, 0o755)
        workspace, home = work / "workspace", work / "home"
        shutil.copytree(app, workspace, symlinks=True)
        home.mkdir()
        if platform_dir is None:
            platform_dir = work / "platform"
            (platform_dir / "env").mkdir(parents=True)
        (work / "plan").mkdir()
        chown_tree(work)
        check_access([buildpack.root, platform_dir], [])
        status = run_detect(buildpack, workspace, platform_dir, work / "plan", home).status
    print(f"{buildpack.id} {status} ({detect_outcome(status)})")
    return status


def command_build(buildpack_dir: Path, app: Path, state_dir: Path, platform_dir: Path | None) -> int:
    buildpack = Buildpack.read(buildpack_dir)
    state = State(state_dir)
    state.root.mkdir(parents=True, exist_ok=True)
    for directory in (state.workspace, state.layers_root, state.home, state.root / "tmp"):
        reset_dir(directory)
    shutil.copytree(app, state.workspace, symlinks=True, dirs_exist_ok=True)
    if platform_dir is None:
        platform_dir = state.root / "platform"
        (platform_dir / "env").mkdir(parents=True, exist_ok=True)
    check_access([buildpack.root, platform_dir, state.root], [])

    # Detection: one group of one buildpack.
    (state.root / "tmp" / "detect").mkdir()
    chown_tree(state.root / "tmp")
    chown_tree(state.workspace)
    chown_tree(state.home)
    detection = run_detect(
        buildpack, state.workspace, platform_dir, state.root / "tmp" / "detect", state.home
    )
    log(f"detect: {buildpack.id} {detection.status} ({detect_outcome(detection.status)})")
    if detection.status == DETECT_FAIL:
        raise LifecycleError("no buildpack group passed detection", EXIT_DETECT_FAILED)
    if not detection.passed:
        raise LifecycleError("no buildpack group passed detection: a buildpack errored", EXIT_DETECT_ERRORED)

    # Analysis and restore.
    layers = state.layers(buildpack.escaped_id)
    layers.mkdir(parents=True)
    restored = restore(state, buildpack, layers)
    for name, what in restored.items():
        log(f"restore: {name}: {what}")
    chown_tree(state.layers_root)
    chown_tree(state.workspace)
    chown_tree(state.root / "tmp")

    # Build.
    run_build(buildpack, state, layers, platform_dir, detection.plan_entries)
    finish_build(layers, layer_metadata(layers))

    # Export.
    last = export(state, buildpack, layers, restored)
    for name, layer in last["layers"].items():
        log(f"export: {name}: {layer['digest'][:19]} ({'reused' if layer['reused'] else 'new'})")
    return 0


def select_process(config: Mapping[str, Any], process_type: str | None, args: list[str]) -> dict[str, Any]:
    """The platform spec's launcher: a buildpack process (its args replaced by the user's, as for
    Buildpack API >= 0.9), a user's command run directly, or the default process."""
    processes = {p["type"]: p for p in config["processes"]}
    if process_type is None and args:
        return {"type": "", "command": [args[0]], "args": args[1:], "working-dir": ""}
    kind = process_type if process_type is not None else config.get("default_process")
    if kind is None:
        raise LifecycleError("when there is no default process a command is required", EXIT_LAUNCH)
    if kind not in processes:
        raise LifecycleError(f"process type {kind!r} was not found", EXIT_LAUNCH)
    process = dict(processes[kind])
    if args:
        process["args"] = list(args)
    return process


class Env:
    """The launch environment, modified by the rules of "Environment Variable Modification Rules"."""

    def __init__(self, base: Mapping[str, str]) -> None:
        self.vars = dict(base)

    def prepend_root(self, directory: Path, names: Sequence[str]) -> None:
        for name in names:
            current = self.vars.get(name, "")
            self.vars[name] = str(directory) + (os.pathsep + current if current else "")

    def apply_dir(self, env_dir: Path) -> None:
        """Each file of env_dir in name order: NAME, NAME.override, NAME.default, NAME.prepend,
        NAME.append (NAME.delim: the delimiter of this directory's prepend and append)."""
        if not env_dir.is_dir():
            return
        for path in sorted(env_dir.iterdir()):
            if path.is_dir():
                continue
            name, _, action = path.name.partition(".")
            value = path.read_text(encoding="utf-8")
            current = self.vars.get(name, "")
            delim_file = env_dir / f"{name}.delim"
            delim = delim_file.read_text(encoding="utf-8") if delim_file.is_file() else ""
            if action in ("", "override"):
                self.vars[name] = value
            elif action == "default":
                if not current:
                    self.vars[name] = value
            elif action == "prepend":
                self.vars[name] = value + (delim + current if current else "")
            elif action == "append":
                self.vars[name] = (current + delim if current else "") + value


def exec_d(program: Path, env: Env, app: Path) -> None:
    """An exec.d program: fd 3 open for writing, its TOML output applied as overrides."""
    read_end, write_end = os.pipe()
    try:
        child = subprocess.Popen(
            [str(program)],
            cwd=app,
            env=env.vars,
            # fd 3 made in the child: the pipe's ends are not inherited (PEP 446), fd 3 is.
            close_fds=False,
            preexec_fn=lambda: _dup_to_3(write_end),
        )
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read()
    if child.wait() != 0:
        raise LifecycleError(f"exec.d: {program} exited with status {child.returncode}", EXIT_LAUNCH)
    try:
        values = tomllib.loads(output.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise LifecycleError(
            f"exec.d: {program} wrote no valid TOML to fd 3: {error}", EXIT_LAUNCH
        ) from error
    for name, value in values.items():
        if not isinstance(value, str):
            raise LifecycleError(f"exec.d: {program}: {name} is not a string", EXIT_LAUNCH)
        env.vars[name] = value


def _dup_to_3(fd: int) -> None:
    os.dup2(fd, 3)  # inheritable, even when fd is 3 already


def command_launch(
    state_dir: Path, process_type: str | None, args: list[str], extra_env: list[str]
) -> NoReturn:
    state = State(state_dir)
    config = state.image_config()
    if config is None:
        raise LifecycleError(f"{state.image} holds no image", EXIT_LAUNCH)
    process = select_process(config, process_type, args)

    # Only what the image holds: the layers directory and the app directory emptied, then unpacked.
    reset_dir(state.layers_root)
    reset_dir(state.workspace)
    reset_dir(state.home)
    chown_tree(state.home)
    bp_ids = [bp["id"] for bp in config["buildpacks"]]
    for bp_id in bp_ids:
        bp_layers = state.layers(bp_id.replace("/", "_"))
        bp_layers.mkdir()
        for name, layer in sorted(config["layers"].get(bp_id, {}).items()):
            extract_layer(tar_path(state.image, layer["digest"]), bp_layers / name)
    extract_layer(tar_path(state.image, config["app"]["digest"]), state.workspace)

    # From here on, the run image's user.
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(config["user"]["gid"])
        os.setuid(config["user"]["uid"])
    app = state.workspace
    os.chdir(app)
    base = {"PATH": RUN_IMAGE_PATH, "HOME": str(state.home)}
    for item in extra_env:
        name, sep, value = item.partition("=")
        if not sep:
            raise LifecycleError(f"--env {item!r}: NAME=VALUE", EXIT_GENERIC)
        base[name] = value
    env = Env(base)
    kind = process["type"]
    for bp_id in bp_ids:
        bp_layers = state.layers(bp_id.replace("/", "_"))
        layer_dirs = sorted(p for p in bp_layers.iterdir() if p.is_dir())
        # lifecycle 0.21: every layer's roots (ascending, each prepended), then every layer's env.
        for layer in layer_dirs:
            for root, names in LAUNCH_ROOTS:
                if (layer / root).is_dir():
                    env.prepend_root(layer / root, names)
        for layer in layer_dirs:
            env.apply_dir(layer / "env")
            env.apply_dir(layer / "env.launch")
            if kind:
                env.apply_dir(layer / "env.launch" / kind)
    for bp_id in bp_ids:
        bp_layers = state.layers(bp_id.replace("/", "_"))
        for layer in sorted(p for p in bp_layers.iterdir() if p.is_dir()):
            directories = [layer / "exec.d"] + ([layer / "exec.d" / kind] if kind else [])
            for directory in directories:
                if directory.is_dir():
                    for program in sorted(p for p in directory.iterdir() if not p.is_dir()):
                        exec_d(program, env, app)
    working_dir = Path(process["working-dir"]) if process["working-dir"] else app
    os.chdir(app / working_dir)
    argv = [*process["command"], *process["args"]]
    binary = shutil.which(argv[0], path=env.vars.get("PATH", ""))
    if binary is None:
        raise LifecycleError(f"path lookup: {argv[0]!r} not found", EXIT_LAUNCH)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(binary, argv, env.vars)


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    detect = commands.add_parser("detect")
    build = commands.add_parser("build")
    for sub in (detect, build):
        sub.add_argument("--buildpack", type=Path, required=True)
        sub.add_argument("--app", type=Path, required=True)
        sub.add_argument("--platform", type=Path)
    build.add_argument("--state", type=Path, required=True)
    launch = commands.add_parser("launch")
    launch.add_argument("--state", type=Path, required=True)
    launch.add_argument("--process")
    launch.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    argv = list(argv)
    rest: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, rest = argv[:at], argv[at + 1 :]
    return parser.parse_args(argv), rest


def main(argv: Sequence[str]) -> int:
    args, rest = parse(argv)
    try:
        if args.command == "detect":
            platform_dir = args.platform.resolve() if args.platform else None
            return command_detect(args.buildpack.resolve(), args.app.resolve(), platform_dir)
        if args.command == "build":
            platform_dir = args.platform.resolve() if args.platform else None
            return command_build(
                args.buildpack.resolve(), args.app.resolve(), args.state.resolve(), platform_dir
            )
        command_launch(args.state.resolve(), args.process, rest, args.env)
    except LifecycleError as error:
        log(f"ERROR: {error}")
        return error.code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
