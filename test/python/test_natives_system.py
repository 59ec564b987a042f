"""Naming the system library a failed build lacked (data/system-libraries.toml), from what the
packages' own build scripts print (the lines below are pip's output of real builds of these
sdists on a machine without the library)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.environment.pipfailure import summarize
from pybuildpack.natives.system import lacking, load_system_libraries
from pybuildpack.requirements.parse import parse_requirements

TABLE = Path(__file__).resolve().parents[2] / "data" / "system-libraries.toml"

GDAL = [
    "Collecting GDAL==3.10.3 (from -r requirements.txt (line 2))",
    "  Getting requirements to build wheel: finished with status 'error'",
    "      FileNotFoundError: [Errno 2] No such file or directory: 'gdal-config'",
    "      gdal_config_error: [Errno 2] No such file or directory: 'gdal-config'",
    "      Could not find gdal-config. Make sure you have installed the GDAL native library and "
    "development headers.",
    "      [end of output]",
    "ERROR: Failed to build 'GDAL' when getting requirements to build wheel",
]
MYSQLCLIENT = [
    "Collecting mysqlclient==2.2.7 (from -r requirements.txt (line 2))",
    "      Trying pkg-config --exists mysqlclient",
    "      Command 'pkg-config --exists mysqlclient' returned non-zero exit status 1.",
    "      Exception: Can not find valid pkg-config name.",
    "      Specify MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS env vars manually",
    "ERROR: Failed to build 'mysqlclient' when getting requirements to build wheel",
]
PSYCOPG2 = [
    "Collecting psycopg2==2.9.10 (from -r requirements.txt (line 2))",
    "      Error: pg_config executable not found.",
    "      pg_config is required to build psycopg2 from source.  Please add the directory",
    "ERROR: Failed to build 'psycopg2' when getting requirements to build wheel",
]


def test_the_table_loads_and_every_library_says_how_to_get_it() -> None:
    libraries = load_system_libraries(TABLE)
    assert {"GDAL", "libpq (the PostgreSQL client library)"} <= {lib.name for lib in libraries}
    for library in libraries:
        assert library.signs and library.provides, library.name
        assert library.fix()


@pytest.mark.parametrize(
    ("tail", "package", "library", "way"),
    [
        (GDAL, "GDAL", "GDAL", "heroku/heroku-geo-buildpack"),
        (MYSQLCLIENT, "mysqlclient", "MySQL or MariaDB", "PyMySQL"),
        (PSYCOPG2, "psycopg2", "libpq", "psycopg2-binary"),
    ],
)
def test_a_build_that_lacks_a_library_is_summarized_naming_it(
    tmp_path: Path, tail: list[str], package: str, library: str, way: str
) -> None:
    (tmp_path / "requirements.txt").write_text(f"six==1.17.0\n{tail[0].split()[1]}\n")
    graph = parse_requirements(tmp_path / "requirements.txt", tmp_path, {})
    error = summarize(tail, graph, 1, load_system_libraries(TABLE))
    assert error.code == "install::system-library-missing"
    assert error.title.startswith(f"{package} could not be built from source: it needs ")
    assert library in error.title
    assert error.where == "requirements.txt:2"
    assert way in error.fix
    assert any(line.startswith("The build's output says: ") for line in error.details)


def test_the_line_shown_is_the_build_scripts_own_explanation() -> None:
    lack = lacking(GDAL, load_system_libraries(TABLE), "GDAL")
    assert lack is not None
    assert lack.line.startswith("Could not find gdal-config. Make sure you have installed")


def test_a_failure_with_no_sign_of_a_library_keeps_the_general_summary(tmp_path: Path) -> None:
    tail = ["Collecting broken==1.0", "      SyntaxError: invalid syntax", "ERROR: Failed to build 'broken'"]
    error = summarize(
        tail, parse_requirements(_empty(tmp_path), tmp_path, {}), 1, load_system_libraries(TABLE)
    )
    assert error.code == "install::pip-failed"


def _empty(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text("")
    return tmp_path / "requirements.txt"
