"""Hiding credentials that appear in URLs before anything is printed: the one redactor, used by
everything the Python core prints and, as a filter (`python -m pybuildpack.redact`), by bash for
the output of hooks and collectstatic (lib/output.sh)."""

from __future__ import annotations

import re
import sys

# scheme://USERINFO@: userinfo runs to the last @ before the host (a password may hold an @).
_USERINFO_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s?#]*)@")
_TOKEN_LENGTH = 16  # a user name this long (with no password) is a token


def _hide(match: re.Match[str]) -> str:
    user, colon, _password = match["userinfo"].partition(":")
    if colon:
        return f"{match['scheme']}{user}:****@"
    if len(user) >= _TOKEN_LENGTH:
        return f"{match['scheme']}****@"
    return match[0]


def redact(text: str) -> str:
    """user:password@ -> user:****@ (also :TOKEN@ -> :****@); a bare token (16 characters or
    more) before @ -> ****@."""
    return _USERINFO_RE.sub(_hide, text)


def main() -> int:
    """Copy stdin to stdout, redacted, line by line as it comes."""
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        sys.stdout.write(redact(line))
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
