"""SQLite where writers wait in a queue instead of polling.

SQLite admits one writer at a time. Django begins each transaction with BEGIN IMMEDIATE
(settings.py), and a second writer then polls on SQLite's busy handler, which sleeps 1, 2,
5, 10 ... 100 ms between tries: under many concurrent writers most of the wall time goes to
those sleeps, while the lock is often free. Here every transaction first takes an exclusive
flock(2) on `<database file>.writers`, which the kernel hands to a blocked waiter the moment
it is released; SQLite's own lock is then always free at BEGIN. The flock is per open file,
so it orders the threads of one process as well as gunicorn's worker processes.

Statements outside a transaction (autocommit) still use the busy timeout, as before, unless
run in `writer_turn()` (one write on its own, such as a token's last-use time).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.sqlite3 import base, creation

# The signing path and the log use UPDATE/INSERT ... RETURNING (SQLite 3.35, March 2021).
MIN_SQLITE = (3, 35)
if sqlite3.sqlite_version_info < MIN_SQLITE:
    raise ImproperlyConfigured(
        f"SQLite {'.'.join(map(str, MIN_SQLITE))} or later is required; this Python links "
        f"SQLite {sqlite3.sqlite_version}: use a newer Python or system SQLite, or "
        "PostgreSQL (DATABASE_URL)"
    )


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        super()._destroy_test_db(test_database_name, verbosity)  # type: ignore[misc]
        # The lock file goes with its test database, or every test run leaves one behind.
        if test_database_name and not self.is_in_memory_db(test_database_name):
            Path(f"{test_database_name}.writers").unlink(missing_ok=True)


# django-stubs leave out the private hooks overridden here (Django 5.2 has them all).
class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    _writer_fd: int | None = None
    _writer_turn = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_writer_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._end_writer_turn()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._end_writer_turn()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._end_writer_turn()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._end_writer_turn()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None

    @contextmanager
    def writer_turn(self) -> Iterator[None]:
        """The writers' turn for a write run on its own, in autocommit: it queues with the
        transactions instead of polling on the busy timeout. Inside a transaction the turn
        is already held."""
        if self.in_atomic_block or self._writer_turn:
            yield
            return
        self._take_writer_turn()
        try:
            yield
        finally:
            self._end_writer_turn()

    def _take_writer_turn(self) -> None:
        if self.is_in_memory_db():
            return
        if self._writer_fd is None:
            path = f"{self.settings_dict['NAME']}.writers"
            self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
        self._writer_turn = True

    def _end_writer_turn(self) -> None:
        if self._writer_turn and self._writer_fd is not None:
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
        self._writer_turn = False
