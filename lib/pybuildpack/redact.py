"""Hiding credentials that appear in URLs before anything is printed."""

from __future__ import annotations

import re

_USERINFO_RE = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/\s:@]+):(?P<password>[^/\s@]+)@"
)
_TOKEN_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<token>[^/\s:@]{16,})@")


def redact(text: str) -> str:
    """Replace the password of every user:password@ URL (and bare tokens before @) with ****."""
    text = _USERINFO_RE.sub(lambda m: f"{m['scheme']}{m['user']}:****@", text)
    return _TOKEN_RE.sub(lambda m: f"{m['scheme']}****@", text)
