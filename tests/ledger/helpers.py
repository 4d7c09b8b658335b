"""Helpers of the log tests: grow the log quickly, read it back, rewrite it as a database
owner could, submit a message."""

from __future__ import annotations

from django.db import connection, transaction

from dissent.accounts.models import User
from dissent.events.record import record_event
from dissent.events.types import EventType
from dissent.ledger import merkle, triggers
from dissent.ledger.models import LogEntry, Subtree
from dissent.memos.actions import do_submit
from dissent.memos.models import Memo
from tests.memos.helpers import invite, make_memo

ORIGIN = "dissent.example.org/dissent-log"


def grow(count: int, *, method: str = "password") -> None:
    """Append `count` events (failed sign-ins: no user needed) in one transaction."""
    with transaction.atomic():
        for _ in range(count):
            record_event(EventType.LOGIN_FAILED, actor=None, payload={"method": method})


def leaf_hashes() -> list[bytes]:
    return [
        bytes(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]


def raw(sql: str, params: list[object] | tuple[object, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rewrite_first_entry() -> None:
    """What the database's owner can do: drop the triggers, change the first entry and
    recompute every stored node, so the rows agree with each other again."""
    with transaction.atomic():
        triggers.remove(connection)
        try:
            entry = LogEntry.objects.order_by("index").first()
            assert entry is not None
            forged = bytes(entry.leaf).replace(b'"t":', b'"t":9', 1)
            LogEntry.objects.filter(index=entry.index).update(
                leaf=forged, leaf_hash=merkle.leaf_hash(forged)
            )
            Subtree.objects.all().delete()
            compact = merkle.CompactRange()
            for h in leaf_hashes():
                for level, index, value in compact.append(h):
                    Subtree.objects.create(level=level, index=index, hash=value)
        finally:
            triggers.install(connection)


def submit_memo(owner: User, *signers: User) -> Memo:
    memo = make_memo(owner)
    if signers:
        invite(memo, owner, *signers)
    return do_submit(memo, version=1, names_visible_to="office", acting_user=owner)
