"""The only place where message text is read or written. Everything else handles versions
as opaque rows; encryption at rest slots in here (encode/decode) without touching callers."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from dissent.lib.canonical import canonical_json, sha256_hex
from dissent.lib.characters import check_text
from dissent.lib.errors import InvalidInput, TooLarge
from dissent.memos.models import Version

ENCODING_TAG = "dissent-memo-content/v1"
COMMITMENT_TAG = b"dissent-commitment/v1\n"

# Field limits. The body limit is in bytes of UTF-8, the way storage and the wire count it.
TITLE_MAX_CHARS = 300
SUMMARY_MAX_CHARS = 5_000
BODY_MAX_BYTES = 200 * 1024
RECOMMENDATIONS_MAX_CHARS = 50_000


# MemoContent's fields, in the order forms, diffs and the API show them.
FIELDS = ("title", "summary", "body", "recommendations")


@dataclass(frozen=True)
class MemoContent:
    title: str
    summary: str = ""
    body: str = ""
    recommendations: str = ""

    def marked_text(self) -> str:
        """The parts that carry portion marks, as one document."""
        return "\n\n".join(p for p in (self.summary, self.body, self.recommendations) if p)


def clean(title: str, summary: str = "", body: str = "", recommendations: str = "") -> MemoContent:
    """Checks limits and characters; raises with the field and the limit named. Line breaks
    are normalised to LF, so the same text typed in a browser (CRLF) or sent by a script (LF)
    has the same hash."""
    fields = {"title": title, "summary": summary, "body": body, "recommendations": recommendations}
    for name, value in fields.items():
        fields[name] = check_text(value, name).replace("\r\n", "\n").replace("\r", "\n")
    title, summary, body, recommendations = fields.values()
    title = title.strip()
    if not title:
        raise InvalidInput("give the message a title", field="title")
    if "\n" in title or "\r" in title:
        raise InvalidInput("the title must be one line", field="title")
    if len(title) > TITLE_MAX_CHARS:
        raise TooLarge(
            f"the title is {len(title)} characters; the limit is {TITLE_MAX_CHARS}", field="title"
        )
    if len(summary) > SUMMARY_MAX_CHARS:
        raise TooLarge(
            f"the summary is {len(summary)} characters; the limit is {SUMMARY_MAX_CHARS}",
            field="summary",
        )
    body_bytes = len(body.encode("utf-8"))
    if body_bytes > BODY_MAX_BYTES:
        # Rounded up: 200 KB and one byte must not read "the body is 200 KB".
        raise TooLarge(
            f"the body is {-(-body_bytes // 1024)} KB; the limit is 200 KB", field="body"
        )
    if len(recommendations) > RECOMMENDATIONS_MAX_CHARS:
        raise TooLarge(
            f"the recommendations are {len(recommendations)} characters; the limit "
            f"is {RECOMMENDATIONS_MAX_CHARS}",
            field="recommendations",
        )
    return MemoContent(title=title, summary=summary, body=body, recommendations=recommendations)


def encode(content: MemoContent) -> bytes:
    return canonical_json(ENCODING_TAG, asdict(content))


def content_hash(content: MemoContent) -> str:
    """SHA-256 of the canonical encoding: what signatures and receipts bind to."""
    return sha256_hex(encode(content))


def new_salt() -> bytes:
    return secrets.token_bytes(32)


def commitment(encoded: bytes, salt: bytes) -> str:
    """SHA-256(tag || salt || canonical encoding). Without the salt nobody can test a guess
    of the text against the log; with it, the holder proves exactly what was written."""
    return hashlib.sha256(COMMITMENT_TAG + salt + encoded).hexdigest()


def stored_bytes(content: MemoContent) -> bytes:
    """What goes into Version.content."""
    return encode(content)


def read(version: Version) -> MemoContent:
    try:
        return decode(version.content)
    except ValueError:
        raise ValueError(f"version {version.id} has an unknown content encoding") from None


def decode(stored: bytes | memoryview) -> MemoContent:
    """The text of a Version.content value read without its row (a list's column)."""
    tag, _, body = bytes(stored).partition(b"\n")
    if tag.decode("ascii", "replace") != ENCODING_TAG:
        raise ValueError("unknown message content encoding")
    return MemoContent(**json.loads(body.decode("utf-8")))
