"""The knowledge base of undeclared build-time prerequisites (data/build-prerequisites.toml),
plus the ones the user declares."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError
from pybuildpack.toml import load_toml


@dataclass(frozen=True)
class Rule:
    name: str  # canonical
    versions: SpecifierSet
    needs: tuple[str, ...]
    reason: str
    learned: bool = False  # learned from a failed build (detection still runs beside it)


@dataclass(frozen=True)
class Knowledge:
    rules: tuple[Rule, ...]
    modules: dict[str, str]  # import name -> distribution
    headers: dict[str, str] = field(default_factory=dict)  # a C header's directory -> distribution

    @classmethod
    def load(cls, path: Path) -> Knowledge:
        data = load_toml(path)
        rules = tuple(
            Rule(
                canonicalize_name(item["name"]),
                SpecifierSet(item.get("versions", "")),
                tuple(item["needs"]),
                item["reason"],
            )
            for item in data.get("package", [])
        )
        modules = {str(item["name"]): str(item["distribution"]) for item in data.get("module", [])}
        return cls(rules, modules, {str(k): str(v) for k, v in data.get("headers", {}).items()})

    def with_user_rules(self, text: str) -> Knowledge:
        """Add rules from BUILDPACK_BUILD_PREREQUISITES: 'pkg=numpy,Cython other=numpy'."""
        rules = list(self.rules)
        for item in text.split():
            name, sep, needs = item.partition("=")
            if not sep or not name or not needs:
                raise BuildError(
                    f"BUILDPACK_BUILD_PREREQUISITES has an entry '{item}' "
                    "that is not PACKAGE=PREREQ[,PREREQ]",
                    where="config var BUILDPACK_BUILD_PREREQUISITES",
                    fix="Write e.g. 'hcluster=numpy legacy-thing=numpy,Cython' (space-separated).",
                    code="config::build-prerequisites",
                )
            name, _, versions = name.partition(":")
            try:
                spec = SpecifierSet(versions)
            except InvalidSpecifier as exc:
                raise BuildError(
                    f"BUILDPACK_BUILD_PREREQUISITES: '{versions}' is not a version specifier",
                    where="config var BUILDPACK_BUILD_PREREQUISITES",
                    fix="Write e.g. 'scipy:<0.13=numpy'.",
                    code="config::build-prerequisites",
                ) from exc
            rules.append(
                Rule(
                    canonicalize_name(name),
                    spec,
                    tuple(n for n in needs.split(",") if n),
                    "declared in BUILDPACK_BUILD_PREREQUISITES",
                )
            )
        return Knowledge(tuple(rules), self.modules, self.headers)

    def with_rules(self, rules: list[Rule]) -> Knowledge:
        """Add rules (the prerequisites learned from failed builds): the rules already known for a
        package come first."""
        return Knowledge((*self.rules, *rules), self.modules, self.headers)

    def distribution_for(self, module: str, graph_names: set[str]) -> str | None:
        """The distribution that provides an importable module (or None)."""
        dist = self.modules.get(module)
        if dist is None and canonicalize_name(module) in graph_names:
            dist = module
        return dist

    def rules_for(self, name: str, version: str | None) -> list[Rule]:
        """Every rule that applies to NAME at VERSION (all versions when it is not pinned)."""
        return [
            rule
            for rule in self.rules
            if rule.name == canonicalize_name(name)
            and (version is None or not rule.versions or rule.versions.contains(version, prereleases=True))
        ]
