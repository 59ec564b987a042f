"""The knowledge base of undeclared build-time prerequisites (data/build-prerequisites.toml),
plus the ones the user declares."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Knowledge:
    rules: tuple[Rule, ...]
    modules: dict[str, str]  # import name -> distribution

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
        return cls(rules, dict(data.get("modules", {})))

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
        return Knowledge(tuple(rules), self.modules)

    def rule_for(self, name: str, version: str | None) -> Rule | None:
        for rule in self.rules:
            if rule.name != canonicalize_name(name):
                continue
            if version is None or not rule.versions or rule.versions.contains(version, prereleases=True):
                return rule
        return None
