"""Fixtures of the log tests: the append-only triggers lifted for tampering, a log signing
key and a witness key in the settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from pytest_django import Settings as SettingsWrapper

from dissent.crypto.signing import COSIGNATURE_V1, SignerKey, generate_signer_key
from dissent.ledger import triggers
from tests.ledger.helpers import ORIGIN


@pytest.fixture
def lifted_triggers(db: None) -> Iterator[None]:
    """Tampering needs the append-only triggers out of the way, as an attacker who owns the
    database would have them; they are back for the rest of the test."""
    triggers.remove(connection)
    yield
    triggers.install(connection)


@pytest.fixture
def log_signer(settings: SettingsWrapper) -> SignerKey:
    """A log signing key in the settings, so checkpoints can be signed (and verified)."""
    key = generate_signer_key(ORIGIN)
    settings.LEDGER_SIGNING_KEY = key.encode()
    settings.LEDGER_ORIGIN = ""
    settings.LEDGER_CHECKPOINT_SECONDS = 0  # every request may sign: tests see each change
    return key


@pytest.fixture
def witness_signer(settings: SettingsWrapper) -> SignerKey:
    key = generate_signer_key("witness.example.org/w1", COSIGNATURE_V1)
    settings.LEDGER_WITNESS_KEYS = [key.verifier.encode()]
    return key
