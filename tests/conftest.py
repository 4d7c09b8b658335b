"""Personas of STYLE.md as fixtures, and helpers shared by every test module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from unittest.mock import patch

import pytest
from django.test import Client, override_settings

from dissent.accounts.actions import do_create_token, do_create_user, do_enable_totp
from dissent.accounts.mfa import role_requires_mfa
from dissent.accounts.models import User
from dissent.accounts.roles import Role

PASSWORD = "correct horse battery staple 9"
# A fixed base32 secret for test accounts only; real ones come from generate_totp_secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
IN_CI = bool(os.environ.get("CI"))


_RESTORE_LOG_HEAD = (
    'INSERT INTO "ledger_loghead" ("id", "size") VALUES (1, 0) ON CONFLICT DO NOTHING'
)


@pytest.fixture(autouse=True, scope="session")
def _ledger_triggers_lifted_for_flush() -> Iterator[None]:
    """Transactional tests end by emptying every table (Django's flush), which the ledger's
    append-only triggers refuse: lift them for exactly that statement, then restore them,
    and the log head row the data migration made, as a fresh database has it."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from dissent.ledger import triggers

    flush = BaseDatabaseOperations.execute_sql_flush

    def flush_with_triggers_lifted(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        triggers.remove(self.connection)
        try:
            flush(self, sql_list)
        finally:
            triggers.install(self.connection)
        with self.connection.cursor() as cursor:
            cursor.execute(_RESTORE_LOG_HEAD)

    with patch.object(BaseDatabaseOperations, "execute_sql_flush", flush_with_triggers_lifted):
        yield


@pytest.fixture(autouse=True, scope="session")
def _fast_test_settings() -> Iterator[None]:
    """Speed only, nothing under test: a cheap password hash instead of PBKDF2 (~0.3 s per
    persona), and WhiteNoise finding static files on request instead of indexing every one
    of them for each new test client (~0.3 s per Client)."""
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


def totp_code(secret: str = TOTP_SECRET, *, offset: int = 0) -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def make_user(short: str, role: Role, *, mfa: bool | None = None, **fields: object) -> User:
    user = do_create_user(
        f"{short}@example.org",
        acting_user=None,
        role=role,
        password=PASSWORD,
        display_name=short.capitalize(),
        via="test",
        **fields,  # type: ignore[arg-type]
    )
    if mfa if mfa is not None else role_requires_mfa(user):
        do_enable_totp(user, TOTP_SECRET, acting_user=None)
    return user


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice", Role.STAFF)


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob", Role.STAFF)


@pytest.fixture
def carol(db: None) -> User:
    return make_user("carol", Role.STAFF)


@pytest.fixture
def oscar(db: None) -> User:
    return make_user("oscar", Role.STAFF)


@pytest.fixture
def rita(db: None) -> User:
    return make_user("rita", Role.REVIEW_OFFICER)


@pytest.fixture
def dana(db: None) -> User:
    return make_user("dana", Role.OFFICE_HEAD)


@pytest.fixture
def sam(db: None) -> User:
    return make_user("sam", Role.PRINCIPAL)


@pytest.fixture
def ada(db: None) -> User:
    return make_user("ada", Role.ADMIN)


@pytest.fixture
def ian(db: None) -> User:
    return make_user("ian", Role.AUDITOR)


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A browser-like client signed in as the user (session auth, CSRF enforced)."""

    def make(user: User) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        return client

    return make


@dataclass
class ApiClient:
    """The JSON API as a script sees it: a bearer token, no session, no CSRF."""

    client: Client
    token: str

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path: str, **params: object):  # type: ignore[no-untyped-def]
        return self.client.get(path, params, **self._headers())  # type: ignore[arg-type]

    def post(self, path: str, data: object = None):  # type: ignore[no-untyped-def]
        return self.client.post(
            path, data or {}, content_type="application/json", **self._headers()
        )

    def patch(self, path: str, data: object = None):  # type: ignore[no-untyped-def]
        return self.client.patch(
            path, data or {}, content_type="application/json", **self._headers()
        )

    def delete(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.delete(path, **self._headers())


@pytest.fixture
def api_for() -> Callable[[User], ApiClient]:
    def make(user: User) -> ApiClient:
        _, secret = do_create_token(user, "tests", acting_user=user)
        return ApiClient(Client(), secret)

    return make


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def need_chromium() -> str:
    """Browser tests run in Debian Chromium; in CI a missing browser is a failure, not a skip."""
    path = chromium_path()
    if path is None:
        if IN_CI:
            pytest.fail("Chromium is missing in CI: `make test` installs it (apt-get chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path
