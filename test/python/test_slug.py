"""The slug's layout is written once per language and held equal here: lib/slug.sh (bash) against
context.Layout and SLUG_HOME (Python); and no other bash file of bin/, lib/ or builds/ spells one of
its paths."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pybuildpack import context
from pybuildpack.context import SLUG_HOME, Layout

ROOT = Path(__file__).resolve().parents[2]
SLUG_SH = ROOT / "lib" / "slug.sh"
BUILD = Path("/build")


def slug_sh(prefix: str = "SLUG_") -> dict[str, str]:
    """Every PREFIX* variable lib/slug.sh sets, as bash sees it."""
    shown = subprocess.run(
        [
            "bash",
            "-c",
            'set -eu; source "$1"; for v in $(compgen -v "$2"); do printf "%s=%s\\n" "$v" "${!v}"; done',
            "_",
            SLUG_SH,
            prefix,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in shown.splitlines())


def layout_paths() -> dict[str, str]:
    layout = Layout(app=BUILD, build=BUILD, buildpack=ROOT, work=Path("/work"), cache=None)

    def rel(path: Path) -> str:
        return str(path.relative_to(BUILD))

    return {
        "SLUG_HOME": SLUG_HOME,
        "SLUG_DIR": rel(layout.slug_dir),
        "SLUG_RUNTIME": rel(layout.runtime),
        "SLUG_RUNTIME_PYTHON": rel(layout.runtime_python),
        "SLUG_ENV": rel(layout.env),
        "SLUG_ENV_PYTHON": rel(layout.env_python),
        "SLUG_NATIVES": rel(layout.natives),
        "SLUG_PROFILE_D": rel(layout.profile_d),
        "SLUG_APP_SUBDIR": rel(layout.app_subdir_record),
    }


def test_slug_sh_is_layout() -> None:
    assert slug_sh() == layout_paths()


def test_slug_sh_names_the_layers_as_layout_does() -> None:
    """The CNB shape: the layers bash names are where Layout puts the runtime, the environment,
    the native libraries, and the cache and tools layers."""
    layers = Path("/layers/bp")
    layout = Layout(
        app=BUILD, build=BUILD, buildpack=ROOT, work=Path("/work"), cache=layers / "cache", layers=layers
    )
    assert slug_sh("LAYER_") == {
        "LAYER_RUNTIME": layout.runtime.name,
        "LAYER_ENV": layout.env.name,
        "LAYER_NATIVES": layout.natives.name,
        "LAYER_CACHE": context.LAYER_CACHE,
        "LAYER_TOOLS": str(layout.cached("package-managers")).removeprefix(f"{layers}/"),
    }
    assert {layout.runtime.parent, layout.env.parent, layout.natives.parent} == {layers}


def bash_files() -> list[Path]:
    found = [p for p in (ROOT / "bin").iterdir() if p.is_file()]
    found += sorted((ROOT / "lib").glob("*.sh")) + sorted((ROOT / "lib" / "profile.d").glob("*.sh"))
    found += sorted((ROOT / "builds").rglob("*.sh"))
    return [p for p in found if p != SLUG_SH]


# A path of the slug's, spelt out: .heroku as a word, .profile.d before or after a slash.
SPELT = re.compile(r"\.heroku\b|/\.profile\.d\b|\.profile\.d/")


def spellings(path: Path, root: Path = ROOT) -> list[str]:
    """The lines of a bash file (comments aside) that spell a path of the slug's."""
    return [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if not line.lstrip().startswith("#") and SPELT.search(line.split(" # ")[0])
    ]


def test_no_other_bash_file_spells_the_slug_paths() -> None:
    assert len(bash_files()) > 20
    assert [hit for path in bash_files() for hit in spellings(path)] == []


def test_the_check_sees_a_spelt_path(tmp_path: Path) -> None:
    (tmp_path / "x.sh").write_text(
        '# .heroku/python in a comment is fine\nPATH="${BUILD_DIR}/.heroku/venv/bin:$PATH"\n'
        'echo "nor can .profile.d be written"\nfor f in .profile.d/*.sh; do :; done\n'
    )
    assert [hit.split(":")[1] for hit in spellings(tmp_path / "x.sh", tmp_path)] == ["2", "4"]
