"""Shared by the log storage, audit, trigger and API tests (engineer L1's): ways to grow the
log quickly, read it back, and lift the append-only triggers to tamper with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from pytest_django import Settings as SettingsWrapper

from dissent.events.record import record_event
from dissent.events.types import EventType
from dissent.ledger import triggers
from dissent.ledger.models import LogEntry


@pytest.fixture
def fast_hashing(settings: SettingsWrapper) -> None:
    # PBKDF2 at full strength costs ~0.3 s per persona; the hasher is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lifted_triggers(db: None) -> Iterator[None]:
    """Tampering needs the append-only triggers out of the way, as an attacker who owns the
    database would have them; they are back for the rest of the test."""
    triggers.remove(connection)
    yield
    triggers.install(connection)


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


@pytest.fixture
def log_key(settings: SettingsWrapper) -> object:
    """A log signing key in the settings, so checkpoints can be signed (and verified)."""
    from dissent.crypto.signing import generate_signer_key

    key = generate_signer_key("audit.example.org/dissent-log")
    settings.LEDGER_SIGNING_KEY = key.encode()
    settings.LEDGER_ORIGIN = ""
    settings.LEDGER_CHECKPOINT_SECONDS = 0
    return key
