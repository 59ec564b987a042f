"""Looking inside source distributions without running them."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

from pybuildpack.index.extras import _metadata_from_archive
from pybuildpack.index.sdist import inspect, top_level_members

SETUP_PY = b"import numpy\nfrom setuptools import setup\nsetup(name='demo')\n"
PYPROJECT = b'[build-system]\nrequires = ["setuptools", "Cython>=3"]\n'
PKG_INFO = b"Metadata-Version: 2.1\nName: demo\nRequires-Dist: pylibmc; extra == 'memcache'\n"


def _tar(path: Path, files: dict[str, bytes], prefix: str = "") -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


FILES = {
    "demo-1.0/setup.py": SETUP_PY,
    "demo-1.0/pyproject.toml": PYPROJECT,
    "demo-1.0/PKG-INFO": PKG_INFO,
    "demo-1.0/tests/setup.py": b"import nothing_top_level\n",
}


def test_top_level_members_of_tar_zip_and_dot_slash_tar(tmp_path: Path) -> None:
    (tmp_path / "dot").mkdir()
    archives = [
        _tar(tmp_path / "demo-1.0.tar.gz", FILES),
        _zip(tmp_path / "demo-1.0.zip", FILES),
        _tar(tmp_path / "dot" / "demo-1.0.tar.gz", FILES, prefix="./"),
    ]
    for archive in archives:
        wanted = top_level_members(archive, ("setup.py", "PKG-INFO"))
        assert wanted == {"setup.py": SETUP_PY, "PKG-INFO": PKG_INFO}


def test_inspect_reads_setup_imports_and_build_requires(tmp_path: Path) -> None:
    facts = inspect(_tar(tmp_path / "demo-1.0.tar.gz", FILES))
    assert "numpy" in facts.imports
    assert "nothing_top_level" not in facts.imports
    assert facts.build_requires == ("setuptools", "Cython>=3")
    assert facts.declared({}) == frozenset({"setuptools", "cython"})


def test_metadata_of_an_sdist_is_its_pkg_info(tmp_path: Path) -> None:
    assert "Requires-Dist: pylibmc" in _metadata_from_archive(_zip(tmp_path / "demo-1.0.zip", FILES))
    no_pkg_info = {k: v for k, v in FILES.items() if not k.endswith("PKG-INFO")}
    assert _metadata_from_archive(_tar(tmp_path / "demo-1.0.tar.gz", no_pkg_info)) == ""
