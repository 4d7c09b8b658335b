"""The bytes of a log leaf: a canonical, versioned record of one event.

A leaf says what kind of thing happened, to which message, when, by whom (a pseudonym) and
about which content (a salted commitment) — never text, titles, names or e-mail addresses.
Threat handled: the log is shown to auditors and, as receipts, to drafters, and must be
publishable as a whole; leaking identities through it would defeat the channel.

    dissent-ledger-leaf/v1
    {"a":<actor pseudonym|null>,"at":"2026-11-28T06:08:00.123456Z","c":<commitment|null>,
     "n":<event id>,"p":<payload MAC>,"s":<message id|pseudonym|null>,"t":<event type>}

(one line of JSON, keys sorted, no spaces; dissent.lib.canonical.canonical_json).

- "s": for memo and review events (100s, 200s) the message's random UUID, so a drafter's
  receipt names their message; for any other subject (a user) a pseudonym.
- "a", "s" pseudonyms: HMAC-SHA256(key, "dissent-pseudonym/v1\\n" || uuid bytes), first 16
  bytes in hex. Keyed, so nobody without the key can test a guess of who acted.
- "p": HMAC-SHA256(key, canonical payload) in hex. The payload holds small metadata (version
  numbers, user ids of invitees); the MAC binds it to the log without revealing it, so
  `dissent ledger verify` notices an edited event row.

The key is DISSENT_LEDGER_PSEUDONYM_KEY (or _FILE), else HMAC(SECRET_KEY, a fixed label).
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dissent.lib.canonical import canonical_json

if TYPE_CHECKING:
    from dissent.events.models import Event

LEAF_TAG = "dissent-ledger-leaf/v1"
PAYLOAD_TAG = "dissent-ledger-payload/v1"
PSEUDONYM_PREFIX = b"dissent-pseudonym/v1\n"
TEXT_PSEUDONYM_PREFIX = b"dissent-pseudonym-text/v1\n"
PSEUDONYM_BYTES = 16
MIN_KEY_CHARS = 32
# Event areas whose subject is a message id (dissent.events.types): shown as is.
MESSAGE_AREAS = frozenset({1, 2})

_key_cache: dict[tuple[str, str], bytes] = {}


class LeafError(ValueError):
    """Bytes that are not a leaf of this log."""


def pseudonym_key() -> bytes:
    configured = settings.LEDGER_PSEUDONYM_KEY
    cache_key = (configured, settings.SECRET_KEY)
    key = _key_cache.get(cache_key)
    if key is None:
        if configured:
            if len(configured) < MIN_KEY_CHARS:
                raise ImproperlyConfigured(
                    f"DISSENT_LEDGER_PSEUDONYM_KEY must be at least {MIN_KEY_CHARS} characters"
                )
            key = configured.encode("utf-8")
        else:
            key = hmac.digest(
                settings.SECRET_KEY.encode("utf-8"), b"dissent-ledger-pseudonym/v1", "sha256"
            )
        _key_cache.clear()
        _key_cache[cache_key] = key
    return key


def pseudonym(value: object, key: bytes | None = None) -> str:
    """The pseudonym of a user id (or, for a subject that is not a UUID, of its text)."""
    key = pseudonym_key() if key is None else key
    try:
        user_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        data = PSEUDONYM_PREFIX + user_id.bytes
    except ValueError:
        data = TEXT_PSEUDONYM_PREFIX + str(value).encode("utf-8")
    return hmac.digest(key, data, "sha256")[:PSEUDONYM_BYTES].hex()


def payload_mac(payload: dict[str, Any], key: bytes | None = None) -> str:
    key = pseudonym_key() if key is None else key
    return hmac.digest(key, canonical_json(PAYLOAD_TAG, payload), "sha256").hex()


def timestamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise LeafError("event times must be aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_LEAF_PREFIX = LEAF_TAG.encode("ascii") + b"\n"
# Strings JSON writes as they are (no escaping): what hex, UUIDs and ISO times are made of.
_plain = re.compile(r"[0-9A-Za-z.:_-]*").fullmatch


def pack(fields: dict[str, Any]) -> bytes:
    """Leaf bytes from leaf fields (see Encoder.fields): canonical_json(LEAF_TAG, fields)."""
    return canonical_json(LEAF_TAG, fields)


def _pack_leaf(
    a: str | None, at: str, c: str | None, n: int, p: str, s: str | None, t: int
) -> bytes:
    # Exactly canonical_json's bytes (keys sorted, no spaces), written directly: an audit
    # encodes every leaf of the log again, and json.dumps was most of its cost. Anything
    # that JSON would escape takes the general path.
    strings = [x for x in (a, at, c, p, s) if x is not None]
    if type(n) is int and type(t) is int and _plain("".join(strings)):
        a_ = "null" if a is None else f'"{a}"'
        c_ = "null" if c is None else f'"{c}"'
        s_ = "null" if s is None else f'"{s}"'
        body = f'{{"a":{a_},"at":"{at}","c":{c_},"n":{n},"p":"{p}","s":{s_},"t":{t}}}'
        return _LEAF_PREFIX + body.encode("ascii")
    return pack({"a": a, "at": at, "c": c, "n": n, "p": p, "s": s, "t": t})


class Encoder:
    """Encodes leaves with one key, remembering pseudonyms and subjects already computed
    (the same people and messages recur: a bulk append or a full audit hashes each once)."""

    CACHE_LIMIT = 200_000

    def __init__(self, key: bytes | None = None) -> None:
        self.key = pseudonym_key() if key is None else key
        self._pseudonyms: dict[object, str] = {}
        self._subjects: dict[tuple[bool, str], str | None] = {}

    def pseudonym(self, value: object) -> str:
        found = self._pseudonyms.get(value)
        if found is None:
            if len(self._pseudonyms) >= self.CACHE_LIMIT:
                self._pseudonyms.clear()
            found = self._pseudonyms[value] = pseudonym(value, self.key)
        return found

    def subject(self, type: int, subject_id: str) -> str | None:
        if not subject_id:
            return None
        cache_key = (type // 100 in MESSAGE_AREAS, subject_id)
        if cache_key in self._subjects:
            return self._subjects[cache_key]
        if len(self._subjects) >= self.CACHE_LIMIT:
            self._subjects.clear()
        value: str | None = None
        if cache_key[0]:
            try:
                value = str(uuid.UUID(subject_id))
            except ValueError:
                pass  # not a message id after all: never put unknown text in the log
        if value is None:
            value = self.pseudonym(subject_id)
        self._subjects[cache_key] = value
        return value

    def fields(self, **event: Any) -> dict[str, Any]:
        """The leaf's fields (encode_fields' arguments), decoded from the very bytes `leaf`
        writes, so a report of which fields differ can never disagree with the leaf."""
        return decode(self.encode_fields(**event))

    def encode_fields(
        self,
        *,
        event_id: int,
        type: int,
        subject_id: str,
        at: datetime | str,
        actor_id: object | None,
        commitment: str,
        payload: dict[str, Any],
    ) -> bytes:
        return self.leaf(event_id, type, subject_id, at, actor_id, commitment, payload)

    def leaf(
        self,
        event_id: int,
        type: int,
        subject_id: str,
        at: datetime | str,
        actor_id: object | None,
        commitment: str,
        payload: dict[str, Any] | None,
        mac: str | None = None,
    ) -> bytes:
        """The leaf's bytes: encode_fields with positional arguments (the audit calls it once
        per entry), and optionally the payload's MAC already computed. `at` is an aware
        datetime, or already a leaf time string."""
        type = int(type)
        return _pack_leaf(
            self.pseudonym(actor_id) if actor_id else None,
            at if isinstance(at, str) else timestamp(at),
            commitment or None,
            int(event_id),
            mac if mac is not None else payload_mac(payload or {}, self.key),
            self.subject(type, subject_id),
            type,
        )

    def encode(self, event: Event) -> bytes:
        return self.leaf(
            event.id,
            event.type,
            event.subject_id,
            event.at,
            event.actor_id,
            event.commitment,
            event.payload,
        )


def encode(event: Event, key: bytes | None = None) -> bytes:
    return Encoder(key).encode(event)


def decode(data: bytes) -> dict[str, Any]:
    """The fields of a leaf (for display and diagnosis; verification compares bytes)."""
    tag, sep, body = bytes(data).partition(b"\n")
    if not sep or tag != LEAF_TAG.encode("ascii"):
        raise LeafError(f"not a {LEAF_TAG} leaf")
    try:
        fields = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LeafError(f"leaf body is not JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise LeafError("leaf body is not a JSON object")
    return fields
