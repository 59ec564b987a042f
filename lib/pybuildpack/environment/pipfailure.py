"""Turning pip's failure output into a summary that names the requirement and where it is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename

from pybuildpack.errors import BuildError
from pybuildpack.http import split_auth
from pybuildpack.natives.system import SystemLibrary, lacking
from pybuildpack.plan.learning import Missing
from pybuildpack.redact import redact
from pybuildpack.requirements.graph import Graph

# What pip was working on when a build failed, and what the failure says was missing.
_BUILDING_RES = (
    re.compile(r"^\s*(?:Collecting|Processing|Obtaining) (?P<pkg>\S+)"),
    re.compile(r"^\s*Building wheel for (?P<pkg>\S+) \("),
    re.compile(r"^\s*Running setup\.py (?:install|develop) for (?P<pkg>\S+)"),
)
_FAILED_TO_BUILD_RE = re.compile(r"Failed to build '(?P<pkg>[^']+)'|Failed building wheel for (?P<pkg2>\S+)")
_NO_MODULE_RE = re.compile(r"No module named '?(?P<module>[A-Za-z_][A-Za-z0-9_.]*)'?")
_NO_HEADER_RE = re.compile(
    r"fatal error: (?P<dir>[A-Za-z0-9_]+)/[^:\s]+\.h(?:pp)?: No such file or directory"
)
# pip could not reach an index (its own words, and urllib3's).
_UNREACHABLE_RE = re.compile(
    r"Could not fetch URL (?P<url>\S+?):|Failed to establish a new connection|"
    r"Temporary failure in name resolution|Name or service not known|Connection refused|"
    r"No route to host|Read timed out|certificate verify failed"
)
# An index that refused the credentials pip sent (or sent none): "401 Error, Credentials not
# correct for URL", "403 Client Error: Forbidden for url: URL" (pip's words and requests').
_REFUSED_RE = re.compile(
    r"\b(?P<status>401|403) Client Error: (?P<reason>[^\n]*?) for url: (?P<url>\S+)|"
    r"\b401 Error, Credentials not correct for (?P<url401>\S+)"
)
_NOT_FOUND_RE = re.compile(r"No matching distribution found for (?P<req>\S+)")
_FROM_LINE_RE = re.compile(r"\(from line (?P<line>\d+) of (?P<file>[^)]+)\)")
_INVALID_RE = re.compile(r"Invalid requirement: '(?P<req>[^']*)'")
_HASHES_RE = re.compile(r"THESE PACKAGES DO NOT MATCH THE HASHES")
_MISMATCH_RE = re.compile(r"^\s+(?P<req>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==\S+ from \S+")
# Requirements pip can't satisfy together ("Cannot install a==1 and a==2 because these package
# versions have conflicting dependencies."), and the causes it lists after it.
_CONFLICT_RE = re.compile(r"Cannot install (?P<what>.+?) because these package versions have conflicting")
_CAUSED_BY = "The conflict is caused by:"
# An archive pip refuses to unpack: a member that would land outside its directory.
_UNSAFE_MEMBER_RE = re.compile(r"Invalid member in the (?:tar|zip) file (?P<archive>\S+): (?P<why>.+)$")
# pip cloning a VCS requirement ("Cloning URL to DIR", "Cloning URL (to revision REF) to DIR"),
# and git's reason when it could not.
_CLONING_RE = re.compile(r"^\s*Cloning (?P<url>\S+) ")
_GIT_FATAL_RE = re.compile(r"^\s*fatal: (?P<said>.+)$")


def _name_of(spec: str) -> str:
    """The project name of a requirement pip printed ("six==1.16.0" -> "six"), else the text itself."""
    try:
        return Requirement(spec).name
    except InvalidRequirement:
        return spec


def _find_line(graph: Graph, name: str) -> str:
    """file:line of the app's requirement for name, from the graph."""
    for entry in graph.by_name(name):
        if not entry.constraint:
            return entry.origin.show(graph.root)
    return ""


def missing_at_build(tail: list[str]) -> list[Missing]:
    """What the builds that failed in pip's output lacked: a module, or a C header. Each is put down
    to the package pip names as failing after it, else to the one it was working on."""
    current = ""
    pending: list[tuple[str, str | None, str | None, str]] = []
    found: list[Missing] = []
    for line in tail:
        for pattern in _BUILDING_RES:
            match = pattern.match(line)
            if match:
                current = match["pkg"]
        module = _NO_MODULE_RE.search(line)
        header = _NO_HEADER_RE.search(line)
        if module:
            pending.append((current, module["module"].split(".")[0], None, line.strip()))
        elif header:
            pending.append((current, None, header["dir"], line.strip()))
        failed = _FAILED_TO_BUILD_RE.search(line)
        if failed:
            named = failed["pkg"] or failed["pkg2"] or ""
            found += [Missing(named or package, m, h, e) for package, m, h, e in pending]
            pending = []
    return found + [Missing(package, m, h, e) for package, m, h, e in pending]


@dataclass
class InstallFailed(BuildError):
    """pip failed: the summary for the user, and the output it was made from."""

    tail: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, summary: BuildError, tail: list[str]) -> InstallFailed:
        return cls(summary.title, summary.where, summary.details, summary.fix, summary.code, tail)


def _hash_mismatch(tail: list[str], graph: Graph) -> BuildError:
    names = [m["req"] for line in tail if (m := _MISMATCH_RE.match(line))]
    expected = [line.strip() for line in tail if line.strip().startswith(("Expected sha256", "Got "))]
    shown = ", ".join(dict.fromkeys(names)) or "a package"
    return BuildError(
        f"The download of {shown} does not match the hash the requirements pin",
        where=_find_line(graph, names[0]) if names else "",
        details=[*expected[:4], "Nothing of it was installed."],
        fix=(
            "If the pinned version was re-released or the hash is wrong, update the --hash (or the lock:\n"
            "'uv lock', 'pipenv lock'); otherwise the index served another file: check where it came from."
        ),
        code="install::hash-mismatch",
    )


def _failed_package(tail: list[str]) -> str:
    """The package pip says it failed to build, else the last one it was working on."""
    current = ""
    for line in tail:
        failed = _FAILED_TO_BUILD_RE.search(line)
        if failed:
            return failed["pkg"] or failed["pkg2"] or current
        for pattern in _BUILDING_RES:
            match = pattern.match(line)
            if match:
                current = match["pkg"]
    return current


def _system_library(tail: list[str], graph: Graph, libraries: Sequence[SystemLibrary]) -> BuildError | None:
    """A build that failed for want of a system library the table knows: named, with the way to it."""
    name = _name_of(_failed_package(tail))
    lack = lacking(tail, list(libraries), name)
    if lack is None:
        return None
    what = name or "A package"
    return BuildError(
        f"{what} could not be built from source: it needs {lack.library.name}, which the build image lacks",
        where=_find_line(graph, name) if name else "",
        details=[
            f"The build's output says: {lack.line}",
            "pip builds a package from source when no wheel fits the runtime, against the build",
            "image's system libraries; the buildpack does not provide this one.",
        ],
        fix=lack.library.fix(),
        code="install::system-library-missing",
    )


def _conflict(tail: list[str], graph: Graph) -> BuildError | None:
    """pip found requirements that can't be installed together: which, why, and the first one's line."""
    conflict = next((m for line in tail if (m := _CONFLICT_RE.search(line))), None)
    if conflict is None:
        return None
    what = conflict["what"]
    first = re.split(r", | and ", what)[0]
    starts = [i for i, line in enumerate(tail) if line.strip() == _CAUSED_BY]
    causes = []
    for line in tail[starts[0] + 1 :] if starts else []:
        if not line.strip():
            break
        causes.append(line.strip())
    return BuildError(
        f"The requirements conflict: pip can't install {what} together",
        where=_find_line(graph, _name_of(first)),
        details=[_CAUSED_BY, *causes[:8]] if causes else ["pip's own message is shown above."],
        fix=(
            "Make the requirements agree on one version of each package (a lock that locks a\n"
            "package twice: lock again with 'uv lock', 'poetry lock' or 'pipenv lock')."
        ),
        code="install::requirements-conflict",
    )


def _unsafe_archive(tail: list[str], graph: Graph) -> BuildError | None:
    """pip refused to unpack a package's archive: which one, its line, and why."""
    unsafe = next((m for line in tail if (m := _UNSAFE_MEMBER_RE.search(line))), None)
    if unsafe is None:
        return None
    archive = unsafe["archive"].rsplit("/", 1)[-1]
    try:
        name = str(parse_sdist_filename(archive)[0])
    except InvalidSdistFilename:
        name = ""
    return BuildError(
        f"pip refused to unpack {archive}: {unsafe['why']}",
        where=_find_line(graph, name) if name else "",
        details=["It would write outside the package's directory; nothing of it was installed."],
        fix=(
            "Use another release of the package, or a wheel of it; tell its maintainers (an archive\n"
            "built this way may have been tampered with)."
        ),
        code="install::unsafe-archive",
    )


def _vcs_failed(tail: list[str], graph: Graph) -> BuildError | None:
    """pip could not clone a VCS requirement: which one, its line, and git's reason."""
    url = next((m["url"] for line in tail if (m := _CLONING_RE.match(line))), None)
    said = next((m["said"] for line in tail if (m := _GIT_FATAL_RE.match(line))), None)
    if url is None or said is None:
        return None
    name = _name_of(_failed_package(tail))
    return BuildError(
        f"pip could not fetch {name or 'a package'} from its git repository {redact(url)}",
        where=_find_line(graph, name) if name else "",
        details=[f"git said: {redact(said)}"],
        fix=(
            "Check the repository's URL and ref, that the build can reach it, and its credentials\n"
            "(in the URL, or a config var it expands); then build again."
        ),
        code="install::vcs-failed",
    )


def _index_of(page: str, spec: str) -> str:
    """The index a project page belongs to (…/simple/NAME/ -> …/simple/), without credentials."""
    clean, _ = split_auth(page)
    head, _, name = clean.rstrip("/").rpartition("/")
    wanted = canonicalize_name(_name_of(spec)) if spec else ""
    return head + "/" if wanted and canonicalize_name(name) == wanted else clean


def _refused(text: str, graph: Graph) -> BuildError | None:
    """An index answered 401/403: authentication failed (not a missing requirement)."""
    from pybuildpack.index.client import REFUSED

    refused = _REFUSED_RE.search(text)
    missing = _NOT_FOUND_RE.search(text)
    spec = missing["req"] if missing else ""
    if refused:
        status, reason = refused["status"] or "401", refused["reason"] or "Unauthorized"
        index = _index_of(refused["url"] or refused["url401"], spec)
    elif REFUSED and missing:  # pip said nothing of it; the plan's own lookups met it
        index, (status, reason) = next(iter(REFUSED.items()))
    else:
        return None
    where = _find_line(graph, _name_of(spec)) if spec else ""
    return BuildError(
        f"Authentication failed for the package index {redact(index)} (HTTP {status} {reason})",
        where=where,
        details=[
            "The index refused the credentials the build sent (or asked for some and got none),",
            f"so pip found no release of {spec or 'what the requirements ask for'} there; "
            "the requirement may be fine.",
        ],
        fix=(
            "Check the user name and password (or token) for that index: in the index URL, the\n"
            "config var the URL expands (${VAR}), PIP_INDEX_URL or PIP_EXTRA_INDEX_URL, or the lock's\n"
            "index settings; and that the account may read the index."
        ),
        code="install::index-auth-failed",
    )


def summarize(
    tail: list[str], graph: Graph, returncode: int, system_libraries: Sequence[SystemLibrary] = ()
) -> BuildError:
    """What pip's failure means for the user (system_libraries: data/system-libraries.toml)."""
    from pybuildpack.index.client import UNREACHABLE

    text = "\n".join(tail)
    refused = _refused(text, graph)
    if refused is not None:
        return refused
    unreachable = _UNREACHABLE_RE.search(text)
    said = f"pip said: {unreachable.group(0)}" if unreachable else ""
    if not said and UNREACHABLE:  # pip retried nothing, so said nothing of it; the plan's lookups did
        url, reason = next(iter(UNREACHABLE.items()))
        said = f"The build could not reach {redact(url)} either: {redact(reason)}"
    if said and _NOT_FOUND_RE.search(text):
        return BuildError(
            "pip could not reach the package index",
            details=[
                "So it found no release of what the requirements ask for; the requirement may be fine.",
                said,
            ],
            fix=(
                "Check the index URLs (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, --index-url lines) and that\n"
                "the index is reachable from the build, then build again."
            ),
            code="install::index-unreachable",
        )
    if _HASHES_RE.search(text):
        return _hash_mismatch(tail, graph)
    missing = _NOT_FOUND_RE.search(text)
    if missing:
        spec = missing["req"]
        where = _find_line(graph, _name_of(spec))
        return BuildError(
            f"pip could not find {spec} on the package index",
            where=where,
            details=["No release of that name matches the version asked for (see pip's message above)."],
            fix="Check the spelling and the version, e.g. with 'pip index versions NAME'.",
            code="install::requirement-not-found",
        )
    invalid = _INVALID_RE.search(text)
    if invalid:
        origin = _FROM_LINE_RE.search(text[invalid.start() :])
        where = f"{origin['file']}:{origin['line']}" if origin else ""
        return BuildError(
            f"A line in the requirements is not a valid requirement: '{invalid['req']}'",
            where=where,
            fix="Fix the line (the syntax is described in pip's 'Requirements File Format').",
            code="install::requirements-syntax",
        )
    conflict = _conflict(tail, graph)
    if conflict is not None:
        return conflict
    unsafe = _unsafe_archive(tail, graph)
    if unsafe is not None:
        return unsafe
    vcs = _vcs_failed(tail, graph)
    if vcs is not None:
        return vcs
    lack = _system_library(tail, graph, system_libraries)
    if lack is not None:
        return lack
    origin = _FROM_LINE_RE.search(text)
    return BuildError(
        f"pip failed to install the app's dependencies (exit status {returncode})",
        where=f"{origin['file']}:{origin['line']}" if origin else "",
        details=["pip's own message is shown above."],
        code="install::pip-failed",
    )
