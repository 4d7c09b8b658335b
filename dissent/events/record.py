"""The one way to write an event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import connection

from dissent.backends.rows import database, fetch_one, quote
from dissent.events.models import Event
from dissent.events.types import PAYLOAD_KEYS, EventType
from dissent.ledger.store import append_event, append_events

if TYPE_CHECKING:
    from dissent.accounts.models import User

MAX_VALUE_CHARS = 64
Scalar = str | int | bool | None


class EventPayloadError(ValueError):
    """A payload broke the rule that events carry small metadata only."""


def record_event(
    type: EventType,
    *,
    actor: User | None,
    subject_id: object = "",
    payload: dict[str, Scalar] | None = None,
    commitment: str | None = None,
) -> Event:
    """Record an event in the caller's transaction.

    `commitment` is the salted commitment (hex SHA-256) to any content the event is about;
    the tamper-evident log carries it instead of the content.

    Refuses to run outside a transaction: an event written apart from its action could
    survive the action's rollback (or the reverse), and the log would lie.
    """
    event = _checked(type, actor, subject_id, payload, commitment)
    _insert(event)
    # Same transaction: the event and its log entry commit or vanish together.
    append_event(event)
    return event


def record_events(
    type: EventType,
    *,
    actor: User | None,
    subject_id: object = "",
    payloads: Sequence[dict[str, Scalar]],
) -> list[Event]:
    """Record several events of one type at once (e.g. one per invitee), with the same checks
    as record_event but one insert and one log append for all of them."""
    events = [_checked(type, actor, subject_id, payload, None) for payload in payloads]
    Event.objects.bulk_create(events)
    append_events(events)
    return events


def _insert(event: Event) -> None:
    """`event.save(force_insert=True)`, written out: every action records an event, and the
    ORM's insert machinery cost more than the statement (docs/performance.md). Values are
    prepared by the fields themselves, as the ORM would."""
    db = database()
    values = [field.get_db_prep_save(getattr(event, field.attname), db) for field in _FIELDS]
    (event.id,) = fetch_one(db, _INSERT, values)  # type: ignore[misc]
    event._state.adding = False
    event._state.db = db.alias


def _checked(
    type: EventType,
    actor: User | None,
    subject_id: object,
    payload: dict[str, Scalar] | None,
    commitment: str | None,
) -> Event:
    """The unsaved event, once its payload is known to be small metadata only."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the action's transaction")
    payload = dict(payload or {})
    unknown = set(payload) - PAYLOAD_KEYS[type]
    if unknown:
        raise EventPayloadError(f"{type.name} payload may not carry {sorted(unknown)}")
    for key, value in payload.items():
        if not isinstance(value, str | int | bool) and value is not None:
            raise EventPayloadError(f"{type.name} payload {key!r} must be a scalar")
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            raise EventPayloadError(f"{type.name} payload {key!r} is longer than allowed")
    if commitment is not None and len(commitment) != 64:
        raise EventPayloadError("a commitment is a hex SHA-256")
    return Event(
        type=type,
        actor=actor,
        subject_id=str(subject_id) if subject_id else "",
        payload=payload,
        commitment=commitment or "",
    )


_FIELDS = [field for field in Event._meta.concrete_fields if not field.primary_key]
_INSERT = (
    f"INSERT INTO {quote(Event._meta.db_table)}"  # noqa: S608 - names only
    f" ({', '.join(quote(field.column) for field in _FIELDS)})"
    f" VALUES ({', '.join('%s' for _ in _FIELDS)}) RETURNING {quote(Event._meta.pk.column)}"
)
