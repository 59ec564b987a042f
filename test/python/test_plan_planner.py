"""The install plan, against a find-links directory (no network): which packages need build
prerequisites, at which versions, in which order."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from packaging.tags import Tag
from packaging.version import Version

from pybuildpack.index.sdist import inspect, setup_py_imports
from pybuildpack.index.select import Sources
from pybuildpack.plan.planner import Planner
from pybuildpack.plan.prerequisites import Knowledge
from pybuildpack.python_version.tags import marker_environment
from pybuildpack.requirements.parse import parse_requirements

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = Knowledge.load(ROOT / "data" / "build-prerequisites.toml")
TAGS = [Tag("cp313", "cp313", "manylinux_2_17_x86_64"), Tag("py3", "none", "any")]


def sdist(
    dest: Path,
    name: str,
    version: str,
    setup_py: str,
    pyproject: str | None = None,
    others: dict[str, str] | None = None,
) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(dest / f"{name}-{version}.tar.gz", "w:gz") as tf:
        files = {"setup.py": setup_py, **(others or {})}
        if pyproject is not None:
            files["pyproject.toml"] = pyproject
        for filename, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{filename}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def wheel(dest: Path, filename: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / filename).write_bytes(b"")


def plan_for(app: Path, requirements: str, **kwargs: object):  # noqa: ANN201
    (app / "requirements.txt").write_text("--no-index\n--find-links links\n" + requirements)
    graph = parse_requirements(app / "requirements.txt", app, {})
    sources = Sources.from_graph(graph, {}, None)
    knowledge = kwargs.pop("knowledge", KNOWLEDGE)
    planner = Planner(graph, knowledge, sources, TAGS, app / "downloads", **kwargs)  # type: ignore[arg-type]
    return planner.plan()


def test_setup_py_imports() -> None:
    source = (
        "import os\nimport numpy as np\nfrom Cython.Build import cythonize\nfrom setuptools import setup\n"
    )
    source += "def helper():\n    import pybind11\n"
    assert setup_py_imports(source) == {"numpy", "Cython", "pybind11"}


def test_inspect_reads_the_build_system(tmp_path: Path) -> None:
    sdist(
        tmp_path,
        "declared",
        "1.0",
        "import numpy\n",
        '[build-system]\nrequires = ["setuptools", "numpy>=2"]\n',
    )
    facts = inspect(tmp_path / "declared-1.0.tar.gz")
    assert facts.imports == {"numpy"} and facts.build_requires == ("setuptools", "numpy>=2")
    assert facts.declared(marker_environment(Version("3.13.5"))) == {"setuptools", "numpy"}


def test_a_build_requirement_whose_marker_excludes_the_runtime_is_not_declared(tmp_path: Path) -> None:
    links = tmp_path / "links"
    pyproject = '[build-system]\nrequires = ["setuptools", "numpy; python_version<\'3.10\'"]\n'
    sdist(links, "old-markers", "1.0", "import numpy\nfrom setuptools import setup\nsetup()\n", pyproject)
    plan = plan_for(
        tmp_path, "old-markers==1.0\nnumpy==2.2.6\n", environment=marker_environment(Version("3.13.5"))
    )
    assert [(d.entry.name, d.needs) for d in plan.deferred] == [("old-markers", ("numpy",))]
    plan = plan_for(
        tmp_path, "old-markers==1.0\nnumpy==2.2.6\n", environment=marker_environment(Version("3.9.2"))
    )
    assert not plan.ordered


def test_a_module_the_sdist_ships_is_no_prerequisite(tmp_path: Path) -> None:
    """docopt 0.6.2's setup.py does `from docopt import __version__`, from the docopt.py it ships."""
    links = tmp_path / "links"
    setup = "from setuptools import setup\nfrom docopt import __version__\nsetup(version=__version__)\n"
    sdist(links, "docopt", "0.6.2", setup, others={"docopt.py": "__version__ = '0.6.2'\n"})
    src_setup = "from setuptools import setup\nfrom srcpkg.version import V\nsetup(version=V)\n"
    sdist(
        links, "srcpkg", "1.0", src_setup, others={"src/srcpkg/__init__.py": "", "src/srcpkg/version.py": ""}
    )
    plan = plan_for(tmp_path, "docopt==0.6.2\nsrcpkg==1.0\n")
    assert not plan.ordered, [d.reason for d in plan.deferred]


def test_an_optional_import_is_no_prerequisite_but_a_required_one_is(tmp_path: Path) -> None:
    optional = "try:\n    from Cython.Build import cythonize\nexcept ImportError:\n    cythonize = None\n"
    required = "try:\n    import numpy\nexcept ImportError:\n    raise SystemExit('numpy is needed')\n"
    assert setup_py_imports(optional + required) == {"numpy"}


def test_detects_a_package_missing_from_the_knowledge_base(tmp_path: Path) -> None:
    links = tmp_path / "links"
    sdist(links, "legacy-pkg", "1.0", "import numpy\nfrom setuptools import setup\nsetup()\n")
    wheel(links, "numpy-2.2.6-cp313-cp313-manylinux_2_17_x86_64.whl")
    plan = plan_for(tmp_path, "legacy-pkg==1.0\nnumpy==2.2.6\n")
    assert [(p.spec, p.origin.show(tmp_path), p.needed_by) for p in plan.prerequisites] == [
        ("numpy==2.2.6", "requirements.txt:4", ["legacy-pkg"])
    ]
    assert [(d.entry.name, d.reason) for d in plan.deferred] == [
        ("legacy-pkg", "legacy-pkg's setup.py imports numpy")
    ]


def test_a_setup_py_that_imports_cython_needs_cython_first(tmp_path: Path) -> None:
    """The fixture sdist legacy-cython-pkg (test/fixtures/sdists), whose setup.py imports Cython at
    its top and declares it nowhere: Cython first, at the app's pin and its line (plain pip fails
    on it: ordered_install.bats; the same install run end to end, Cython first and a module
    compiled by it: ordered_install.bats' real legacy sdists, pesq)."""
    fixture = ROOT / "test" / "fixtures" / "sdists" / "legacy-cython-pkg"
    files = {path.name: path.read_text() for path in fixture.iterdir()}
    sdist(tmp_path / "links", "legacy-cython-pkg", "1.0", files.pop("setup.py"), others=files)
    plan = plan_for(tmp_path, "legacy-cython-pkg==1.0\nCython==3.1.4\n")
    assert [(p.spec, p.origin.show(tmp_path), p.needed_by) for p in plan.prerequisites] == [
        ("Cython==3.1.4", "requirements.txt:4", ["legacy-cython-pkg"])
    ]
    assert [(d.entry.name, d.needs, d.reason) for d in plan.deferred] == [
        ("legacy-cython-pkg", ("Cython",), "legacy-cython-pkg's setup.py imports Cython")
    ]


def test_a_cached_sdist_that_is_no_archive_is_fetched_again(tmp_path: Path) -> None:
    """The cache's copy of an sdist damaged (bytes that are no archive, as cache.bats garbles every
    small file of a warm cache): it is fetched again and read, not an internal error."""
    links = tmp_path / "links"
    sdist(links, "legacy-pkg", "1.0", "import numpy\nfrom setuptools import setup\nsetup()\n")
    wheel(links, "numpy-2.2.6-cp313-cp313-manylinux_2_17_x86_64.whl")
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "legacy-pkg-1.0.tar.gz").write_bytes(b"\x97\x98\xff garbage")
    plan = plan_for(tmp_path, "legacy-pkg==1.0\nnumpy==2.2.6\n")
    assert [(d.entry.name, d.reason) for d in plan.deferred] == [
        ("legacy-pkg", "legacy-pkg's setup.py imports numpy")
    ]
    assert (tmp_path / "downloads" / "legacy-pkg-1.0.tar.gz").read_bytes() == (
        links / "legacy-pkg-1.0.tar.gz"
    ).read_bytes()


def test_a_fitting_wheel_or_a_declared_build_system_needs_nothing(tmp_path: Path) -> None:
    links = tmp_path / "links"
    sdist(links, "has-wheel", "1.0", "import numpy\n")
    wheel(links, "has_wheel-1.0-py3-none-any.whl")
    sdist(links, "declares", "1.0", "import numpy\n", '[build-system]\nrequires = ["numpy"]\n')
    plan = plan_for(tmp_path, "has-wheel==1.0\ndeclares==1.0\nnumpy==2.2.6\n")
    assert not plan.ordered


def test_no_binary_forces_the_sdist(tmp_path: Path) -> None:
    links = tmp_path / "links"
    sdist(links, "has-wheel", "1.0", "import numpy\n")
    wheel(links, "has_wheel-1.0-py3-none-any.whl")
    plan = plan_for(tmp_path, "--no-binary has-wheel\nhas-wheel==1.0\nnumpy==2.2.6\n")
    assert [d.entry.name for d in plan.deferred] == ["has-wheel"]


def test_knowledge_base_and_versions(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("numpy==1.26.4\n")
    plan = plan_for(tmp_path, "hcluster==0.2.0\nscipy==1.14.0\n-c c.txt\n", detect=False)
    assert [d.entry.name for d in plan.deferred] == ["hcluster"]
    assert plan.prerequisites[0].spec == "numpy==1.26.4"
    assert (
        plan.prerequisites[0].origin is not None and plan.prerequisites[0].origin.show(tmp_path) == "c.txt:1"
    )


def test_prerequisites_that_are_themselves_deferred_come_first(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, "scikits.learn==0.9\nscipy==0.12.0\nnumpy==1.6.2\n", detect=False)
    assert [d.entry.name for d in plan.deferred] == ["scipy", "scikits-learn"]
    assert [p.spec for p in plan.prerequisites] == ["numpy==1.6.2"]


def test_user_rules(tmp_path: Path) -> None:
    knowledge = KNOWLEDGE.with_user_rules("mypkg=numpy,Cython")
    plan = plan_for(tmp_path, "mypkg==1\nCython==3.1.4\n", detect=False, knowledge=knowledge)
    assert [p.spec for p in plan.prerequisites] == ["numpy", "Cython==3.1.4"]
    assert plan.prerequisites[0].origin is None


def test_setup_requires_declares_build_prerequisites_the_old_way(tmp_path: Path) -> None:
    """pesq 0.0.4: numpy imported inside a property, Cython (for its .pyx) only in setup_requires."""
    links = tmp_path / "links"
    setup = (
        "from setuptools import setup\nclass Ext:\n    @property\n    def include_dirs(self):\n"
        "        import numpy\n        return [numpy.get_include()]\n"
        "setup(name='pesq', setup_requires=['setuptools>=18.0', 'cython', 'numpy', 'pytest-runner'])\n"
    )
    sdist(links, "pesq", "0.0.4", setup, others={"pesq/__init__.py": "", "pesq/cypesq.pyx": ""})
    plan = plan_for(tmp_path, "pesq==0.0.4\nnumpy==2.2.6\nCython==3.1.4\n")
    assert [(d.entry.name, d.needs, d.reason) for d in plan.deferred] == [
        ("pesq", ("numpy", "Cython"), "pesq's setup.py imports numpy and asks for Cython in setup_requires")
    ]
    assert [p.spec for p in plan.prerequisites] == ["numpy==2.2.6", "Cython==3.1.4"]
