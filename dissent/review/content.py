"""The only place where review text is read or written: the office's reply and the drafters'
rejoinder (marked documents, like messages) and the short free texts of a case (principals'
comments, internal notes, scope notes, reasons for extra recipients, meeting requests and
outcomes, reprisal reports). Everything else handles these as opaque bytes.

It follows dissent.memos.content: a canonical, tagged, versioned encoding; a SHA-256 content
hash; a salted commitment for the tamper-evident log (never the text). Encryption at rest
slots in at `_store`/`_load` without touching callers.

Threat handled: classified text (or text above the deployment's ceiling) reaching storage
through the review side. Every text here is checked against settings.MARKING_CEILING before
it is stored; the reply and the rejoinder must also be fully portion-marked to be sent.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from django.conf import settings

from dissent.lib.canonical import canonical_json, sha256_hex
from dissent.lib.characters import check_text
from dissent.lib.errors import InvalidInput, TooLarge
from dissent.markings import banner, check_ceiling, parse, validate
from dissent.memos.content import commitment, new_salt

REPLY_TAG = "dissent-review-reply/v1"
REJOINDER_TAG = "dissent-review-rejoinder/v1"
TEXT_TAG = "dissent-review-text/v1"

REPLY_MAX_BYTES = 200 * 1024
REJOINDER_MAX_BYTES = 50 * 1024


class TextKind(enum.StrEnum):
    """The short texts of a case, each with its limit in characters."""

    COMMENT = "comment"
    NOTE = "note"
    SCOPE_NOTE = "scope_note"
    RECIPIENT_REASON = "recipient_reason"
    MEETING_REQUEST = "meeting_request"
    MEETING_OUTCOME = "meeting_outcome"
    REPORT = "report"


TEXT_LIMITS: dict[TextKind, int] = {
    TextKind.COMMENT: 10_000,
    TextKind.NOTE: 10_000,
    TextKind.SCOPE_NOTE: 2_000,
    TextKind.RECIPIENT_REASON: 2_000,
    TextKind.MEETING_REQUEST: 2_000,
    TextKind.MEETING_OUTCOME: 10_000,
    TextKind.REPORT: 20_000,
}


@dataclass(frozen=True)
class MarkedBody:
    """A reply or rejoinder ready to store: its bytes, hash, commitment and banner."""

    stored: bytes
    content_hash: str
    salt: bytes
    commitment: str
    banner: str
    fully_marked: bool


def clean_text(kind: TextKind, value: object, *, field: str, required: bool = True) -> str:
    """A short text checked for characters, its limit and the marking ceiling."""
    text = check_text(value, field).strip()
    if required and not text:
        raise InvalidInput(f"{field} may not be empty", field=field)
    limit = TEXT_LIMITS[kind]
    if len(text) > limit:
        raise TooLarge(f"{field} is {len(text)} characters; the limit is {limit}", field=field)
    doc = parse(text)
    try:
        check_ceiling(doc, settings.MARKING_CEILING)
    except InvalidInput as exc:
        exc.field = field
        raise
    return text


def _store(tag: str, fields: dict[str, str]) -> bytes:
    return canonical_json(tag, fields)


def _load(tag: str, stored: bytes | memoryview) -> dict[str, str]:
    head, _, body = bytes(stored).partition(b"\n")
    if head.decode("ascii", "replace") != tag:
        raise ValueError(f"stored review text is not {tag}")
    loaded: dict[str, str] = json.loads(body.decode("utf-8"))
    return loaded


def store_text(kind: TextKind, text: str) -> bytes:
    """Bytes for a BinaryField; an empty text is stored as no bytes at all."""
    return _store(TEXT_TAG, {"kind": str(kind), "text": text}) if text else b""


def read_text(kind: TextKind, stored: bytes | memoryview) -> str:
    if not bytes(stored):
        return ""
    fields = _load(TEXT_TAG, stored)
    if fields["kind"] != kind:
        raise ValueError(f"stored text is a {fields['kind']}, not a {kind}")
    return fields["text"]


def _marked(tag: str, body: object, *, field: str, max_bytes: int, require: bool) -> MarkedBody:
    text = check_text(body, field)
    if not text.strip():
        raise InvalidInput(f"{field} may not be empty", field=field)
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise TooLarge(
            f"{field} is {-(-size // 1024)} KB; the limit is {max_bytes // 1024} KB", field=field
        )
    try:
        if require:
            doc = validate(text, settings.MARKING_CEILING, require_marks=True)
        else:
            doc = parse(text)
            check_ceiling(doc, settings.MARKING_CEILING)
    except InvalidInput as exc:
        exc.field = field
        raise
    encoded = _store(tag, {"body": text})
    salt = new_salt()
    return MarkedBody(
        stored=encoded,
        content_hash=sha256_hex(encoded),
        salt=salt,
        commitment=commitment(encoded, salt),
        banner=banner(doc),
        fully_marked=not doc.unmarked and not doc.invalid,
    )


def reply_body(body: object) -> MarkedBody:
    """A reply draft. Like a message draft it may have unmarked or malformed marks (sending
    requires every paragraph correctly marked) but never anything above the ceiling."""
    return _marked(REPLY_TAG, body, field="body", max_bytes=REPLY_MAX_BYTES, require=False)


def rejoinder_body(body: object) -> MarkedBody:
    """The drafters' rejoinder: sent at once, so every paragraph must carry its mark."""
    return _marked(REJOINDER_TAG, body, field="body", max_bytes=REJOINDER_MAX_BYTES, require=True)


def require_complete_marking(body: str) -> None:
    """Before a reply is sent: every paragraph marked, nothing above the ceiling."""
    validate(body, settings.MARKING_CEILING, require_marks=True)


def read_reply(stored: bytes | memoryview) -> str:
    return _load(REPLY_TAG, stored)["body"]


def read_rejoinder(stored: bytes | memoryview) -> str:
    return _load(REJOINDER_TAG, stored)["body"]
