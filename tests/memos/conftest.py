from __future__ import annotations

import pytest
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: SettingsWrapper) -> None:
    # PBKDF2 at full strength costs ~0.3 s per persona; the hasher is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cora(db: None) -> User:
    """A second drafter (co-drafter) beside alice."""
    return make_user("cora", Role.STAFF)


@pytest.fixture
def kim(db: None) -> User:
    """A contractor: may co-draft and co-sign, may not file (DISSENT_FILING_CATEGORIES)."""
    return make_user("kim", Role.STAFF, employment="contractor")
