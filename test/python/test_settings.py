"""Every setting the core reads is a field of context.Settings, read once (from_env) by
__main__: held equal here to what bash passes (lib/env.sh's ENV_SETTINGS) and to the README's
table, and no other module reads one of them from the environment."""

from __future__ import annotations

import re
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from pybuildpack.context import Settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lib" / "pybuildpack"


def env_settings() -> list[str]:
    """lib/env.sh's ENV_SETTINGS: the config vars bin/compile exports to the core."""
    shown = subprocess.run(
        [
            "bash",
            "-c",
            'set -eu; source "$1"; printf "%s\\n" "${ENV_SETTINGS[@]}"',
            "_",
            ROOT / "lib" / "env.sh",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return shown.split()


def readme_table() -> set[str]:
    """The names in the first column of the README's table of config vars and environment
    variables."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Config vars and environment variables\n", 1)[1].strip().split("\n\n", 1)[0]
    return {
        name for row in section.splitlines()[2:] for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])
    }


def test_settings_are_what_bash_passes() -> None:
    read = {name for name in Settings.variables() if name.startswith("BUILDPACK_")}
    passed = env_settings()
    assert len(passed) == len(set(passed))
    assert sorted(read | set(Settings.BASH_ONLY)) == sorted(passed)
    assert not read & set(Settings.BASH_ONLY)


def test_the_readme_lists_every_setting() -> None:
    table = readme_table()
    assert {name for name in table if name.startswith("BUILDPACK_")} == set(env_settings())
    assert set(Settings.variables()) <= table


def test_each_field_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    given = {
        "BUILDPACK_DETECT_PREREQUISITES": ("0", False),
        "BUILDPACK_BUILD_PREREQUISITES": ("pkg=numpy", "pkg=numpy"),
        "BUILDPACK_BOOTSTRAP_LIBRARIES": ("off", False),
        "BUILDPACK_INSTALLER": ("PIP", "pip"),
        "BUILDPACK_PACKAGE_MANAGER": ("poetry", "poetry"),
        "BUILDPACK_INSTALL_GROUPS": (" prod, worker prod\n", ("prod", "worker")),
        "BUILDPACK_INSTALL_EXTRAS": ("redis", ("redis",)),
        "BUILDPACK_MIRROR_URL": ("file:///srv/m", "file:///srv/m"),
        "STACK": ("heroku-24", "heroku-24"),
        "MIRROR_RETRIES": ("7", 7),
        "BUILDPACK_COMPILE_ALL": ("yes", True),
        "BUILDPACK_SLUG_SIZE_WARNING": ("150", 150),
    }
    assert set(given) == set(Settings.variables())
    for name, (value, _) in given.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    for name, field in Settings.variables().items():
        assert getattr(settings, field) == given[name][1], name
    for name in given:
        monkeypatch.delenv(name)
    assert Settings.from_env() == Settings()
    assert {f.name for f in fields(Settings)} == set(Settings.variables().values())


# os.environ["NAME"], os.environ.get("NAME" ...), os.getenv("NAME" ...)
READ = re.compile(r"""(?:environ\[|environ\.get\(|getenv\()\s*["']([A-Z_][A-Z0-9_]*)["']""")


def test_no_other_module_reads_a_setting() -> None:
    """Settings are read in context.py only; the test suite's fault injection (BUILDPACK_TEST_*,
    faults.py) is not a setting."""
    settings = set(Settings.variables())
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "context.py" and path.parent == PACKAGE:
            continue
        for name in READ.findall(path.read_text()):
            if name in settings or (name.startswith("BUILDPACK_") and not name.startswith("BUILDPACK_TEST_")):
                found.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert found == []


def test_the_check_sees_a_read() -> None:
    assert READ.findall('x = os.environ.get("STACK", "") or os.environ["BUILDPACK_MIRROR_URL"]') == [
        "STACK",
        "BUILDPACK_MIRROR_URL",
    ]
