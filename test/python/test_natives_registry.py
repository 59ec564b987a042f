from __future__ import annotations

import io
import tarfile
from pathlib import Path

from pybuildpack.index.select import Sources
from pybuildpack.natives.detect import needed_libraries
from pybuildpack.natives.registry import build_environment, load_registry, triggers
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.package import package_dependencies
from pybuildpack.requirements.parse import parse_requirements

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "data" / "native-libraries.toml")


def graph_of(app: Path, files: dict[str, str]) -> Graph:
    for name, text in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)
    return parse_requirements(app / "requirements.txt", app, {})


def test_registry_entries_are_complete() -> None:
    names = {lib.name for lib in REGISTRY}
    assert {"libmemcached", "lzo2"} <= names
    for lib in REGISTRY:
        assert lib.packages and lib.reason and lib.version
        assert (ROOT / "builds" / "libraries" / lib.name / "build.sh").is_file(), lib.name


def test_nested_any_depth_any_spelling(tmp_path: Path) -> None:
    graph = graph_of(
        tmp_path,
        {
            "requirements.txt": "-r requirements/production.txt\n",
            "requirements/production.txt": "-r base.txt\n",
            "requirements/base.txt": "flask\nPyLibMC==1.6.3\nPython_LZO\n",
        },
    )
    found = {t.library.name: t.entry.origin.show(tmp_path) for t in triggers(graph, REGISTRY)}
    assert found == {"libmemcached": "requirements/base.txt:2", "lzo2": "requirements/base.txt:3"}


def test_constraints_alone_do_not_trigger(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, {"requirements.txt": "-c c.txt\nflask\n", "c.txt": "pylibmc==1.6.3\n"})
    assert triggers(graph, REGISTRY) == []


def test_setup_py_dependencies_trigger(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(install_requires=['pylibmc'])\n")
    graph = Graph(tmp_path)
    graph.entries.extend(package_dependencies(tmp_path))
    assert [t.library.name for t in triggers(graph, REGISTRY)] == ["libmemcached"]


def test_extras_trigger_through_the_index(tmp_path: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    pkg_info = (
        b"Metadata-Version: 2.1\nName: cachekit\nVersion: 1.0\nProvides-Extra: memcache\n"
        b'Requires-Dist: pylibmc==1.6.3; extra == "memcache"\nRequires-Dist: six\n'
    )
    with tarfile.open(links / "cachekit-1.0.tar.gz", "w:gz") as tf:
        info = tarfile.TarInfo("cachekit-1.0/PKG-INFO")
        info.size = len(pkg_info)
        tf.addfile(info, io.BytesIO(pkg_info))
    graph = graph_of(
        tmp_path, {"requirements.txt": "--no-index\n--find-links links\ncachekit[memcache]==1.0\n"}
    )
    sources = Sources.from_graph(graph, {}, None)
    found = needed_libraries(graph, REGISTRY, sources, tmp_path / "downloads")
    assert [(t.library.name, t.entry.name) for t in found] == [("libmemcached", "cachekit")]
    graph = graph_of(tmp_path, {"requirements.txt": "--no-index\n--find-links links\ncachekit==1.0\n"})
    assert needed_libraries(graph, REGISTRY, sources, tmp_path / "downloads") == []


def test_build_environment_prepends(tmp_path: Path) -> None:
    lib = next(lib for lib in REGISTRY if lib.name == "libmemcached")
    env = build_environment({"CPATH": "/usr/x", "LDFLAGS": "-O2"}, [lib], tmp_path)
    prefix = tmp_path / "libmemcached"
    assert env["CPATH"] == f"{prefix}/include:/usr/x"
    assert env["LDFLAGS"] == "-O2"  # untouched: it is split on spaces, and paths may hold one
    assert env["LIBMEMCACHED"] == str(prefix)
    assert env["LD_LIBRARY_PATH"] == f"{prefix}/lib"
