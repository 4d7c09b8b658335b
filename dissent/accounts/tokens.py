"""Personal API token format and hashing (no Django)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "dct_"  # noqa: S105 - a public prefix that lets scanners spot leaked tokens


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and 20 <= len(token) <= 100
