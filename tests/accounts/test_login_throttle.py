"""Password guessing is throttled (allauth rate limits, kept in the shared database cache so
every app server counts the same attempts): ACCOUNT_RATE_LIMITS["login_failed"] is
"10/m/ip,5/5m/key" — five failures for one account lock it for five minutes, ten failures
from one address lock that address for a minute — and any address that posts the login form
more than 30 times a minute gets HTTP 429."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.types import EventType
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
NOT_CORRECT = b"The email address and/or password you specified are not correct."
THROTTLED = b"Too many failed login attempts. Try again later."
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


_clock: list[time_machine.Traveller] = []


def attempt(client: Client, email: str, password: str, ip: str = "192.0.2.10") -> bytes:
    """One login POST, a second after the previous one (allauth tells attempts apart by their
    timestamps); returns the page when refused, b"" when signed in."""
    _clock[0].shift(timedelta(seconds=1))
    response = client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip
    )
    if response.status_code == 302:
        assert client.get("/").status_code == 200
        return b""
    assert response.status_code == 200
    assert client.get("/").status_code == 302  # not signed in
    return response.content


@pytest.fixture
def clock(empty_cache: None):  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False) as traveller:
        _clock[:] = [traveller]
        yield traveller
        _clock.clear()


def test_five_failures_lock_the_account_for_five_minutes(alice: User, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert NOT_CORRECT in attempt(Client(), "alice@example.org", WRONG)
    # Now even the right password is refused, from any address: it could be the guesser's.
    assert THROTTLED in attempt(Client(), "alice@example.org", PASSWORD)
    assert THROTTLED in attempt(Client(), "ALICE@example.org", PASSWORD, ip="192.0.2.99")
    clock.shift(timedelta(minutes=4, seconds=50))
    assert THROTTLED in attempt(Client(), "alice@example.org", PASSWORD)
    # Other accounts are not affected.
    make_user("bea", Role.STAFF)
    assert attempt(Client(), "bea@example.org", PASSWORD, ip="192.0.2.99") == b""

    clock.shift(timedelta(seconds=11))
    assert attempt(Client(), "alice@example.org", PASSWORD) == b""

    failed = Event.objects.filter(type=EventType.LOGIN_FAILED)
    # Throttled attempts never reach the password check, so five failures were recorded.
    assert [(e.actor_id, e.payload) for e in failed] == [(alice.id, {"method": "password"})] * 5
    assert Event.objects.filter(type=EventType.LOGIN, actor=alice).count() == 1


def test_success_does_not_reset_the_count(alice: User, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        attempt(Client(), "alice@example.org", WRONG)
    # The owner signs in in between: the four failures still count against the next
    # guesses, so a guesser cannot launder a brute force with periodic good logins.
    assert attempt(Client(), "alice@example.org", PASSWORD) == b""
    assert NOT_CORRECT in attempt(Client(), "alice@example.org", WRONG)
    assert THROTTLED in attempt(Client(), "alice@example.org", WRONG)


def test_ten_failures_from_one_address_lock_that_address(clock) -> None:  # type: ignore[no-untyped-def]
    users = [make_user(name, Role.STAFF) for name in ("ann", "ben", "cat", "dan", "eve", "fay")]
    for user in users[:5]:
        for _ in range(2):
            assert NOT_CORRECT in attempt(Client(), user.email, WRONG, ip="192.0.2.7")
    # The sixth account had no failure, but this address made ten.
    assert THROTTLED in attempt(Client(), users[5].email, PASSWORD, ip="192.0.2.7")
    assert attempt(Client(), users[5].email, PASSWORD, ip="192.0.2.8") == b""
    clock.shift(timedelta(seconds=61))
    assert attempt(Client(), users[4].email, PASSWORD, ip="192.0.2.7") == b""


def test_unknown_addresses_are_throttled_but_not_recorded(clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert NOT_CORRECT in attempt(Client(), "nobody@example.org", WRONG)
    assert THROTTLED in attempt(Client(), "nobody@example.org", WRONG)
    assert not Event.objects.filter(type=EventType.LOGIN_FAILED).exists()


def test_more_than_30_posts_a_minute_from_one_address_get_429(clock) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for i in range(30):
        response = client.post(
            "/accounts/login/",
            {"login": f"guess{i}@example.org", "password": WRONG},
            REMOTE_ADDR="192.0.2.20",
        )
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/",
        {"login": "guess@example.org", "password": WRONG},
        REMOTE_ADDR="192.0.2.20",
    )
    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert b"Wait a minute" in response.content
    # The form itself stays readable; other addresses are unaffected.
    assert client.get("/accounts/login/", REMOTE_ADDR="192.0.2.20").status_code == 200
    other = client.post(
        "/accounts/login/",
        {"login": "guess@example.org", "password": WRONG},
        REMOTE_ADDR="192.0.2.21",
    )
    assert other.status_code == 200
    clock.shift(timedelta(seconds=61))
    again = client.post(
        "/accounts/login/",
        {"login": "guess@example.org", "password": WRONG},
        REMOTE_ADDR="192.0.2.20",
    )
    assert again.status_code == 200
