from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LocalServer

from pybuildpack.errors import BuildError
from pybuildpack.requirements.graph import remove_remote_copies
from pybuildpack.requirements.parse import parse_requirements


def app_with(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def parse(app: Path, env: dict[str, str] | None = None):  # noqa: ANN201
    return parse_requirements(app / "requirements.txt", app, env or {})


def test_every_form(tmp_path: Path) -> None:
    (tmp_path / "libs" / "local").mkdir(parents=True)
    (tmp_path / "libs" / "local" / "setup.py").write_text("")
    app = app_with(
        tmp_path,
        {
            "requirements.txt": "\n".join(
                [
                    "# a comment",
                    "-i https://user:${INDEX_TOKEN}@127.0.0.1/simple",
                    "--extra-index-url https://127.0.0.1:8080/simple",
                    "--find-links ./wheels",
                    "--no-binary pylibmc",
                    "--only-binary=:all:",
                    "--pre",
                    "Flask[async]>=3.0,<4 ; python_version >= '3.9'  # trailing comment",
                    "six==1.17.0 \\",
                    "    --hash=sha256:aaaa \\",
                    "    --hash=sha256:bbbb",
                    "git+https://127.0.0.1/repo.git@v1.0#egg=Repo_Pkg",
                    "-e git+https://127.0.0.1/other.git@" + "a" * 40 + "#egg=other",
                    "https://127.0.0.1/files/archive-1.0.tar.gz",
                    "named @ https://127.0.0.1/files/named-1.0.zip",
                    "./libs/local",
                    "-e libs/local",
                    "-r requirements/base.txt",
                    "-c constraints.txt",
                ]
            ),
            "requirements/base.txt": "-r nested/deep.txt\nrequests==2.34.2\n",
            "requirements/nested/deep.txt": "PyLibMC==1.6.3\n",
            "constraints.txt": "numpy==1.26.4\n",
        },
    )
    graph = parse(app, {"INDEX_TOKEN": "s3cret"})
    kinds = [(e.kind, e.name, e.origin.show(app)) for e in graph.entries]
    assert kinds == [
        ("named", "flask", "requirements.txt:8"),
        ("named", "six", "requirements.txt:9"),
        ("vcs", "repo-pkg", "requirements.txt:12"),
        ("vcs", "other", "requirements.txt:13"),
        ("url", None, "requirements.txt:14"),
        ("url", "named", "requirements.txt:15"),
        ("path", None, "requirements.txt:16"),
        ("path", None, "requirements.txt:17"),
        ("named", "pylibmc", "requirements/nested/deep.txt:1"),
        ("named", "requests", "requirements/base.txt:2"),
        ("named", "numpy", "constraints.txt:1"),
    ]
    six = graph.entries[1]
    assert six.hashes == ["sha256:aaaa", "sha256:bbbb"] and six.pinned_version == "1.17.0"
    assert graph.entries[2].vcs_ref == "v1.0" and not graph.entries[2].vcs_pinned_to_commit
    assert graph.entries[3].editable and graph.entries[3].vcs_pinned_to_commit
    assert graph.entries[7].editable and graph.entries[7].path == (app / "libs" / "local").resolve()
    assert graph.entries[-1].constraint and graph.pin_for("NumPy") is graph.entries[-1]
    assert graph.options["index_url"] == ["https://user:s3cret@127.0.0.1/simple"]
    assert graph.options["no_binary"] == ["pylibmc"] and graph.options["only_binary"] == [":all:"]
    assert "pre" in graph.options and graph.options["find_links"] == ["./wheels"]
    assert [f.path.name for f in graph.files] == [
        "requirements.txt",
        "base.txt",
        "deep.txt",
        "constraints.txt",
    ]
    assert graph.files[2].included_from is not None
    assert graph.files[2].included_from.show(app) == "requirements/base.txt:1"


@pytest.mark.parametrize(
    "files,code,where,fragment",
    [
        (
            {"requirements.txt": "six\n-r missing.txt\n"},
            "requirements::include-missing",
            "requirements.txt:2",
            "missing.txt",
        ),
        (
            {"requirements.txt": "-r a.txt\n", "a.txt": "six\n-r b.txt\n", "b.txt": "-r a.txt\n"},
            "requirements::include-cycle",
            "b.txt:1",
            "requirements.txt -> a.txt -> b.txt -> a.txt",
        ),
        (
            {"requirements.txt": "six\nflask = = 3\n"},
            "requirements::syntax",
            "requirements.txt:2",
            "flask = = 3",
        ),
        (
            {"requirements.txt": "--frobnicate\n"},
            "requirements::option",
            "requirements.txt:1",
            "--frobnicate",
        ),
        (
            {"requirements.txt": "six --index-url x\n"},
            "requirements::option",
            "requirements.txt:1",
            "same line",
        ),
        ({"requirements.txt": "./nope\n"}, "requirements::path-missing", "requirements.txt:1", "./nope"),
        (
            {"requirements.txt": "six\n-e .\n"},
            "requirements::path-not-a-project",
            "requirements.txt:2",
            "The local path '.' is not a Python project: it has no setup.py or pyproject.toml",
        ),
        (
            {"requirements.txt": "./libs/x\n", "libs/x/setup.cfg": "[metadata]\nname = x\n"},
            "requirements::path-not-a-project",
            "requirements.txt:1",
            "The local path './libs/x' is not a Python project",
        ),
        (
            {"requirements.txt": "-r http://127.0.0.1:9/r.txt\n"},
            "requirements::include-missing",
            "requirements.txt:1",
            "Can't fetch the included requirements file http://127.0.0.1:9/r.txt",
        ),
    ],
)
def test_bad_input(tmp_path: Path, files: dict[str, str], code: str, where: str, fragment: str) -> None:
    app = app_with(tmp_path, files)
    with pytest.raises(BuildError) as err:
        parse(app)
    assert err.value.code == code
    assert err.value.where == where
    assert fragment in "\n".join(err.value.lines())


def test_credentials_never_reach_messages(tmp_path: Path) -> None:
    app = app_with(tmp_path, {"requirements.txt": "https://u:${TOKEN}@127.0.0.1/x.zip --frob\n"})
    with pytest.raises(BuildError) as err:
        parse(app, {"TOKEN": "hunter2"})
    assert "hunter2" not in "\n".join(err.value.lines())


def test_unknown_variables_stay_and_continuations_keep_the_first_line(tmp_path: Path) -> None:
    app = app_with(tmp_path, {"requirements.txt": "\n\nsix\\\n==1.17.0\n"})
    graph = parse(app)
    assert graph.entries[0].origin.line == 3 and graph.entries[0].pinned_version == "1.17.0"


def test_package_dependencies(tmp_path: Path) -> None:
    from pybuildpack.requirements.package import package_dependencies

    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nDEPS = ['six==1.17.0', 'pylibmc>=1.6']\n"
        "setup(name='x', install_requires=DEPS)\n"
    )
    entries = package_dependencies(tmp_path)
    assert [(e.name, e.origin.line, e.from_package) for e in entries] == [
        ("six", 2, "setup.py"),
        ("pylibmc", 2, "setup.py"),
    ]
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = [\n  "Flask==3.1.3",\n]\n'
    )
    entries = package_dependencies(tmp_path)
    assert [(e.name, e.origin.line, e.pinned_version) for e in entries] == [("flask", 4, "3.1.3")]


def test_remote_includes_are_followed(tmp_path: Path, local_server: Callable[..., LocalServer]) -> None:
    served = tmp_path / "served"
    (served / "reqs").mkdir(parents=True)
    (served / "reqs" / "base.txt").write_text("-r more.txt\nsix==1.17.0\n")
    (served / "reqs" / "more.txt").write_text("pylibmc==1.6.3\n")
    url = f"{local_server(root=served).url}/reqs/base.txt"
    app = app_with(tmp_path / "app", {"requirements.txt": f"-r {url}\n"})
    graph = parse(app)
    shown = [(e.name, e.origin.show(app)) for e in graph.entries]
    assert shown == [
        ("pylibmc", url.replace("base.txt", "more.txt") + ":1"),
        ("six", url + ":2"),
    ]
    # The downloaded copies are removed when the build's process ends (atexit runs this).
    copies = [entry.origin.file for entry in graph.entries]
    assert all(copy.is_file() for copy in copies)
    remove_remote_copies()
    assert not any(copy.parent.exists() for copy in copies)


def test_a_nul_byte_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"six==1.17.0\n./pkg\x00dir\n")
    with pytest.raises(BuildError) as err:
        parse_requirements(tmp_path / "requirements.txt", tmp_path, {})
    assert err.value.code == "requirements::syntax" and err.value.where == "requirements.txt:2"


def test_an_undefined_variable_is_recorded_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "six==1.17.0\n--extra-index-url https://${NO_SUCH_TOKEN}@h/simple\n"
    )
    graph = parse_requirements(tmp_path / "requirements.txt", tmp_path, {"OTHER": "x"})
    assert [(name, origin.show(tmp_path)) for name, origin in graph.undefined_vars] == [
        ("NO_SUCH_TOKEN", "requirements.txt:2")
    ]


def test_a_file_that_is_not_utf8_is_named_with_the_line_of_the_first_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r sub.txt\n")
    (tmp_path / "sub.txt").write_bytes(b"six==1.16.0\n# caf\xe9 latin-1\nidna\n")
    with pytest.raises(BuildError) as caught:
        parse_requirements(tmp_path / "requirements.txt", tmp_path, {})
    assert caught.value.code == "requirements::unreadable"
    assert caught.value.where == "sub.txt:2"


def test_a_diamond_of_includes_is_read_once_per_file(tmp_path: Path) -> None:
    """20 levels of files that each include the two of the next level: 2**20 paths, 40 files."""
    (tmp_path / "requirements.txt").write_text("-r L1a.txt\n-r L1b.txt\n")
    for level in range(1, 21):
        for side in "ab":
            text = "six==1.17.0\n" if level == 20 else f"-r L{level + 1}a.txt\n-r L{level + 1}b.txt\n"
            (tmp_path / f"L{level}{side}.txt").write_text(text)
    graph = parse_requirements(tmp_path / "requirements.txt", tmp_path, {})
    assert len(graph.files) == 41
    assert [e.name for e in graph.entries] == ["six", "six"]


def test_a_nul_byte_in_an_included_name_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"six\n-r a\x00b.txt\n")
    with pytest.raises(BuildError) as caught:
        parse_requirements(tmp_path / "requirements.txt", tmp_path, {})
    assert caught.value.code == "requirements::include-missing"
    assert caught.value.where == "requirements.txt:2"


def test_a_requirement_continued_before_its_version_or_marker_is_marked_split(tmp_path: Path) -> None:
    """uv reads a backslash continuation only before options; the graph says which lines go on
    with the requirement itself, so that the build can choose pip for them
    (test_environment_choose.py)."""
    hashes = "six==1.17.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"
    app = app_with(tmp_path, {"requirements.txt": hashes + "idna \\\n  ; python_version >= '3'\n"})
    graph = parse(app)
    assert [(e.name, e.split) for e in graph.entries] == [("six", False), ("idna", True)]


def test_a_line_of_a_million_blanks_is_read_in_linear_time(tmp_path: Path) -> None:
    """pip's comment expression backtracks over a run of blanks (quadratic: 40,000 blanks take
    seconds, a million never end); the reader finds comments without backtracking."""
    import time

    blanks = " " * 1_000_000
    app = app_with(tmp_path, {"requirements.txt": f"{blanks}\n{blanks}six==1.16.0\t{blanks}# a comment\n"})
    started = time.monotonic()
    graph = parse(app)
    assert time.monotonic() - started < 5
    assert [(e.name, e.pinned_version, e.origin.line) for e in graph.entries] == [("six", "1.16.0", 2)]
    assert graph.long_blanks and graph.rewritten  # pip would hang on the file: it gets the lines read


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("six # comment", "six"),
        ("# comment", ""),
        ("   # comment", ""),
        ("six#not-a-comment", "six#not-a-comment"),
        ("https://h/x.zip#egg=x  # comment", "https://h/x.zip#egg=x"),
        ("six\t#\tcomment", "six"),
    ],
)
def test_comments_are_removed_as_pip_removes_them(line: str, kept: str) -> None:
    from pybuildpack.requirements.lines import strip_comment

    assert strip_comment(line).strip() == kept


def test_a_huge_bad_line_is_shortened_in_the_error(tmp_path: Path) -> None:
    import time

    app = app_with(tmp_path, {"requirements.txt": "x " * 500_000 + "\n"})
    started = time.monotonic()
    with pytest.raises(BuildError) as caught:
        parse(app)
    assert time.monotonic() - started < 10
    shown = "\n".join(caught.value.lines())
    assert caught.value.code == "requirements::syntax" and caught.value.where == "requirements.txt:1"
    assert len(shown) < 2_000 and "(999,999 characters)" in shown


def test_a_thousand_level_include_chain_is_an_error_naming_the_limit(tmp_path: Path) -> None:
    """Neither engine reads such a chain (pip: RecursionError, uv: a stack overflow)."""
    from pybuildpack.requirements.parse import MAX_INCLUDE_DEPTH

    (tmp_path / "requirements.txt").write_text("-r f1.txt\n")
    for level in range(1, 1001):
        (tmp_path / f"f{level}.txt").write_text(f"-r f{level + 1}.txt\n" if level < 1000 else "six\n")
    with pytest.raises(BuildError) as caught:
        parse(tmp_path)
    assert caught.value.code == "requirements::include-too-deep"
    assert caught.value.where == f"f{MAX_INCLUDE_DEPTH}.txt:1"
    assert f"more than {MAX_INCLUDE_DEPTH} levels deep" in caught.value.title
    assert "requirements.txt -> f1.txt -> f2.txt -> ..." in "\n".join(caught.value.lines())


def test_an_include_chain_as_deep_as_the_limit_is_read(tmp_path: Path) -> None:
    from pybuildpack.requirements.parse import MAX_INCLUDE_DEPTH

    (tmp_path / "requirements.txt").write_text("-r f1.txt\n")
    for level in range(1, MAX_INCLUDE_DEPTH + 1):
        last = level == MAX_INCLUDE_DEPTH
        (tmp_path / f"f{level}.txt").write_text("six\n" if last else f"-r f{level + 1}.txt\n")
    assert [e.name for e in parse(tmp_path).entries] == ["six"]


@pytest.mark.parametrize(
    "line",
    [
        "--extra-index-url http://user:${IDX_PASSWORD}@127.0.0.1:9/simple\nsix\n",
        "private @ http://user:${IDX_PASSWORD}@127.0.0.1:9/private-1.0.tar.gz\n",
        "https://127.0.0.1:9/x-1.0.tar.gz?token=${IDX_PASSWORD}\n",
    ],
)
def test_a_value_that_breaks_the_line_is_named_never_shown(tmp_path: Path, line: str) -> None:
    """pip puts a ${VAR}'s value in as it is, and splits the line at blanks: the error names the
    var and the fix, and holds nothing of its value."""
    app = app_with(tmp_path, {"requirements.txt": line})
    with pytest.raises(BuildError) as caught:
        parse(app, {"IDX_PASSWORD": "s3cret part2"})
    shown = "\n".join(caught.value.lines())
    assert caught.value.where == "requirements.txt:1"
    assert "${IDX_PASSWORD}" in shown and "percent-encode" in shown
    assert "s3cret" not in shown and "part2" not in shown


def test_entries_keep_the_line_as_written_and_the_graph_the_values(tmp_path: Path) -> None:
    app = app_with(tmp_path, {"requirements.txt": "six ; platform_machine != '${UV_LINK_MODE}'\n"})
    graph = parse(app, {"UV_LINK_MODE": "symlink"})
    entry = graph.entries[0]
    assert "symlink" not in entry.text and "${UV_LINK_MODE}" in entry.raw
    assert graph.expanded_vars == {"UV_LINK_MODE": "symlink"} and graph.rewritten
    assert graph.expand(entry.raw) == "six ; platform_machine != 'symlink'"


@pytest.mark.parametrize(
    ("line", "editable", "extras"),
    [
        (".", False, ()),
        ("./[redis]", False, ("redis",)),
        ("-e .[redis,socks]", True, ("redis", "socks")),
        ("file:.", False, ()),  # a relative file: URL, which pip and uv read from the app's directory
        ("-e file:.[redis]", True, ("redis",)),  # an editable's extras follow its URL
        ("-e file:./libs/local", True, ()),
    ],
)
def test_a_local_path_is_read_with_its_extras(
    tmp_path: Path, line: str, editable: bool, extras: tuple[str, ...]
) -> None:
    (tmp_path / "libs" / "local").mkdir(parents=True)
    (tmp_path / "libs" / "local" / "setup.py").write_text("")
    (tmp_path / "setup.py").write_text("")
    app = app_with(tmp_path, {"requirements.txt": f"{line}\n"})
    [entry] = parse(app, {}).entries
    assert (entry.kind, entry.name, entry.editable, entry.path_extras) == ("path", None, editable, extras)
    assert entry.extras == frozenset(extras)
    assert entry.path is not None
    assert entry.path.resolve() == (app / ("libs/local" if "libs" in line else "")).resolve()
