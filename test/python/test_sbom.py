"""The bill of materials (sbom/) of a real environment: what each component says (the runtime's
archive and origin, the libraries' checksums, each distribution's licence, hash, origin and
relationship, the build tools), valid CycloneDX 1.6 by the schema (the test tools' validator),
the same bytes for the same build, the last bill reused while the environment is, and each
contract's files (the slug's, the layers')."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, make_venv, make_wheel, seed_wheels

from pybuildpack.committed import mark_runtime
from pybuildpack.context import Layout, Settings
from pybuildpack.environment.install import seed_environment
from pybuildpack.requirements.lockformats import reader_for
from pybuildpack.sbom import place
from pybuildpack.state import Declared, InstallStep, LibraryUse, State
from pybuildpack.tools.pins import pinned

PYTHON = platform.python_version()  # the environment's interpreter is the tests'
ARCHIVE = f"python-{PYTHON}-debian-12-amd64.tar.zst"
RUNTIME_SHA = "1" * 64
LZO_SHA = "2" * 64
APP_SHA = "3" * 64


def validate(text: str) -> None:
    """The CycloneDX 1.6 JSON schema, strict (no property it does not define), by the validator of
    cyclonedx-python-lib the test tools install (with jsonschema)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)


def a_build(tmp_path: Path, *, layers: bool = False, natives: bool = True) -> tuple[Layout, State]:
    build = tmp_path / "build"
    layout = Layout(
        app=build,
        build=build,
        buildpack=ROOT,
        work=tmp_path / "work",
        cache=tmp_path / "cache" / "python",
        layers=tmp_path / "layers" if layers else None,
    )
    wheels = tmp_path / "wheels"
    make_venv(
        layout.env,
        [
            *seed_wheels(),
            make_wheel(
                wheels, "app_a", "1.0", metadata=["License-Expression: MIT", "Requires-Dist: lib-b>=1"]
            ),
            make_wheel(
                wheels,
                "lib_b",
                "2.0",
                metadata=[
                    "Classifier: License :: OSI Approved :: BSD License",
                    'Requires-Dist: lib-c; extra == "fast"',
                    'Requires-Dist: lib-d; python_version < "3"',
                ],
            ),
            make_wheel(wheels, "lib_c", "3.0", metadata=["License: Apache-2.0"]),
            make_wheel(
                wheels, "lib_d", "4.0", metadata=["License-Expression: (MIT OR Apache-2.0) AND BSD-3-Clause"]
            ),
            make_wheel(wheels, "lib_e", "5.0", metadata=["License: MIT License (MIT)"]),
        ],
    )
    layout.runtime.mkdir(parents=True, exist_ok=True)
    mark_runtime(layout.runtime, ARCHIVE, RUNTIME_SHA, "python3.13 3.13.15-1")
    if natives:
        (layout.natives / "lzo2" / "lib").mkdir(parents=True)
    layout.cache.mkdir(parents=True)
    state = State(PYTHON, "", "debian-12", "amd64", environment="fresh", fingerprint="f1")
    state.declared = [
        Declared("app-a", "requirements.txt:1", [APP_SHA]),
        Declared("lib-d", "requirements.txt:2"),
    ]
    state.libraries = (
        [LibraryUse("lzo2", "2.10", "python-lzo at requirements.txt:3", LZO_SHA, "lzo2 2.10-3")]
        if natives
        else []
    )
    state.installs = [InstallStep("dependencies from requirements.txt", "uv 0.13.9")]
    return layout, state


SETTINGS = Settings(mirror_url="file:///srv/mirror")


def components(text: str) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in json.loads(text)["components"]}


def props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"].removeprefix("pybuildpack:"): p["value"] for p in component.get("properties", [])}


def test_the_bill_of_a_real_environment(tmp_path: Path) -> None:
    layout, state = a_build(tmp_path)
    place.hand_on(layout, state, SETTINGS)
    text = (layout.slug_dir / "python-sbom.cdx.json").read_text()
    validate(text)
    found = components(text)
    runtime = found[f"runtime:python@{PYTHON}"]
    assert runtime["hashes"] == [{"alg": "SHA-256", "content": RUNTIME_SHA}]
    assert props(runtime) == {
        "archive": ARCHIVE,
        "origin": "file:///srv/mirror",
        "debian-source": "python3.13 3.13.15-1",
        "stack": "debian-12",
        "arch": "amd64",
    }
    lzo = found["native:lzo2@2.10"]
    assert lzo["hashes"][0]["content"] == LZO_SHA
    assert props(lzo)["needed-by"] == "python-lzo at requirements.txt:3"
    assert props(lzo)["debian-source"] == "lzo2 2.10-3"
    assert props(lzo)["archive"] == "lzo2-2.10-debian-12-amd64.tar.zst"
    app = found["pypi:app-a@1.0"]
    assert app["purl"] == "pkg:pypi/app-a@1.0"
    assert app["licenses"] == [{"license": {"id": "MIT"}}]  # (an expression of one id is the id)
    assert app["hashes"] == [{"alg": "SHA-256", "content": APP_SHA}]  # the requirement's one --hash
    assert props(app) == {"origin": "requirements.txt:1", "relationship": "direct"}
    b = found["pypi:lib-b@2.0"]
    assert b["licenses"] == [{"license": {"name": "BSD License"}}]  # the classifier's name
    assert props(b) == {"relationship": "transitive", "required-by": "app-a"}
    # lib-c: only lib-b's extra "fast" asks for it, which nothing asked for; lib-d: a marker that
    # does not hold, but the app names it.
    assert props(found["pypi:lib-c@3.0"]) == {"relationship": "undeclared"}
    assert found["pypi:lib-c@3.0"]["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert props(found["pypi:lib-d@4.0"]) == {"origin": "requirements.txt:2", "relationship": "direct"}
    assert found["pypi:lib-d@4.0"]["licenses"] == [{"expression": "(MIT OR Apache-2.0) AND BSD-3-Clause"}]
    assert found["pypi:lib-e@5.0"]["licenses"] == [{"license": {"name": "MIT License (MIT)"}}]
    assert props(found["pypi:pip@26.3"])["relationship"] == "seed"
    uv = found["tool:uv@0.13.9"]
    assert (uv["scope"] == "excluded" and "scope" not in app) or app["scope"] == "required"
    assert uv["hashes"][0]["content"] == pinned(ROOT / "vendor", "uv", "amd64").sha256
    assert props(uv)["used-for"] == "dependencies from requirements.txt"
    graph = {d["ref"]: d.get("dependsOn", []) for d in json.loads(text)["dependencies"]}
    assert graph["pypi:app-a@1.0"] == ["pypi:lib-b@2.0"]
    assert "pypi:app-a@1.0" in graph["app"] and "tool:uv@0.13.9" not in graph["app"]


def test_the_same_build_gives_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layout, state = a_build(tmp_path)
    bill = layout.slug_dir / "python-sbom.cdx.json"
    place.hand_on(layout, state, SETTINGS)
    first = bill.read_bytes()
    bill.unlink()
    (layout.cache / "sbom" / "key").unlink()  # rendered again, not copied
    place.hand_on(layout, state, SETTINGS)
    assert bill.read_bytes() == first
    assert "timestamp" not in json.loads(first)["metadata"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "315532801")
    state.environment = "sync"
    place.hand_on(layout, state, SETTINGS)
    assert json.loads(bill.read_text())["metadata"]["timestamp"] == "1980-01-01T00:00:01+00:00"
    assert json.loads(bill.read_text())["serialNumber"] == json.loads(first)["serialNumber"]


def test_a_reused_environment_copies_the_last_bill(tmp_path: Path) -> None:
    layout, state = a_build(tmp_path)
    place.hand_on(layout, state, SETTINGS)
    saved = layout.cache / "sbom" / "python-sbom.cdx.json"
    saved.write_text(saved.read_text().replace("app-a", "app-copied"))
    state.environment = "reuse"
    place.hand_on(layout, state, SETTINGS)
    assert "app-copied" in (layout.slug_dir / "python-sbom.cdx.json").read_text()
    state.fingerprint = "f2"  # another key: rendered again
    place.hand_on(layout, state, SETTINGS)
    assert "app-copied" not in (layout.slug_dir / "python-sbom.cdx.json").read_text()
    # A damaged cache (bytes that are not UTF-8 in the key): rendered again, no internal error.
    saved.write_text(saved.read_text().replace("app-a", "app-copied"))
    (layout.cache / "sbom" / place.KEY_FILE).write_bytes(b"\x00\xe9\xff garbage")
    place.hand_on(layout, state, SETTINGS)
    assert "app-copied" not in (layout.slug_dir / "python-sbom.cdx.json").read_text()


def test_a_reused_environment_a_hook_installed_into_gets_a_new_bill(tmp_path: Path) -> None:
    """The environment reused as it is, then a hook (post_compile) installs a distribution into
    it: the copied bill would not name it, so it is rendered again; the next build whose hook
    does the same copies that one."""
    layout, state = a_build(tmp_path)
    place.hand_on(layout, state, SETTINGS)
    state.environment = "reuse"
    seed_environment(layout.env, [make_wheel(tmp_path / "hook", "hooked", "9.0", metadata=["License: MIT"])])
    place.hand_on(layout, state, SETTINGS)
    assert "pypi:hooked@9.0" in components((layout.slug_dir / "python-sbom.cdx.json").read_text())
    saved = layout.cache / "sbom" / "python-sbom.cdx.json"
    saved.write_text(saved.read_text().replace("app-a", "app-copied"))
    place.hand_on(layout, state, SETTINGS)
    assert "app-copied" in (layout.slug_dir / "python-sbom.cdx.json").read_text()


def test_cnb_layers_get_a_bill_each(tmp_path: Path) -> None:
    layout, state = a_build(tmp_path, layers=True, natives=False)
    place.hand_on(layout, state, SETTINGS)
    files = sorted(p.name for p in layout.layers.glob("*.sbom.cdx.json"))
    # no natives layer; no tools layer: the tools in build.sbom
    assert files == ["build.sbom.cdx.json", "python.sbom.cdx.json", "venv.sbom.cdx.json"]
    for path in layout.layers.glob("*.sbom.cdx.json"):
        validate(path.read_text())
    assert list(components((layout.layers / "python.sbom.cdx.json").read_text())) == [
        f"runtime:python@{PYTHON}"
    ]
    assert list(components((layout.layers / "build.sbom.cdx.json").read_text())) == ["tool:uv@0.13.9"]
    venv = components((layout.layers / "venv.sbom.cdx.json").read_text())
    assert all(ref.startswith("pypi:") for ref in venv) and "pypi:app-a@1.0" in venv
    whole = components((layout.cache / "sbom" / "python-sbom.cdx.json").read_text())
    assert set(whole) == {f"runtime:python@{PYTHON}", "tool:uv@0.13.9", *venv}
    assert not (layout.slug_dir / "python-sbom.cdx.json").exists()


def test_a_lock_s_packages_are_direct_unless_another_needs_them_with_the_file_installed(
    tmp_path: Path,
) -> None:
    layout, state = a_build(tmp_path, natives=False)
    state.locked = True
    names = ["app-a", "lib-b", "lib-c"]
    state.declared = [Declared(n, f"uv.lock:{i}", ["a" * 64, "b" * 64]) for i, n in enumerate(names, start=1)]
    # The files the lock offers: the installed one is the wheel with the installed tags (app-a),
    # else the sdist (lib-b, built from it); lib-c: a wheel of other tags and two sdists, so none.
    wheel = '  {{ url = "https://index.invalid/{}", hash = "sha256:{}" }},\n'
    (layout.app / "uv.lock").write_text(
        "version = 1\n"
        + UV_PACKAGE.format(name="app-a", version="1.0", sdist="app_a-1.0.tar.gz", digest="1" * 64)
        + wheel.format("app_a-1.0-py3-none-any.whl", "a" * 64)
        + wheel.format("app_a-1.0-cp313-cp313-manylinux_2_17_x86_64.whl", "c" * 64)
        + "]\n"
        + UV_PACKAGE.format(name="lib-b", version="2.0", sdist="lib_b-2.0.tar.gz", digest="b" * 64)
        + "]\n"
        + UV_PACKAGE.format(name="lib-c", version="3.0", sdist="lib_c-3.0.tar.gz", digest="d" * 64)
        + wheel.format("lib_c-3.0-cp312-abi3-manylinux_2_17_x86_64.whl", "e" * 64)
        + "]\n"
        + UV_PACKAGE.format(name="lib-c", version="3.0", sdist="lib_c-3.0.zip", digest="f" * 64)
        + "]\n"
    )
    place.hand_on(layout, state, SETTINGS)
    found = components((layout.slug_dir / "python-sbom.cdx.json").read_text())
    assert props(found["pypi:app-a@1.0"]) == {
        "origin": "uv.lock:1",
        "relationship": "direct",
        "file": "app_a-1.0-py3-none-any.whl",
    }
    assert found["pypi:app-a@1.0"]["hashes"] == [{"alg": "SHA-256", "content": "a" * 64}]
    assert props(found["pypi:lib-b@2.0"]) == {
        "origin": "uv.lock:2",
        "relationship": "transitive",
        "required-by": "app-a",
        "file": "lib_b-2.0.tar.gz",
    }
    assert found["pypi:lib-b@2.0"]["hashes"] == [{"alg": "SHA-256", "content": "b" * 64}]
    assert "hashes" not in found["pypi:lib-c@3.0"]
    assert props(found["pypi:lib-c@3.0"])["allowed-sha256"] == f"{'a' * 64} {'b' * 64}"


def test_a_lock_s_packages_are_direct_when_the_project_declares_them_else_transitive(tmp_path: Path) -> None:
    """What pyproject.toml asks for is direct, even where another distribution needs it too
    (lib-b); what only the lock holds is transitive, even where nothing installed needs it
    (lib-c, asked for by an extra of lib-b that is not installed) (uvlock.declares, read from
    the app's real pyproject.toml as decide reads it)."""
    layout, state = a_build(tmp_path, natives=False)
    (layout.app / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["app-a"]\n'
        '[dependency-groups]\ndev = ["lib-b>=2"]\n'
    )
    state.locked = True
    state.declared = [Declared(n, f"uv.lock:{i}") for i, n in enumerate(["app-a", "lib-b", "lib-c"], start=1)]
    state.project_declares = sorted(reader_for("uv").declares(layout.app) or [])
    place.hand_on(layout, state, SETTINGS)
    found = components((layout.slug_dir / "python-sbom.cdx.json").read_text())
    relation = {ref: props(c).get("relationship") for ref, c in found.items()}
    assert relation["pypi:app-a@1.0"] == relation["pypi:lib-b@2.0"] == "direct"
    assert relation["pypi:lib-c@3.0"] == "transitive"
    assert props(found["pypi:lib-b@2.0"])["required-by"] == "app-a"
    assert "required-by" not in props(found["pypi:lib-c@3.0"])


UV_PACKAGE = """\
[[package]]
name = "{name}"
version = "{version}"
sdist = {{ url = "https://index.invalid/{sdist}", hash = "sha256:{digest}" }}
wheels = [
"""


def test_the_vendored_wheels_are_the_pinned_ones() -> None:
    """vendor/wheels.sha256 pins every wheel the core imports (cyclonedx-python-lib and the rest)."""
    from pybuildpack.files import sha256_of

    pins = dict(
        reversed(line.split())
        for line in (ROOT / "vendor" / "wheels.sha256").read_text().splitlines()
        if line
    )
    wheels = {p.name: sha256_of(p) for p in (ROOT / "vendor" / "wheels").glob("*.whl")}
    assert wheels == pins
