from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.actions import do_create_token
from dissent.accounts.models import User
from dissent.accounts.roles import Role
from tests.conftest import ApiClient, make_user


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


@pytest.fixture
def api_for() -> Callable[[User], ApiClient]:
    """As tests/conftest.py's, but all personas of a test share one test Client: each new
    Client builds the middleware chain again, and WhiteNoise re-indexes every static file
    (~0.15 s) — the access matrix would spend most of its time there. Bearer tokens are sent
    per request and the API sets no cookies, so sharing changes nothing else."""
    shared = Client()

    def make(user: User) -> ApiClient:
        _, secret = do_create_token(user, "tests", acting_user=user)
        return ApiClient(shared, secret)

    return make
