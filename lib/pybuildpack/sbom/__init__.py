"""The build's bill of materials (SBOM): what the slug or the image holds and where each part came
from, as CycloneDX 1.6 JSON. decide records the app's requirements as it reads them
(requirements/app.py's declared); after the build, facts.py gathers the rest from what the build
already knows (the runtime's mark, the libraries' checksums, the environment's metadata, the
tools' pins), cyclonedx.py writes the document, place.py puts it where each contract expects it."""
