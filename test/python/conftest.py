"""Import the buildpack's Python core and its vendored libraries as bin/compile does."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "lib"))
for wheel in sorted((ROOT / "vendor" / "wheels").glob("*.whl")):
    if wheel.name.startswith(("packaging-", "tomli-")):
        sys.path.insert(1, str(wheel))
