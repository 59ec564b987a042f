"""Learning build prerequisites from pip's failures: reading pip's output, mapping what was
missing to a distribution, and keeping the lessons."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from pybuildpack.environment.pipfailure import missing_at_build
from pybuildpack.plan import learning
from pybuildpack.plan.prerequisites import Knowledge
from pybuildpack.requirements.parse import parse_requirements

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = Knowledge.load(ROOT / "data" / "build-prerequisites.toml")

# pip 26's output when an sdist's helper module imports numpy (abridged, as the build shows it).
METADATA_FAILURE = """\
Collecting hidden-numpy-pkg==1.0 (from -r requirements/base.txt (line 1))
  Downloading http://127.0.0.1:8765/simple/hidden-numpy-pkg/hidden-numpy-pkg-1.0.tar.gz (1.8 kB)
  Installing build dependencies: finished with status 'done'
  Getting requirements to build wheel: finished with status 'error'
  error: subprocess-exited-with-error
  ╰─> [25 lines of output]
        File "/tmp/pip-req-build-exi1z6cp/buildhelp/ext.py", line 5, in extensions
          import numpy
      ModuleNotFoundError: No module named 'numpy'
      [end of output]
ERROR: Failed to build 'hidden-numpy-pkg' when getting requirements to build wheel
""".splitlines()

# A compiler that lacks numpy's headers while pip builds a wheel of a local sdist.
HEADER_FAILURE = """\
Processing ./vendor/arrays-2.0.tar.gz
Building wheels for collected packages: arrays
  Building wheel for arrays (setup.py): started
      src/arrays.c:3:10: fatal error: numpy/arrayobject.h: No such file or directory
  Building wheel for arrays (setup.py): finished with status 'error'
  Failed building wheel for arrays
""".splitlines()


def graph_of(tmp_path: Path, text: str):  # noqa: ANN201
    (tmp_path / "requirements.txt").write_text(text)
    return parse_requirements(tmp_path / "requirements.txt", tmp_path, {})


def test_pip_output_says_which_package_lacked_what() -> None:
    [missing] = missing_at_build(METADATA_FAILURE)
    assert (missing.package, missing.module, missing.header_dir) == ("hidden-numpy-pkg", "numpy", None)
    assert missing.evidence == "ModuleNotFoundError: No module named 'numpy'"
    [header] = missing_at_build(HEADER_FAILURE)
    assert (header.package, header.module, header.header_dir) == ("arrays", None, "numpy")
    assert missing_at_build(["ERROR: No matching distribution found for nothing==1"]) == []


def test_a_lesson_names_the_app_pin_and_the_distribution(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, "hidden-numpy-pkg==1.0\narrays\nnumpy==2.2.6\n")
    lessons = learning.explain(
        missing_at_build(METADATA_FAILURE + HEADER_FAILURE), graph, KNOWLEDGE, "2026-11-23"
    )
    assert [(x.package, x.version, x.needs) for x in lessons] == [
        ("hidden-numpy-pkg", "1.0", "numpy"),
        ("arrays", "", "numpy"),
    ]
    assert (
        lessons[0].describe()
        == "hidden-numpy-pkg==1.0 needs numpy at build time (learned from pip's failure)"
    )
    rule = lessons[0].rule()
    assert rule.learned and rule.versions.contains("1.0") and not rule.versions.contains("1.1")
    assert rule.reason == "learned from a failed build on 2026-11-23"


def test_nothing_is_learned_that_can_not_be_explained(tmp_path: Path) -> None:
    # not a requirement of the app; a module no distribution is known for; a package needing itself
    graph = graph_of(tmp_path, "other==1.0\n")
    assert learning.explain(missing_at_build(METADATA_FAILURE), graph, KNOWLEDGE) == []
    odd = [line.replace("'numpy'", "'mystery_helper'") for line in METADATA_FAILURE]
    graph = graph_of(tmp_path, "hidden-numpy-pkg==1.0\n")
    assert learning.explain(missing_at_build(odd), graph, KNOWLEDGE) == []
    itself = [line.replace("'numpy'", "'hidden_numpy_pkg'") for line in METADATA_FAILURE]
    assert learning.explain(missing_at_build(itself), graph, KNOWLEDGE) == []


def test_lessons_are_kept_replaced_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "learned.json"
    assert learning.load(path) == []
    first = learning.Lesson("a", "1.0", "numpy", "2026-11-01", "No module named 'numpy'")
    learning.save(path, [first])
    again = learning.Lesson("a", "1.0", "numpy", "2026-11-23", "No module named 'numpy'")
    learning.save(path, [again])
    assert learning.load(path) == [again]
    many = [learning.Lesson(f"p{i}", "1", "numpy", "2026-11-23", "") for i in range(learning.KEEP + 10)]
    learning.save(path, many)
    kept = learning.load(path)
    assert len(kept) == learning.KEEP and kept[-1].package == f"p{learning.KEEP + 9}"
    path.write_text(json.dumps({"lessons": [{"package": "x"}]}))
    assert learning.load(path) == []
    # a field this version does not know: another version's file, not read as ours
    path.write_text(json.dumps({"lessons": [{**asdict(again), "weight": "2"}]}))
    assert learning.load(path) == []
    path.write_text(json.dumps({"lessons": [asdict(again)], "format": 2}))
    assert learning.load(path) == []
    path.write_text(json.dumps({"lessons": [asdict(again)]}))
    assert learning.load(path) == [again]
