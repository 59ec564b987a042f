"""builds/buildpackage.py OUT_DIR: the buildpack as a buildpackage (`make buildpackage`).

OUT_DIR becomes an OCI image layout, the image `pack buildpack package` makes: one layer holding
/cnb/buildpacks/<id, / as _>/<version>/ (what the buildpack runs on: buildpack.toml, bin/, lib/,
data/, vendor/, LICENSE, README.md), the labels io.buildpacks.buildpackage.metadata and
io.buildpacks.buildpack.layers in the image config, and an image index with one manifest per
architecture of buildpack.toml's targets, all on that layer. buildpack.toml is read for the id,
the version and the targets; nothing else here spells them.

The layer is written as pack writes it (pkg/buildpack/buildpack.go, toDistTar): entries in walk
order, the id and version directories first (no /cnb nor /cnb/buildpacks entry), owner 0:0 with
no user or group names, every time 1980-01-01T00:00:01Z, directories 0755, files 0755 when any
execute bit is set (bin/detect, bin/build always) and 0644 otherwise. The gzip stream carries no
time or name, so a second run writes the same bytes, and the same digests.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import struct
import sys
import tarfile
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# What the buildpack runs on, at the layer's buildpack directory: everything else in the
# repository (test/, builds/, .git) stays out.
CONTENTS = ("buildpack.toml", "bin", "lib", "data", "vendor", "LICENSE", "README.md")
# Written by Python at run time, never shipped.
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")
ALWAYS_EXECUTABLE = frozenset({"bin/build", "bin/detect"})
# pack's archive.NormalizedDateTime, and the time the lifecycle's exporter gives every file.
NORMALIZED_TIME = 315532801  # 1980-01-01T00:00:01Z
NORMALIZED_TIME_TEXT = "1980-01-01T00:00:01Z"
BUILDPACKS_DIR = "/cnb/buildpacks"

METADATA_LABEL = "io.buildpacks.buildpackage.metadata"
LAYERS_LABEL = "io.buildpacks.buildpack.layers"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


def load_descriptor(root: Path) -> dict[str, Any]:
    """buildpack.toml, read with tomllib (or, before Python 3.11, the vendored tomli wheel)."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python < 3.11
        wheels = sorted((root / "vendor" / "wheels").glob("tomli-*.whl"))
        sys.path.insert(0, str(wheels[-1]))
        import tomli as tomllib
    with (root / "buildpack.toml").open("rb") as handle:
        return tomllib.load(handle)


def escaped_id(buildpack_id: str) -> str:
    """The id as a directory name under /cnb/buildpacks (pack's EscapedID: / becomes _)."""
    return buildpack_id.replace("/", "_")


def _walk(root: Path, relative: str) -> list[tuple[str, Path]]:
    """(path from the buildpack's root, file) for relative and everything under it, in walk order
    (a directory, then its entries sorted by name). Anything but a directory or a regular file (a
    link, a socket) is refused: the layer holds what the tree holds, or nothing."""
    path = root / relative
    mode = path.lstat().st_mode
    if stat.S_ISREG(mode):
        return [(relative, path)]
    if not stat.S_ISDIR(mode):
        raise SystemExit(f"buildpackage: {relative} is neither a file nor a directory")
    found = [(relative, path)]
    for entry in sorted(os.listdir(path)):
        if entry in SKIPPED_DIRS or entry.endswith(SKIPPED_SUFFIXES):
            continue
        found.extend(_walk(root, f"{relative}/{entry}"))
    return found


def _header(name: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.size = size
    info.mtime = NORMALIZED_TIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def layer_tar(root: Path, buildpack_id: str, version: str) -> bytes:
    """The layer, uncompressed: the buildpack at /cnb/buildpacks/<escaped id>/<version>/."""
    id_dir = f"{BUILDPACKS_DIR}/{escaped_id(buildpack_id)}"
    base = f"{id_dir}/{version}"
    entries = [entry for name in sorted(CONTENTS) for entry in _walk(root, name)]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(_header(id_dir, tarfile.DIRTYPE, 0o755))
        tar.addfile(_header(base, tarfile.DIRTYPE, 0o755))
        for relative, path in entries:
            if path.is_dir():
                tar.addfile(_header(f"{base}/{relative}", tarfile.DIRTYPE, 0o755))
                continue
            executable = relative in ALWAYS_EXECUTABLE or path.stat().st_mode & 0o111
            data = path.read_bytes()
            info = _header(f"{base}/{relative}", tarfile.REGTYPE, 0o755 if executable else 0o644, len(data))
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def gzipped(data: bytes) -> bytes:
    """data as a gzip stream with no time, no name and a fixed OS byte, so that the same data
    gives the same bytes whatever the Python version."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(data) + compressor.flush()
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x00\xff"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return header + body + trailer


def _text(document: dict[str, Any]) -> str:
    """document as compact JSON, its keys in the order they were set."""
    return json.dumps(document, separators=(",", ":"))


def _json(document: dict[str, Any]) -> bytes:
    return _text(document).encode()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Layout:
    """An OCI image layout being written: its blobs, by digest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        (path / "blobs" / "sha256").mkdir(parents=True)

    def blob(self, media_type: str, data: bytes) -> dict[str, Any]:
        """Writes data as a blob; its descriptor."""
        digest = _digest(data)
        (self.path / "blobs" / "sha256" / digest.split(":", 1)[1]).write_bytes(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def finish(self, index: dict[str, Any], ref_name: str) -> None:
        (self.path / "oci-layout").write_bytes(_json({"imageLayoutVersion": "1.0.0"}))
        entry = {**index, "annotations": {"org.opencontainers.image.ref.name": ref_name}}
        (self.path / "index.json").write_bytes(
            _json({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [entry]})
        )


def _targets(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """buildpack.toml's targets as pack writes them in its labels (os, arch, variant, distros)."""
    targets = []
    for target in descriptor.get("targets", []):
        shown: dict[str, Any] = {"os": target["os"], "arch": target["arch"]}
        if target.get("variant"):
            shown["variant"] = target["variant"]
        if target.get("distros"):
            shown["distros"] = [{"name": d["name"], "version": d["version"]} for d in target["distros"]]
        targets.append(shown)
    return targets


def labels(descriptor: dict[str, Any], diff_id: str) -> dict[str, str]:
    """The buildpackage's two labels, with pack's JSON shapes: the buildpack's [buildpack] table and
    stacks (a buildpack with targets declares no stack: pack writes "*"), and its layer's diffID
    with the API and targets, by id and version."""
    info = descriptor["buildpack"]
    metadata: dict[str, Any] = {"id": info["id"]}
    for key in ("name", "version", "description", "homepage", "keywords", "licenses", "clear-env"):
        if info.get(key):
            metadata[key] = info[key]
    metadata["stacks"] = [{"id": "*"}]
    layer: dict[str, Any] = {
        "api": descriptor["api"],
        "targets": _targets(descriptor),
        "layerDiffID": diff_id,
    }
    for key in ("homepage", "name"):
        if info.get(key):
            layer[key] = info[key]
    return {METADATA_LABEL: _text(metadata), LAYERS_LABEL: _text({info["id"]: {info["version"]: layer}})}


def _image(
    layout: Layout,
    platform: dict[str, str],
    image_labels: dict[str, str],
    diff_id: str,
    layer: dict[str, Any],
) -> dict[str, Any]:
    """One architecture's image (its config and manifest); the manifest's descriptor in the index."""
    config = {
        **platform,
        "created": NORMALIZED_TIME_TEXT,
        "config": {"Labels": image_labels},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": layout.blob(CONFIG_TYPE, _json(config)),
        "layers": [layer],
    }
    return {**layout.blob(MANIFEST_TYPE, _json(manifest)), "platform": platform}


def _platforms(descriptor: dict[str, Any]) -> list[dict[str, str]]:
    """The OCI platforms of buildpack.toml's targets, each once, in their order."""
    platforms: list[dict[str, str]] = []
    for target in descriptor["targets"]:
        platform = {"architecture": target["arch"], "os": target["os"]}
        if target.get("variant"):
            platform["variant"] = target["variant"]
        if platform not in platforms:
            platforms.append(platform)
    return platforms


def write(root: Path, out: Path) -> str:
    """The buildpackage of the buildpack at root, as an OCI image layout at out (replaced whole);
    returns the digest of its image index."""
    descriptor = load_descriptor(root)
    info = descriptor["buildpack"]
    tar = layer_tar(root, info["id"], info["version"])
    diff_id = _digest(tar)
    work = out.with_name(f".{out.name}.{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    layout = Layout(work)
    layer = layout.blob(LAYER_TYPE, gzipped(tar))
    image_labels = labels(descriptor, diff_id)
    manifests = [_image(layout, p, image_labels, diff_id, layer) for p in _platforms(descriptor)]
    index = layout.blob(
        INDEX_TYPE, _json({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": manifests})
    )
    layout.finish(index, info["version"])
    shutil.rmtree(out, ignore_errors=True)
    work.rename(out)
    return index["digest"]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: builds/buildpackage.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[1]).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = write(ROOT, out)
    info = load_descriptor(ROOT)["buildpack"]
    print(f"{info['id']} {info['version']}: {out} (image index {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
