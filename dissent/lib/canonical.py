"""Canonical, versioned byte encodings. A hash or commitment over these bytes must mean the
same thing forever, so every encoding starts with its name and version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

Scalar = str | int | bool | None


def canonical_json(tag: str, fields: Mapping[str, Scalar]) -> bytes:
    """`tag` newline, then JSON with sorted keys, no spaces, UTF-8 (not ASCII-escaped)."""
    if "\n" in tag:
        raise ValueError("tag may not contain a newline")
    body = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return tag.encode("ascii") + b"\n" + body.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
