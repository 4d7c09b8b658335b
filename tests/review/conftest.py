from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.actions import do_create_token
from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.review.actions import do_add_distribution_entry
from tests.conftest import ApiClient, make_user


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings: SettingsWrapper) -> None:
    # PBKDF2 at full strength costs ~0.3 s per persona; the hasher is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Notices run as soon as they are enqueued (after commit), in the test's process.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.BASE_URL = "https://dissent.example.org"


@pytest.fixture
def pia(db: None) -> User:
    """A second principal, never on the distribution list."""
    return make_user("pia", Role.PRINCIPAL)


@pytest.fixture
def distribution_list(sam: User, db: None) -> None:
    """The fixed list: sam as "Secretary"."""
    do_add_distribution_entry(sam, "Secretary", position=1, acting_user=None)


@pytest.fixture
def people(
    alice: User,
    bob: User,
    oscar: User,
    rita: User,
    dana: User,
    sam: User,
    pia: User,
    ada: User,
    ian: User,
    distribution_list: None,
) -> dict[str, User]:
    """Every persona by name (tests.review.helpers.build takes this), with sam on the list."""
    return dict(
        alice=alice, bob=bob, oscar=oscar, rita=rita, dana=dana, sam=sam, pia=pia, ada=ada, ian=ian
    )


@pytest.fixture
def apis(people: dict[str, User], api_for: Callable[[User], ApiClient]) -> dict[str, ApiClient]:
    """An API client per persona."""
    return {name: api_for(user) for name, user in people.items()}


@pytest.fixture
def api_for() -> Callable[[User], ApiClient]:
    """All personas of a test share one test Client (see tests/memos/conftest.py)."""
    shared = Client()

    def make(user: User) -> ApiClient:
        _, secret = do_create_token(user, "tests", acting_user=user)
        return ApiClient(shared, secret)

    return make
