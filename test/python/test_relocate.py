from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pybuildpack.environment.relocate import PORTABLE_HEADER, make_scripts_portable, point_at_runtime
from pybuildpack.redact import redact


def test_console_scripts_get_a_portable_header(tmp_path: Path) -> None:
    bin_dir = tmp_path / "env" / "bin"
    bin_dir.mkdir(parents=True)
    body = "import sys\nprint('args', sys.argv[1:])\n"
    (bin_dir / "tool").write_text(f"#!{bin_dir}/python\n{body}")
    (bin_dir / "long").write_text(
        f"#!/bin/sh\n'''exec' \"/some where/bin/python\" \"$0\" \"$@\"\n' '''\n{body}"
    )
    (bin_dir / "shell").write_text("#!/bin/sh\necho hi\n")
    for name in ("tool", "long", "shell"):
        os.chmod(bin_dir / name, 0o755)
    (bin_dir / "python").symlink_to(sys.executable)

    assert make_scripts_portable(bin_dir) == 2
    assert (bin_dir / "tool").read_text() == PORTABLE_HEADER + body
    assert (bin_dir / "long").read_text() == PORTABLE_HEADER + body
    assert (bin_dir / "shell").read_text() == "#!/bin/sh\necho hi\n"
    assert os.access(bin_dir / "tool", os.X_OK)

    moved = tmp_path / "moved here"
    (tmp_path / "env").rename(moved)
    out = subprocess.run([str(moved / "bin" / "tool"), "a b"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "args ['a b']"


def test_point_at_runtime(tmp_path: Path) -> None:
    (tmp_path / "pyvenv.cfg").write_text(
        "home = /old/build/.heroku/python/bin\nimplementation = CPython\n"
        "base-prefix = /old/build/.heroku/python\ninclude-system-site-packages = false\n"
    )
    point_at_runtime(tmp_path, Path("/new dir/.heroku/python"))
    text = (tmp_path / "pyvenv.cfg").read_text()
    assert "home = /new dir/.heroku/python/bin\n" in text
    assert "base-prefix = /new dir/.heroku/python\n" in text
    assert "/old/build" not in text


def test_redact() -> None:
    assert redact("https://user:s3cret@host/simple") == "https://user:****@host/simple"
    assert "s3cret" not in redact("Looking in indexes: https://u:s3cret@127.0.0.1:8080/simple/")
    assert redact("https://host/simple") == "https://host/simple"


def test_editable_finders_and_pth_files_follow_the_app(tmp_path: Path) -> None:
    from pybuildpack.environment.relocate import make_editables_portable

    app = tmp_path / "build"
    site = app / ".heroku" / "venv" / "lib" / "python3.13" / "site-packages"
    site.mkdir(parents=True)
    (app / "libs" / "pkg" / "pkg").mkdir(parents=True)
    (app / "libs" / "pkg" / "pkg" / "__init__.py").write_text("VALUE = 7\n")
    (site / "__editable___pkg_1_0_finder.py").write_text(
        "from __future__ import annotations\nimport sys\n\n"
        f"MAPPING: dict[str, str] = {{'pkg': '{app}/libs/pkg/pkg', 'root': '{app}'}}\n"
    )
    (site / "__editable__.flat-1.0.pth").write_text(f"{app}/libs/flat\n")
    assert make_editables_portable(app / ".heroku" / "venv", app) == 2
    assert make_editables_portable(app / ".heroku" / "venv", app) == 0  # idempotent
    assert (site / "__editable__.flat-1.0.pth").read_text() == "../../../../../libs/flat\n"

    moved = tmp_path / "app"
    app.rename(moved)
    site = moved / ".heroku" / "venv" / "lib" / "python3.13" / "site-packages"
    namespace: dict[str, object] = {"__file__": str(site / "__editable___pkg_1_0_finder.py")}
    exec((site / "__editable___pkg_1_0_finder.py").read_text(), namespace)
    assert namespace["MAPPING"] == {"pkg": f"{moved}/libs/pkg/pkg", "root": str(moved)}
