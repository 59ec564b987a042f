from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybuildpack.environment.metadata import (
    closure,
    extraneous,
    installed,
    recorded_digests,
    resolved_from_report,
    roots_for,
)

NONE: frozenset[str] = frozenset()
Root = tuple[str, frozenset[str]]
REQUESTS = {"requests", "charset-normalizer", "idna", "urllib3"}


def dist(
    site: Path, name: str, version: str, *requires: str, direct_url: dict[str, object] | None = None
) -> Path:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {spec}" for spec in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n\nThe long description: not a header.\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return info


@pytest.fixture
def local_package(tmp_path: Path) -> Path:
    path = tmp_path / "app" / "localpkg"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def env(tmp_path: Path, local_package: Path) -> Path:
    root = tmp_path / "env"
    site = root / "lib" / "python3.13" / "site-packages"
    dist(
        site,
        "requests",
        "2.32.3",
        "charset-normalizer<4,>=2",
        "idna<4,>=2.5",
        "urllib3<3,>=1.21.1",
        'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
        'chardet<6,>=3.0.2; extra == "use-chardet-on-py3"',
    )
    dist(site, "Charset_Normalizer", "3.4.0")
    dist(site, "idna", "3.10")
    dist(
        site, "urllib3", "2.2.3", 'pysocks!=1.5.7,<2.0,>=1.5.6; extra == "socks"', "this is not a requirement"
    )
    dist(site, "PySocks", "1.7.1")
    dist(site, "black", "24.10.0", "click>=8.0.0", 'tomli>=1.1.0; python_version < "3.0"')
    dist(site, "click", "8.1.7")
    dist(site, "tomli", "2.2.1")
    dist(site, "bundle", "1.0", 'bundle[redis]; extra == "all"', 'redis>=5; extra == "redis"')
    dist(site, "redis", "5.2.0")
    dist(site, "pip", "25.1")
    git = {"url": "https://example.invalid/x.git", "vcs_info": {"vcs": "git", "commit_id": "a" * 40}}
    dist(site, "x", "0.1", "idna", direct_url=git)
    ssh = {"url": "ssh://git@example.invalid/y.git", "vcs_info": {"vcs": "git", "commit_id": "b" * 40}}
    dist(site, "y", "0.2", direct_url=ssh)
    dist(site, "localpkg", "1.0", direct_url={"url": local_package.as_uri() + "/", "dir_info": {}})
    (site / "half_removed-1.0.dist-info").mkdir()  # no METADATA: not a distribution
    return root


def test_installed(env: Path) -> None:
    assert installed(env) == {
        "requests": "2.32.3",
        "charset-normalizer": "3.4.0",
        "idna": "3.10",
        "urllib3": "2.2.3",
        "pysocks": "1.7.1",
        "black": "24.10.0",
        "click": "8.1.7",
        "tomli": "2.2.1",
        "bundle": "1.0",
        "redis": "5.2.0",
        "pip": "25.1",
        "x": "0.1",
        "y": "0.2",
        "localpkg": "1.0",
    }
    assert installed(env.parent / "no-such-env") == {}


@pytest.mark.parametrize(
    ("roots", "expected"),
    [
        ([("requests", NONE)], REQUESTS),
        ([("requests", frozenset({"socks"}))], REQUESTS | {"pysocks"}),
        ([("requests", frozenset({"SOCKS"}))], REQUESTS | {"pysocks"}),
        ([("black", NONE)], {"black", "click"}),  # tomli's marker is false on any Python 3
        ([("bundle", NONE)], {"bundle"}),
        ([("bundle", frozenset({"all"}))], {"bundle", "redis"}),  # all -> bundle[redis] -> redis
        ([("x", NONE), ("click", NONE)], {"x", "idna", "click"}),
        ([("not-installed", NONE)], {"not-installed"}),
        ([], set()),
    ],
)
def test_closure_follows_requirements_with_their_extras_and_markers(
    env: Path, roots: list[Root], expected: set[str]
) -> None:
    assert closure(env, roots) == expected


def test_roots_for_maps_urls_to_distributions(env: Path, local_package: Path) -> None:
    entries: list[tuple[str | None, frozenset[str], str | None]] = [
        ("requests", frozenset({"socks"}), None),
        (None, NONE, "git+https://example.invalid/x.git@main#egg=x&subdirectory=."),
        (None, NONE, "git+ssh://git@example.invalid/y.git@v0.2"),
        (None, NONE, local_package.as_uri()),
        ("named-by-the-line", NONE, "https://example.invalid/named-1.0.tar.gz"),
        (None, NONE, None),
    ]
    assert roots_for(env, entries) == [
        ("requests", frozenset({"socks"})),
        ("x", NONE),
        ("y", NONE),
        ("localpkg", NONE),
        ("named-by-the-line", NONE),
    ]
    assert roots_for(env, [(None, NONE, "git+https://example.invalid/x.git")]) == [("x", NONE)]
    assert roots_for(env, [(None, NONE, "git+https://example.invalid/x.git@" + "a" * 40)]) == [("x", NONE)]


@pytest.mark.parametrize(
    "url",
    [
        "git+https://example.invalid/unknown.git@main",
        "https://example.invalid/x-0.1.tar.gz",
        "git+https://other.invalid/x.git@main",
        "file:///somewhere/else/localpkg",
    ],
)
def test_roots_for_an_unknown_url_is_none(env: Path, url: str) -> None:
    assert roots_for(env, [("requests", NONE, None), (None, NONE, url)]) is None


def test_roots_for_a_branch_with_a_slash(env: Path) -> None:
    url = "git+https://example.invalid/x.git@feature/new-api"
    assert roots_for(env, [(None, NONE, url)]) == [("x", NONE)]


def test_roots_for_a_url_with_a_token(env: Path) -> None:
    url = "git+https://ghp_token@example.invalid/x.git@main"
    assert roots_for(env, [(None, NONE, url)]) == [("x", NONE)]


def test_resolved_from_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "version": "1",
                "pip_version": "25.1",
                "install": [
                    {
                        "is_direct": False,
                        "requested": True,
                        "metadata": {"name": "Flask", "version": "3.1.0"},
                    },
                    {"requested": False, "metadata": {"name": "MarkupSafe", "version": "3.0.2"}},
                    {"requested": False, "metadata": {"name": "zope.interface", "version": "7.2"}},
                ],
                "environment": {"python_version": "3.13"},
            }
        )
    )
    assert resolved_from_report(report) == {"flask": "3.1.0", "markupsafe": "3.0.2", "zope-interface": "7.2"}
    report.write_text('{"version": "1", "install": []}')
    assert resolved_from_report(report) == {}


def test_extraneous(env: Path) -> None:
    have = installed(env)
    want = {name: "" for name in closure(env, [("requests", NONE), ("black", NONE)]) or set()}
    # pip is installed and not required, but a seed package is never extraneous
    assert extraneous(have, want) == ["bundle", "localpkg", "pysocks", "redis", "tomli", "x", "y"]
    assert extraneous({"pip": "25.1", "setuptools": "80.9.0", "wheel": "0.45.1"}, {}) == []
    assert extraneous({"flask": "3.1.0"}, {"flask": "3.1.0"}) == []


def test_roots_for_a_local_path_recorded_where_the_slug_runs(env: Path, local_package: Path) -> None:
    """A path requirement of the build directory matches the distribution whose direct_url.json
    names it at /app (relocate.make_local_installs_portable: a cached environment's), and one
    still naming the build directory (just installed): both read where the slug runs."""
    build = str(local_package.parent)
    runs_from = (build, "/app")
    site = next(env.glob("lib/python*/site-packages"))
    dist(site, "atapp", "1.0", direct_url={"url": "file:///app/pkg-at-app", "dir_info": {}})
    entries: list[tuple[str | None, frozenset[str], str | None]] = [
        (None, NONE, (local_package.parent / "pkg-at-app").as_uri()),
        (None, NONE, local_package.as_uri()),
    ]
    assert roots_for(env, entries, runs_from) == [("atapp", NONE), ("localpkg", NONE)]
    assert roots_for(env, entries[:1]) is None  # (without runs_from: the build directory's is another)


def test_recorded_digests_are_the_files_sha256_as_the_installer_wrote_them(tmp_path: Path) -> None:
    """The seed's real wheels installed by the build's own seeding: every RECORD row with a hash
    and a size, by path relative to the environment (console scripts in bin/ too), is the
    sha256 of the file as installed; bytecode and rows without a hash (the RECORD) are left out."""
    from conftest import make_venv, seed_wheels

    from pybuildpack.files import sha256_of

    env = make_venv(tmp_path / "env", seed_wheels())
    found = recorded_digests(env)
    assert any(path.startswith("bin/pip") for path in found)
    assert any(path.endswith("/pip/__init__.py") for path in found)
    assert not any("__pycache__" in path for path in found)
    records = [str(r.relative_to(env)) for r in env.glob("lib/python*/site-packages/*.dist-info/RECORD")]
    assert records and not set(records) & set(found)
    written = (env / "lib").stat().st_mtime_ns
    for relative, (size, when, digest) in found.items():
        path = env / relative
        assert (path.stat().st_size, sha256_of(path)) == (size, digest), relative
        assert path.stat().st_mtime_ns <= when and when >= written - 10**10
