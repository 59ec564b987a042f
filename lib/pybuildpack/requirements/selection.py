"""What the app installs besides its default set: the groups of its lock (uv's dependency groups,
Poetry's groups, Pipenv's categories) and its own extras, as BUILDPACK_INSTALL_GROUPS and
BUILDPACK_INSTALL_EXTRAS name them (context.Settings), checked against what the app declares (each
format's reader says, lockformats.LockReader.choices; an app installed as a package, its
metadata). A name the app does not declare fails the build, listing those it does."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError

GROUPS_VAR = "BUILDPACK_INSTALL_GROUPS"
EXTRAS_VAR = "BUILDPACK_INSTALL_EXTRAS"


@dataclass(frozen=True)
class Selection:
    """The groups and extras to install besides the default set, named as the app declares them."""

    groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.groups or self.extras)

    def describe(self) -> str:
        """'groups prod, worker; extras redis' ('' for none)."""
        parts = (("groups", self.groups), ("extras", self.extras))
        return "; ".join(f"{kind} {', '.join(names)}" for kind, names in parts if names)

    def shown(self) -> str:
        """What the build log and bin/plan say: 'groups prod; extras redis (BUILDPACK_INSTALL_...)'."""
        said = [var for var, names in ((GROUPS_VAR, self.groups), (EXTRAS_VAR, self.extras)) if names]
        return f"{self.describe()} ({', '.join(said)})"


NOTHING = Selection()  # the default set only


@dataclass(frozen=True)
class Choices:
    """What an app declares that a selection may name: {canonical name: name as written}.
    extras None: the app's extras can't be read without running its build (dynamic metadata),
    and are passed on unchecked."""

    file: str  # where they are declared ("pyproject.toml", "Pipfile")
    groups: dict[str, str] = field(default_factory=dict)
    extras: dict[str, str] | None = field(default_factory=dict)
    group_word: str = "dependency group"  # what the format calls a group ("Pipenv category")
    default: frozenset[str] = frozenset()  # the group always installed, by canonical name ("main")
    where_groups: str = ""  # the table that declares them ("[dependency-groups]")
    where_extras: str = ""
    fix: str = ""  # what follows declaring one (", then run 'uv lock'")
    # a line more for an error about groups, or about extras (where they come from instead)
    notes: tuple[str, str] = ("", "")


def names(values: list[object] | dict[str, object] | object) -> dict[str, str]:
    """{canonical name: name} of a table's keys (or a list's strings)."""
    items = values if isinstance(values, (dict, list)) else []
    return {canonicalize_name(str(name)): str(name) for name in items}


def _unknown(kind: str, asked: list[str], known: dict[str, str], declared: Choices, var: str) -> BuildError:
    where = declared.where_groups if kind == "groups" else declared.where_extras
    word = declared.group_word if kind == "groups" else "extra"
    listed = ", ".join(sorted(known.values())) if known else f"no {word}"
    plural = "s" if len(asked) > 1 else ""
    return BuildError(
        f"{var} names {', '.join(asked)}: {declared.file} declares no such {word}{plural}",
        where=f"config var {var}",
        details=[
            f"{declared.file}{' ' + where if where else ''} declares: {listed}.",
            *filter(None, [declared.notes[0 if kind == "groups" else 1]]),
        ],
        fix=(
            f"Set {var} to names {declared.file} declares (or unset it),\n"
            f"or declare the {word} in {declared.file}{declared.fix}."
        ),
        code="app::group-unknown" if kind == "groups" else "app::extra-unknown",
    )


def _chosen(
    kind: str, asked: tuple[str, ...], known: dict[str, str] | None, declared: Choices
) -> tuple[str, ...]:
    """asked, named as the app declares them (the default group left out: it is installed anyway)."""
    if known is None:
        return asked
    var = GROUPS_VAR if kind == "groups" else EXTRAS_VAR
    missing = [
        name for name in asked if canonicalize_name(name) not in known | dict.fromkeys(declared.default, "")
    ]
    if missing:
        raise _unknown(kind, missing, known, declared, var)
    chosen = [
        known[canonicalize_name(name)] for name in asked if canonicalize_name(name) not in declared.default
    ]
    return tuple(dict.fromkeys(chosen))


def select(groups: tuple[str, ...], extras: tuple[str, ...], declared: Choices) -> Selection:
    """The groups and extras named (BUILDPACK_INSTALL_GROUPS, _EXTRAS), checked against those the
    app declares (compared as uv and pip compare them, normalized: Prod is prod, a_b is a-b)."""
    return Selection(
        _chosen("groups", groups, declared.groups, declared),
        _chosen("extras", extras, declared.extras, declared),
    )


_PIP_GROUPS = "Groups are read from a lock: uv.lock, poetry.lock (and Pipfile.lock's categories)."


def choices_of(app: Path, kind: str, installs_itself: bool = False) -> Choices:
    """What an app of install source kind declares (InstallSource.kind): a lock's reader says; an
    app installed as a package, or a requirements file with a line that installs the app itself
    (installs_itself: requirements/ownline.py), its metadata (extras only); any other requirements
    file declares neither."""
    from pybuildpack.requirements.lockformats import reader_for
    from pybuildpack.requirements.package import declared_extras
    from pybuildpack.requirements.source import LOCKED

    if kind in LOCKED:
        return reader_for(kind).choices(app)
    if kind == "package" or installs_itself:
        file, extras = declared_extras(app)
        return Choices(
            file, extras=extras, where_extras="(its optional dependencies)", notes=(_PIP_GROUPS, "")
        )
    return Choices(
        "requirements.txt",
        notes=(
            _PIP_GROUPS,
            "The extras are the app's own, added to the line of requirements.txt that installs the app\n"
            "itself (. or -e .), and it has none.",
        ),
    )
