"""reseal.py STATE BUILDPACK_DIR_NAME LAYER...: for the bad-input trials in MODE=cnb, the layers
directory's LAYERs, as a trial edited them after a build, written to the lifecycle emulation's
cache (and, for a launch layer, its image) in place of what the build exported: the next build's
restore brings them back as they are now, as a platform that restored a damaged layer would.
A layer that is no longer a directory is dropped from the cache."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cnb"))
import lifecycle  # the emulation's own tar writer and state


def reseal(state: lifecycle.State, escaped_id: str, names: list[str]) -> None:
    image = state.image_config() or {}
    cache = state.cache_config() or {}
    (buildpack_id,) = cache.get("layers", {}) or image.get("layers", {})
    image_layers = image.get("layers", {}).get(buildpack_id, {})
    cache_layers = cache.get("layers", {}).get(buildpack_id, {})
    layers = state.layers(escaped_id)
    for name in names:
        directory = layers / name
        if name not in cache_layers:
            continue
        if not directory.is_dir():
            del cache_layers[name]
            continue
        old = cache_layers[name]["digest"]
        digest = lifecycle.write_layer_tar(directory, state.cache)
        cache_layers[name]["digest"] = digest
        if name in image_layers and image_layers[name]["digest"] == old:
            blob = lifecycle.tar_path(state.cache, digest)
            lifecycle.link_blob(blob, lifecycle.tar_path(state.image, digest))
            image_layers[name]["digest"] = digest
    lifecycle.write_json(state.cache / "config.json", cache)
    if image:
        lifecycle.write_json(state.image / "config.json", image)


def main(argv: list[str]) -> int:
    state, escaped_id, *names = argv
    reseal(lifecycle.State(Path(state)), escaped_id, [n for arg in names for n in arg.split()])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
