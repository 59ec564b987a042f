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
from pathlib import Path
from typing import Any


def _load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def validate(paths: list[str]) -> int:
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
        subprocess.run([str(tool), "environment", "--sv", "1.6", "-o", str(out), python], check=True)
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
