from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from pybuildpack.errors import BuildError
from pybuildpack.python_version.resolve import KnownVersions, MirrorIndex, Request, resolve

ROOT = Path(__file__).resolve().parents[2]
KNOWN = KnownVersions.load(ROOT / "data" / "python-versions.toml")
INDEX = "\n".join(
    [
        "python-3.11.2-debian-12-amd64.tar.zst",
        "python-3.13.5-debian-12-amd64.tar.zst",
        "python-3.13.15-debian-12-amd64.tar.zst",
        "python-3.13.16-ubuntu-24.04-amd64.tar.zst",
        "python-3.13.17-debian-12-arm64.tar.zst",
        "index.txt",
        "libmemcached-1.1.4-debian-12-amd64.tar.zst",
    ]
)
MIRROR = MirrorIndex.parse(INDEX, "debian-12", "amd64")


def test_index_is_consistent() -> None:
    assert KNOWN.supported == tuple(sorted(KNOWN.supported, key=lambda m: tuple(map(int, m.split(".")))))
    assert set(KNOWN.newest_patch) == set(KNOWN.supported)
    assert KNOWN.is_known(Version("3.13.0"))
    assert not KNOWN.is_known(Version("3.13.99"))
    assert not KNOWN.is_known(Version("3.99.0"))


def test_mirror_index_keeps_only_this_platform() -> None:
    assert MIRROR.versions == {Version("3.11.2"), Version("3.13.5"), Version("3.13.15")}


def test_minor_resolves_to_newest_known_without_mirror_index() -> None:
    got = resolve(Request("minor", "3.13", ".python-version:1"), KNOWN, None, "debian-12 amd64")
    assert got.version == Version(f"3.13.{KNOWN.newest_patch['3.13']}")


def test_minor_resolves_to_newest_in_mirror() -> None:
    got = resolve(Request("minor", "3.13", ".python-version:1"), KNOWN, MIRROR, "debian-12 amd64")
    assert got.version == Version("3.13.15")


def test_default_is_newest_supported_or_newest_in_mirror() -> None:
    without = resolve(Request("default", "", "the default"), KNOWN, None, "p")
    assert f"{without.version.major}.{without.version.minor}" == KNOWN.supported[-1]
    assert resolve(Request("default", "", "the default"), KNOWN, MIRROR, "p").version == Version("3.13.15")


def test_exact_release() -> None:
    assert resolve(Request("exact", "3.13.5", "x"), KNOWN, MIRROR, "p").version == Version("3.13.5")


@pytest.mark.parametrize("kind,value", [("minor", "3.99"), ("exact", "3.13.99"), ("exact", "2.7.18")])
def test_unknown_versions_are_errors(kind: str, value: str) -> None:
    with pytest.raises(BuildError) as err:
        resolve(Request(kind, value, ".python-version:1"), KNOWN, MIRROR, "p")
    assert err.value.code == "python-version::unknown"
    assert "not a version this buildpack knows" in err.value.title
    assert err.value.where == ".python-version:1"


def test_known_but_not_in_mirror() -> None:
    with pytest.raises(BuildError) as err:
        resolve(Request("exact", "3.12.3", "runtime.txt:1"), KNOWN, MIRROR, "debian-12 amd64")
    assert err.value.code == "python-version::not-in-mirror"
    assert "3.13.15" in " ".join(err.value.details)


def test_exact_release_only_the_mirror_knows_is_accepted() -> None:
    mirror = MirrorIndex.parse("python-3.13.40-debian-12-amd64.tar.zst", "debian-12", "amd64")
    assert resolve(Request("exact", "3.13.40", "x"), KNOWN, mirror, "p").version == Version("3.13.40")


def test_specifier_takes_newest_satisfying() -> None:
    got = resolve(Request("specifier", ">=3.11,<3.13", "pyproject.toml"), KNOWN, MIRROR, "p")
    assert got.version == Version("3.11.2")
    with pytest.raises(BuildError) as err:
        resolve(Request("specifier", ">=3.14", "pyproject.toml"), KNOWN, MIRROR, "p")
    assert err.value.code == "python-version::unsatisfiable"


def test_an_exact_release_older_than_the_newest_the_mirror_holds_warns_and_is_used() -> None:
    got = resolve(Request("exact", "3.13.5", ".python-version:1"), KNOWN, MIRROR, "p")
    assert got.version == Version("3.13.5")
    (warning,) = got.warnings
    assert warning[0] == "Python 3.13.5 is not the newest 3.13 release: the mirror holds 3.13.15"
    assert "Where: .python-version:1" in warning
    assert "Ask for '3.13' to get the newest 3.13.x at each build (or for '3.13.15')." in warning
    # The newest, a minor version, or another minor's newer release: nothing to say.
    assert resolve(Request("exact", "3.13.15", "x"), KNOWN, MIRROR, "p").warnings == ()
    assert resolve(Request("minor", "3.13", "x"), KNOWN, MIRROR, "p").warnings == ()
    assert resolve(Request("exact", "3.11.2", "x"), KNOWN, MIRROR, "p").warnings == ()
    # Without the mirror's index: the newest release this buildpack knows.
    newest = f"3.13.{KNOWN.newest_patch['3.13']}"
    without = resolve(Request("exact", "3.13.5", "runtime.txt:1"), KNOWN, None, "p")
    assert without.warnings[0][0].endswith(f"this buildpack knows {newest}")


def test_end_of_life_warns() -> None:
    got = resolve(Request("minor", "3.10", "x"), KNOWN, None, "p")
    assert got.warnings and "end of life" in got.warnings[0][0]


def test_seed_wheels_match_the_pins() -> None:
    from packaging.utils import parse_wheel_filename

    pins = {}
    for line in (ROOT / "vendor" / "pins.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==")
            pins[name] = version
    seeded = {}
    for wheel in (ROOT / "vendor" / "seed").glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        seeded[str(name)] = str(version)
    for name, version in pins.items():
        assert seeded.get(name) == version, f"vendor/seed lacks {name}=={version}"
