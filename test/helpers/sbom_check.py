"""Checks of a build's bill of materials, for the integration suites (run by the test tools'
python, which has cyclonedx-python-lib's validator and cyclonedx-bom):

    sbom_check.py validate FILE...          each file valid CycloneDX 1.6 JSON (the strict schema)
    sbom_check.py independent PYTHON OURS   cyclonedx-py environment on PYTHON's environment finds
                                            no distribution (name, version) that OURS lacks, and OURS
                                            has more than it (the runtime, origins, hashes)
    sbom_check.py show FILE                 one line per component: ref, sha256, properties
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import types
from pathlib import Path
from typing import Any


def _load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def _lazy_rfc3987_syntax() -> None:
    """jsonschema's format checker checks "iri" and "iri-reference" with rfc3987_syntax's
    is_valid_syntax, one parser of the RFC's grammar; importing rfc3987_syntax 1.1.0 also compiles
    38 parsers, one per rule, that nothing uses, about a second of CPU at every validation. In its
    place, a module whose is_valid_syntax is that same function, on that same parser of the same
    grammar, built at its first call (any other version: the package itself)."""
    from importlib import metadata, util

    try:
        if metadata.version("rfc3987-syntax") != "1.1.0":
            return
    except metadata.PackageNotFoundError:
        return
    spec = util.find_spec("rfc3987_syntax")
    if spec is None or not spec.submodule_search_locations:
        return
    grammar_path = Path(next(iter(spec.submodule_search_locations))) / "syntax_rfc3987.lark"
    module = types.ModuleType("rfc3987_syntax")
    parsers: list[Any] = []

    def is_valid_syntax(term: str, value: str) -> bool:
        from lark import Lark, exceptions

        if not parsers:
            grammar = grammar_path.read_text(encoding="utf-8")
            parsers.append(Lark(grammar, start=["iri", "iri_reference", "absolute_iri"], parser="earley"))
        try:
            parsers[0].parse(value, start=term)
        except exceptions.LarkError:
            return False
        return True

    module.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    sys.modules["rfc3987_syntax"] = module


def validate(paths: list[str]) -> int:
    _lazy_rfc3987_syntax()
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    validator = JsonStrictValidator(SchemaVersion.V1_6)
    for path in paths:
        error = validator.validate_str(Path(path).read_text())
        if error is not None:
            print(f"{path}: {error}")
            return 1
    return 0


def _distributions(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (c["purl"].split("@")[0], c["version"])
        for c in document.get("components", [])
        if c.get("purl", "").startswith("pkg:pypi/") and c.get("scope") != "excluded"
    }


def independent(python: str, ours_path: str) -> int:
    tool = Path(sys.executable).with_name("cyclonedx-py")
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "theirs.json"
        # (--no-validate: what is compared is the distributions it finds; its own document's schema
        # check, 90% of its CPU, proves nothing of ours)
        subprocess.run(
            [str(tool), "environment", "--sv", "1.6", "--no-validate", "-o", str(out), python], check=True
        )
        theirs = _load(str(out))
    ours = _load(ours_path)
    mine, found = _distributions(ours), _distributions(theirs)
    missing = sorted(found - mine)
    extra = sorted(mine - found)
    print(f"cyclonedx-py: {len(found)} distributions; ours: {len(mine)}")
    if missing or extra:
        print(f"missing from ours: {missing}; not found by cyclonedx-py: {extra}")
        return 1
    with_more = [c for c in ours["components"] if c.get("hashes") or c.get("properties")]
    print(f"ours with more: {len(ours['components'])} components, {len(with_more)} with hashes or properties")
    return 0 if len(ours["components"]) > len(theirs.get("components", [])) else 1


def show(path: str) -> int:
    for component in sorted(_load(path).get("components", []), key=lambda c: c["bom-ref"]):
        sha = next((h["content"] for h in component.get("hashes", [])), "")
        props = " ".join(
            f"{p['name'].split(':', 1)[1]}={p['value']}" for p in component.get("properties", [])
        )
        print(f"{component['bom-ref']} sha256={sha} {props}".rstrip())
    return 0


def main(argv: list[str]) -> int:
    command, *args = argv
    if command == "validate":
        return validate(args)
    if command == "independent":
        return independent(*args)
    if command == "show":
        return show(*args)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
