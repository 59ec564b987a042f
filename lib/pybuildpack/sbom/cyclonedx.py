"""The bill as a CycloneDX 1.6 JSON document, written with cyclonedx-python-lib (vendored, as the
core's other libraries are). The same bill gives the same bytes: components in the library's
sorted order, a serial number derived from the bill's content, and no timestamp unless
SOURCE_DATE_EPOCH gives one (the build's time would make every document differ)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
import warnings
from collections.abc import Iterable
from datetime import datetime, timezone

from pybuildpack.sbom.facts import Bill, Component

MEDIA_TYPE = "application/vnd.cyclonedx+json"  # (buildpack.toml's sbom-formats)
APP_REF = "app"
# Serial numbers are name-based UUIDs in this namespace (uuid5 of the bill's digest).
_EXPRESSION = re.compile(r"\s(?:AND|OR|WITH)\s")
_NAMESPACE = uuid.UUID("6f7c1c52-4d0e-5a3a-9a59-2f5f1a9d6b27")


def _digest(bill: Bill, components: list[Component]) -> str:
    text = json.dumps([bill.python_version, bill.stack, bill.arch, [repr(c) for c in components]])
    return hashlib.sha256(text.encode()).hexdigest()


def document(bill: Bill, components: Iterable[Component] | None = None) -> str:
    """The bill's components (or those given: one layer's) as CycloneDX 1.6 JSON, with the app as
    the document's subject and the dependencies among what it holds."""
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentScope, ComponentType
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    chosen = sorted(bill.components if components is None else components, key=lambda c: c.ref)
    ids = _spdx_ids()
    made: dict[str, CdxComponent] = {}
    for part in chosen:
        made[part.ref] = CdxComponent(
            bom_ref=part.ref,
            type=ComponentType(part.kind),
            name=part.name,
            version=part.version or None,
            purl=PackageURL.from_string(part.purl) if part.purl else None,
            hashes=[HashType(alg=HashAlgorithm.SHA_256, content=part.sha256)] if part.sha256 else [],
            licenses=[_licence(part.licence, ids)] if part.licence else [],
            scope=ComponentScope.EXCLUDED if part.build_only else ComponentScope.REQUIRED,
            properties=[Property(name=name, value=value) for name, value in part.properties],
        )
    app = CdxComponent(bom_ref=APP_REF, type=ComponentType.APPLICATION, name="app")
    timestamp = _timestamp()
    bom = Bom(
        serial_number=uuid.uuid5(_NAMESPACE, _digest(bill, chosen)),
        metadata=BomMetaData(
            component=app,
            timestamp=timestamp,
            properties=[
                Property(name="pybuildpack:python", value=bill.python_version),
                Property(name="pybuildpack:stack", value=bill.stack),
                Property(name="pybuildpack:arch", value=bill.arch),
            ],
        ),
    )
    for component in made.values():
        bom.components.add(component)
    needed = {ref for part in chosen for ref in part.requires}
    roots = [made[part.ref] for part in chosen if part.ref not in needed and not part.build_only]
    bom.register_dependency(app, roots)
    for part in chosen:
        bom.register_dependency(made[part.ref], [made[ref] for ref in part.requires if ref in made])
    with warnings.catch_warnings():  # (a document of build tools alone has no dependency of the app's)
        warnings.simplefilter("ignore")
        text = JsonV1Dot6(bom).output_as_string(indent=1)
    if timestamp is not None:
        return text + "\n"
    data = json.loads(text)
    data["metadata"].pop("timestamp", None)
    return json.dumps(data, indent=1) + "\n"


def _spdx_ids() -> dict[str, str]:
    """{lower-case SPDX licence id: the id}, from the SPDX schema cyclonedx-python-lib ships (the
    list its JSON schema holds ids to). Its own LicenseFactory validates expressions with
    license-expression, whose index takes a tenth of a second to build at each build."""
    from cyclonedx.schema._res import SPDX_JSON  # (the pinned version's: vendor/wheels.sha256)

    with open(SPDX_JSON, encoding="utf-8") as schema:
        return {str(i).lower(): str(i) for i in json.load(schema)["enum"]}


def _licence(text: str, ids: dict[str, str]) -> object:
    """A licence as its metadata states it: an SPDX id, an SPDX expression (ids joined by AND, OR,
    WITH, as License-Expression has them), else a licence's name ("MIT License (MIT)")."""
    from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression

    if text.lower() in ids:
        return DisjunctiveLicense(id=ids[text.lower()])
    if _EXPRESSION.search(text):
        return LicenseExpression(text)
    return DisjunctiveLicense(name=text)


def _timestamp() -> datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return None
