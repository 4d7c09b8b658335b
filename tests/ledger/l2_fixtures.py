"""Fixtures of the checkpoint, receipt and witness tests: a log signing key in the settings,
a submitted message. Imported by those test modules (`from tests.ledger.l2_fixtures import *`
would hide what is used, so each module imports the fixtures it needs by name)."""

from __future__ import annotations

import pytest
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.crypto.signing import COSIGNATURE_V1, SignerKey, generate_signer_key
from dissent.memos.actions import do_submit
from dissent.memos.models import Memo
from tests.memos.helpers import invite, make_memo

ORIGIN = "dissent.example.org/dissent-log"


@pytest.fixture
def fast_hashing(settings: SettingsWrapper) -> None:
    # PBKDF2 at full strength costs ~0.3 s per persona; the hasher is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def log_signer(settings: SettingsWrapper, fast_hashing: None) -> SignerKey:
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


def submit_memo(owner: User, *signers: User) -> Memo:
    memo = make_memo(owner)
    if signers:
        invite(memo, owner, *signers)
    return do_submit(memo, version=1, names_visible_to="office", acting_user=owner)
