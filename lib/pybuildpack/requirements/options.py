"""The options pip accepts in a requirements file, and a parser for them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    dest: str
    takes_value: bool
    per_requirement: bool = False  # allowed after a requirement on the same line


_OPTIONS: dict[str, Option] = {}


def _add(names: tuple[str, ...], option: Option) -> None:
    for name in names:
        _OPTIONS[name] = option


_add(("-r", "--requirement"), Option("requirement", True))
_add(("-c", "--constraint"), Option("constraint", True))
_add(("-e", "--editable"), Option("editable", True))
_add(("-i", "--index-url"), Option("index_url", True))
_add(("--extra-index-url",), Option("extra_index_url", True))
_add(("--no-index",), Option("no_index", False))
_add(("-f", "--find-links"), Option("find_links", True))
_add(("--no-binary",), Option("no_binary", True))
_add(("--only-binary",), Option("only_binary", True))
_add(("--prefer-binary",), Option("prefer_binary", False))
_add(("--require-hashes",), Option("require_hashes", False))
_add(("--pre",), Option("pre", False))
_add(("--trusted-host",), Option("trusted_host", True))
_add(("--use-feature",), Option("use_feature", True))
_add(("--hash",), Option("hash", True, per_requirement=True))
_add(("--config-settings", "-C"), Option("config_settings", True, per_requirement=True))
_add(("--global-option",), Option("global_option", True, per_requirement=True))

KNOWN_OPTIONS = tuple(sorted(_OPTIONS))


class OptionError(ValueError):
    pass


def parse_options(tokens: list[str]) -> list[tuple[str, str]]:
    """[(dest, value)] for tokens such as ['-r', 'base.txt', '--hash=sha256:...', '-rfile']."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        elif token.startswith("-") and not token.startswith("--") and len(token) > 2:
            name, value = token[:2], token[2:]
        option = _OPTIONS.get(name)
        if option is None:
            if not token.startswith("-"):
                raise OptionError(f"unexpected '{token}' after the options")
            raise OptionError(f"unknown option '{name}'")
        if option.takes_value:
            if value is None:
                i += 1
                if i >= len(tokens):
                    raise OptionError(f"option '{name}' needs a value")
                value = tokens[i]
            out.append((option.dest, value))
        else:
            if value is not None:
                raise OptionError(f"option '{name}' takes no value")
            out.append((option.dest, ""))
        i += 1
    return out


def is_per_requirement(dest: str) -> bool:
    return any(o.dest == dest and o.per_requirement for o in _OPTIONS.values())
