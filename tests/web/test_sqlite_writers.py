"""SQLite writers queue on a file lock (dissent/backends/sqlite/base.py): a transaction holds
it from BEGIN to COMMIT or ROLLBACK, and a second writer blocks on it instead of polling."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from dissent.accounts.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the writer queue is SQLite's"),
]


@pytest.fixture
def lock_file() -> Iterator[int]:
    fd = os.open(f"{connection.settings_dict['NAME']}.writers", os.O_RDWR | os.O_CREAT)
    yield fd
    os.close(fd)


def free(fd: int) -> bool:
    """Whether another open file could take the writers' lock now."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def test_a_transaction_holds_the_lock_until_commit(lock_file: int) -> None:
    assert free(lock_file)
    with transaction.atomic():
        assert not free(lock_file)
        User.objects.create(email="queued@example.org")
    assert free(lock_file)
    assert User.objects.filter(email="queued@example.org").exists()


def test_a_rolled_back_transaction_releases_it(lock_file: int) -> None:
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        User.objects.create(email="undone@example.org")
        assert not free(lock_file)
        1 / 0  # noqa: B018
    assert free(lock_file)
    assert not User.objects.filter(email="undone@example.org").exists()


def test_a_second_writer_waits_for_the_first_and_both_commit() -> None:
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                User.objects.create(email="first@example.org")
                inside.set()
                release.wait(10)
                order.append("first commits")
        finally:
            connections.close_all()

    def second() -> None:
        try:
            with transaction.atomic():
                order.append("second begins")
                User.objects.create(email="second@example.org")
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=second)
    b.start()
    b.join(0.3)
    assert b.is_alive()  # blocked at BEGIN, not failed
    release.set()
    a.join(10)
    b.join(10)
    assert order == ["first commits", "second begins"]
    assert User.objects.filter(email__in=["first@example.org", "second@example.org"]).count() == 2


def test_a_savepoint_neither_takes_nor_releases_it(lock_file: int) -> None:
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            User.objects.create(email="inner@example.org")
            1 / 0  # noqa: B018
        assert not free(lock_file)  # the inner rollback is to a savepoint: still our turn
        with transaction.atomic():
            User.objects.create(email="kept@example.org")
        assert not free(lock_file)
    assert free(lock_file)
    assert list(
        User.objects.filter(email__endswith="@example.org").values_list("email", flat=True)
    ) == ["kept@example.org"]


def test_closing_the_connection_mid_transaction_releases_it(lock_file: int) -> None:
    with transaction.atomic():
        User.objects.create(email="lost@example.org")
        connection.close()  # SQLite rolls back the open transaction
        assert free(lock_file)
    assert not User.objects.filter(email="lost@example.org").exists()


def test_destroying_a_test_database_removes_its_lock_file(tmp_path: Path) -> None:
    database = tmp_path / "test.sqlite3"
    database.touch()
    lock = tmp_path / "test.sqlite3.writers"
    lock.touch()
    connection.creation._destroy_test_db(str(database), verbosity=0)  # type: ignore[attr-defined]
    assert not database.exists() and not lock.exists()


def test_a_lone_write_takes_the_turn_for_its_statement_only(lock_file: int) -> None:
    """A token's last-use time is one autocommit UPDATE: it queues like a transaction."""
    from dissent.backends.rows import lone_write

    user = User.objects.create(email="lone@example.org")
    assert free(lock_file)
    with lone_write(connection), connection.cursor() as cursor:
        assert not free(lock_file)
        cursor.execute(
            'UPDATE "accounts_user" SET "display_name" = %s WHERE "id" = %s', ["L", user.pk.hex]
        )
    assert free(lock_file)
    assert User.objects.get(pk=user.pk).display_name == "L"
    with transaction.atomic(), lone_write(connection):  # inside a transaction: already held
        assert not free(lock_file)
    assert free(lock_file)
