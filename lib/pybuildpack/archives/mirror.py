"""The mirror: a file:// or https:// base URL holding runtime and library archives, each with a
NAME.sha256 checksum file, and optionally index.txt listing the archives. Nothing is handed on
unless its checksum verifies."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pybuildpack.errors import BuildError
from pybuildpack.files import sha256_of
from pybuildpack.http import split_auth
from pybuildpack.redact import redact

if TYPE_CHECKING:
    from pybuildpack.context import Settings

# Heroku's own public runtime archives, the default on Heroku stacks. They carry no checksum files;
# they are fetched over TLS as Heroku's buildpack does.
HEROKU_URL = "https://heroku-buildpack-python.s3.us-east-1.amazonaws.com"
# Heroku's stacks: lib/platform.sh's platform::heroku_stacks is the list (bash names a stack's
# archives after its Ubuntu release before the core runs); a test holds this one to it.
HEROKU_STACKS = ("heroku-22", "heroku-24")
# NAME.source beside an archive: where it was built from (builds/mirror.sh), optional.
SOURCE_SUFFIX = ".source"


class _Missing(Exception):
    """The mirror answered that the file does not exist."""


def _download(url: str, dest: Path, retries: int) -> None:
    """url to dest. Raises _Missing (no such file) or OSError (anything else, after retries)."""
    import urllib.error  # (the network's modules only when something is downloaded: pybuildpack.http)
    import urllib.request

    if url.startswith("file://"):
        path = Path(unquote(urlsplit(url).path))
        if not path.exists():
            raise _Missing(url)
        shutil.copyfile(path, dest)
        return
    if not url.startswith(("http://", "https://")):
        raise OSError(f"unsupported URL scheme: {redact(url)}")
    clean, auth = split_auth(url)
    request = urllib.request.Request(clean, headers={"User-Agent": "python-buildpack"})
    if auth:
        request.add_header("Authorization", auth)
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=30) as response, dest.open("wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
            return
        except urllib.error.HTTPError as exc:
            if exc.code in (403, 404):
                raise _Missing(url) from exc
            if attempt == retries:
                raise OSError(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError, TimeoutError):
            if attempt == retries:
                raise
        time.sleep(1)


def _shown(url: str) -> str:
    """A mirror URL for a message: credentials hidden, with or without a scheme."""
    if "://" not in url and "@" in url:
        return "****@" + url.rsplit("@", 1)[1]
    return redact(url)


@dataclass(frozen=True)
class Mirror:
    url: str
    retries: int = 3

    @classmethod
    def configured(cls, settings: Settings) -> Mirror | None:
        """BUILDPACK_MIRROR_URL, else Heroku's archives on Heroku's stacks, else None."""
        if settings.mirror_url:
            return cls(settings.mirror_url.rstrip("/"), settings.mirror_retries)
        if settings.stack in HEROKU_STACKS:
            return cls(HEROKU_URL, settings.mirror_retries)
        return None

    @classmethod
    def required(cls, settings: Settings) -> Mirror:
        mirror = cls.configured(settings)
        if mirror is not None and not mirror.url.startswith(("file://", "http://", "https://")):
            raise BuildError(
                "BUILDPACK_MIRROR_URL is not a file://, http:// or https:// URL",
                details=[f"It is: {_shown(mirror.url)}"],
                fix="Set it to the mirror's base URL, e.g. BUILDPACK_MIRROR_URL=file:///srv/python-mirror",
                code="mirror::not-configured",
            )
        if mirror is None:
            raise BuildError(
                "No mirror is configured to download the Python runtime from",
                details=[
                    f"Off Heroku's stacks (STACK is '{settings.stack or 'unset'}') "
                    "there is no default mirror."
                ],
                fix=(
                    "Set BUILDPACK_MIRROR_URL (as an environment variable or a config var) to a\n"
                    "file:// or https:// URL that holds the runtime archives, e.g. one made with\n"
                    "'make mirror' (see 'Building a mirror' in the buildpack's README):\n"
                    "  BUILDPACK_MIRROR_URL=file:///srv/python-mirror"
                ),
                code="mirror::not-configured",
            )
        return mirror

    def index(self) -> str | None:
        """The mirror's index.txt, or None when it has none (or can't be reached)."""
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"pybuildpack-index.{os.getpid()}"
        try:
            _download(f"{self.url}/index.txt", tmp, 0)
            return tmp.read_text(errors="replace")
        except (_Missing, OSError):
            return None
        finally:
            tmp.unlink(missing_ok=True)

    def fetch(self, name: str, dest: Path, what: str) -> None:
        """Download NAME to dest, verified against NAME.sha256; dest.sha256 records the checksum.
        WHAT names the thing for messages ("Python 3.13.5"). Nothing is left at dest unless
        verified."""
        url = f"{self.url}/{name}"
        shown = redact(url)
        tmp = dest.with_name(f"{dest.name}.partial.{os.getpid()}")
        tmp_sum = tmp.with_name(tmp.name + ".sha256")
        try:
            try:
                _download(url, tmp, self.retries)
            except _Missing:
                raise BuildError(
                    f"The mirror has no {what} archive",
                    details=[f"Missing: {shown}"],
                    fix=(
                        "Check BUILDPACK_MIRROR_URL, or add the archive to the mirror\n"
                        "(see 'Building a mirror' in the buildpack's README)."
                    ),
                    code="mirror::missing-archive",
                ) from None
            except OSError:
                raise BuildError(
                    f"Could not download {what} from the mirror",
                    details=[
                        f"URL: {shown}",
                        f"The mirror could not be reached (retried {self.retries} times).",
                    ],
                    fix="Check that BUILDPACK_MIRROR_URL is right and the mirror is up, then build again.",
                    code="mirror::unreachable",
                ) from None
            actual = sha256_of(tmp)
            try:
                _download(f"{url}.sha256", tmp_sum, self.retries)
                words = tmp_sum.read_text(errors="replace").split()
                expected = words[0].lower() if words else ""
            except (_Missing, OSError):
                if self.url != HEROKU_URL:
                    raise BuildError(
                        f"The mirror publishes no checksum for {what}",
                        details=[f"Missing: {shown}.sha256"],
                        fix="Every archive on a mirror needs a NAME.sha256 file next to it "
                        "('sha256sum NAME').",
                        code="mirror::no-checksum",
                    ) from None
                expected = actual
            if expected != actual:
                raise BuildError(
                    f"Checksum mismatch for {what}: the download is not the published archive",
                    details=[
                        f"URL: {shown}",
                        f"Expected sha256 {expected or '<empty checksum file>'}",
                        f"Got      sha256 {actual}",
                    ],
                    fix=(
                        "Nothing of it was used or cached. If the mirror was just updated, build again;\n"
                        "otherwise rebuild the archive and its .sha256 on the mirror."
                    ),
                    code="mirror::checksum-mismatch",
                )
            tmp_sum.write_text(f"{actual}  {name}\n")
            self._fetch_source(name, dest.with_name(dest.name + SOURCE_SUFFIX))
            os.replace(tmp_sum, dest.with_name(dest.name + ".sha256"))
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
            tmp_sum.unlink(missing_ok=True)

    def _fetch_source(self, name: str, dest: Path) -> None:
        """NAME.source, when the mirror has one (builds/mirror.sh writes it: the Debian source
        package and version the archive was built from, for the bill of materials), to dest;
        nothing when it has none. Heroku's archives have none."""
        dest.unlink(missing_ok=True)
        if self.url == HEROKU_URL:
            return
        tmp = dest.with_name(f"{dest.name}.partial.{os.getpid()}")
        try:
            _download(f"{self.url}/{name}{SOURCE_SUFFIX}", tmp, 0)
            line = tmp.read_text(errors="replace").strip().splitlines()
            if line and len(line[0]) <= 200:
                dest.write_text(line[0] + "\n")
        except (_Missing, OSError):
            pass
        finally:
            tmp.unlink(missing_ok=True)
