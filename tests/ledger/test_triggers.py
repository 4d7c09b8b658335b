"""The log tables and events_event refuse UPDATE and DELETE at the database itself: raw SQL
through the connection, not the ORM, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from dissent.ledger import triggers
from dissent.ledger.models import Checkpoint, Cosignature, LogEntry, LogHead, Subtree
from tests.ledger.helpers import grow, raw

pytestmark = pytest.mark.django_db

ROOT = b"r" * 32


@pytest.fixture
def rows() -> None:
    grow(4)  # entries, subtrees and events
    checkpoint = Checkpoint.objects.create(size=4, root=ROOT, note="x\n4\nroot\n\n— x sig\n")
    Cosignature.objects.create(
        checkpoint=checkpoint, witness="w", key_hash=b"abcd", timestamp=1, line="— w sig"
    )


STATEMENTS = {
    "ledger_logentry": ("UPDATE ledger_logentry SET leaf = %s", [b"forged"]),
    "ledger_subtree": ("UPDATE ledger_subtree SET hash = %s", [b"f" * 32]),
    "ledger_checkpoint": ("UPDATE ledger_checkpoint SET note = %s", ["forged"]),
    "ledger_cosignature": ("UPDATE ledger_cosignature SET line = %s", ["forged"]),
    "events_event": ("UPDATE events_event SET payload = %s", ['{"method": "forged"}']),
}


def refused(sql: str, params: list[object] | None = None) -> str:
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        raw(sql, params or [])
    return str(exc.value)


@pytest.mark.parametrize("table", triggers.PROTECTED_TABLES_V1)
def test_update_is_refused_by_the_database(rows: None, table: str) -> None:
    sql, params = STATEMENTS[table]
    assert "ledger is append-only" in refused(sql, params)


@pytest.mark.parametrize("table", triggers.PROTECTED_TABLES_V1)
def test_delete_is_refused_by_the_database(rows: None, table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed table names)
        count = cursor.fetchone()[0]
    assert count > 0
    assert "ledger is append-only" in refused(f"DELETE FROM {table}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        assert cursor.fetchone()[0] == count


def test_the_orm_is_refused_too(rows: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        LogEntry.objects.filter(index=0).update(leaf=b"forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subtree.objects.all().delete()


def test_the_log_head_only_grows_and_stays(rows: None) -> None:
    size = LogHead.objects.get(id=1).size
    assert "only grows" in refused("UPDATE ledger_loghead SET size = size - 1")
    assert "ledger is append-only" in refused("DELETE FROM ledger_loghead")
    with transaction.atomic():
        raw("UPDATE ledger_loghead SET size = size + 1")  # growing is how appends work
    assert LogHead.objects.get(id=1).size == size + 1


def test_inserting_is_how_the_log_grows(rows: None) -> None:
    before = LogEntry.objects.count()
    grow(3)
    assert LogEntry.objects.count() == before + 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("table", [*triggers.PROTECTED_TABLES_V1, triggers.HEAD_TABLE_V1])
def test_truncate_is_refused_on_postgresql(rows: None, table: str) -> None:
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # else the rows' pending FK checks block TRUNCATE
    assert "ledger is append-only" in refused(f"TRUNCATE {table} CASCADE")


def test_removing_and_installing_the_triggers_is_exact(rows: None) -> None:
    triggers.remove(connection)
    with transaction.atomic():
        raw("UPDATE ledger_checkpoint SET note = %s", ["changed"])
    triggers.install(connection)
    triggers.install(connection)  # idempotent: the flush in transactional tests relies on it
    assert "ledger is append-only" in refused("UPDATE ledger_checkpoint SET note = 'again'")
    assert Checkpoint.objects.get().note == "changed"


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_empties_the_log_and_keeps_the_triggers() -> None:
    """Transactional tests end with Django's flush, which the triggers would refuse;
    tests/conftest.py lifts them for exactly that and puts them back."""
    grow(3)
    call_command("flush", interactive=False, verbosity=0)
    assert not LogEntry.objects.exists()
    assert LogHead.objects.get(id=1).size == 0  # put back as the data migration made it
    grow(2)
    assert LogHead.objects.get(id=1).size == 2
    assert "ledger is append-only" in refused("DELETE FROM ledger_logentry")
    assert "ledger is append-only" in refused("UPDATE events_event SET type = 1")
