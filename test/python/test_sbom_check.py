"""test/helpers/sbom_check.py's validate, which the integration suites run on every bill: with its
lighter rfc3987_syntax in place, the schema's "iri-reference" format is still checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SBOM_CHECK = Path(__file__).resolve().parents[1] / "helpers" / "sbom_check.py"


def validate(tmp_path: Path, url: str) -> subprocess.CompletedProcess[str]:
    bill = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {
                "type": "library",
                "name": "example",
                "bom-ref": "example",
                "externalReferences": [{"type": "website", "url": url}],
            }
        ],
    }
    path = tmp_path / "bill.cdx.json"
    path.write_text(json.dumps(bill))
    return subprocess.run(
        [sys.executable, str(SBOM_CHECK), "validate", str(path)], capture_output=True, text=True, check=False
    )


def test_a_valid_url_passes_and_one_that_is_no_iri_reference_fails(tmp_path: Path) -> None:
    good = validate(tmp_path, "https://example.org/a?b=c#d")
    assert good.returncode == 0, good.stdout + good.stderr
    bad = validate(tmp_path, "http://exa mple.org/<>")
    assert bad.returncode == 1
    assert "'http://exa mple.org/<>' is not valid under any of the given schemas" in bad.stdout
