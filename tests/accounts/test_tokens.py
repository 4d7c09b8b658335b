"""Personal API tokens: shown once, stored only as a SHA-256 digest, usable as a bearer
token until revoked or expired, and only ever reachable by their owner."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from dissent.accounts.actions import do_create_token, do_deactivate_user
from dissent.accounts.models import ApiToken, User
from dissent.events.models import Event
from dissent.events.types import EventType
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def me(token: str) -> Any:
    return Client().get("/api/v1/me", **bearer(token))


def lifetime(row: ApiToken) -> float:
    return round((row.expires_at - row.created_at) / timedelta(days=1), 3)


def csrf_client(client: Client) -> dict[str, str]:
    """What the page's JavaScript would send: the CSRF cookie's value as a header."""
    if "csrftoken" not in client.cookies:
        client.get("/accounts/security/")
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def assert_secret_not_stored(secret: str) -> None:
    row = ApiToken.objects.get(digest=hashlib.sha256(secret.encode()).hexdigest())
    stored = " ".join(str(v) for v in model_to_dict(row).values())
    assert secret not in stored
    assert secret[len(row.prefix) :] not in stored
    assert row.prefix == secret[:12]  # enough to recognise it in a list, no more
    for event in Event.objects.all():
        assert secret not in str(event.payload)
        assert row.digest not in str(event.payload)


# --- through the API -----------------------------------------------------------------------


def test_create_by_session_use_list_revoke(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    browser = client_for(alice)
    created = browser.post(
        "/api/v1/tokens",
        {"name": "reporting script", "days": 30},
        content_type="application/json",
        **csrf_client(browser),
    )
    assert created.status_code == 201
    body = created.json()
    secret = body["token"]
    assert re.fullmatch(r"dct_[A-Za-z0-9_-]{43}", secret)
    assert body["name"] == "reporting script"
    assert body["prefix"] == secret[:12]
    assert body["revoked_at"] is None
    assert_secret_not_stored(secret)

    # Use it: no session, no CSRF.
    assert me(secret).json()["email"] == "alice@example.org"
    row = ApiToken.objects.get(id=body["id"])
    assert row.last_used_at is not None
    assert lifetime(row) == 30

    # Listed without the secret — it is never shown again.
    listing = Client().get("/api/v1/tokens", **bearer(secret))
    assert listing.status_code == 200
    (item,) = listing.json()["items"]
    assert item["id"] == body["id"]
    assert "token" not in item
    assert secret not in listing.content.decode()

    revoked = browser.delete(f"/api/v1/tokens/{body['id']}", **csrf_client(browser))
    assert revoked.status_code == 204
    response = me(secret)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"

    again = browser.delete(f"/api/v1/tokens/{body['id']}", **csrf_client(browser))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "wrong_state"

    created_event = Event.objects.get(type=EventType.TOKEN_CREATED)
    assert created_event.actor == alice
    assert created_event.subject_id == str(alice.id)
    assert created_event.payload == {
        "token": body["id"],
        "expires": row.expires_at.date().isoformat(),
    }
    revoked_event = Event.objects.get(type=EventType.TOKEN_REVOKED)
    assert revoked_event.actor == alice
    assert revoked_event.payload == {"token": body["id"]}


def test_a_token_can_revoke_itself(alice: User, api_for: Callable[[User], ApiClient]) -> None:
    api = api_for(alice)
    token_id = api.get("/api/v1/tokens").json()["items"][0]["id"]
    assert api.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert api.get("/api/v1/me").status_code == 401


def test_default_lifetime_is_the_setting(
    alice: User, api_for: Callable[[User], ApiClient], settings: Any
) -> None:
    settings.API_TOKEN_DAYS = 7
    created = api_for(alice).post("/api/v1/tokens", {"name": "weekly"})
    row = ApiToken.objects.get(id=created.json()["id"])
    assert lifetime(row) == 7


def test_someone_elses_token_is_not_found(
    alice: User, bob: User, api_for: Callable[[User], ApiClient]
) -> None:
    bob_token, bob_secret = do_create_token(bob, "bob's", acting_user=bob)
    response = api_for(alice).delete(f"/api/v1/tokens/{bob_token.id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert me(bob_secret).status_code == 200  # untouched
    assert not Event.objects.filter(type=EventType.TOKEN_REVOKED).exists()
    assert bob_secret not in api_for(alice).get("/api/v1/tokens").content.decode()
    listed = [item["id"] for item in api_for(alice).get("/api/v1/tokens").json()["items"]]
    assert str(bob_token.id) not in listed


@pytest.mark.parametrize("token_id", ["not-a-uuid", "123", "00000000-0000-4000-8000-000000000000"])
def test_malformed_or_unknown_token_id_is_not_found(
    alice: User, api_for: Callable[[User], ApiClient], token_id: str
) -> None:
    response = api_for(alice).delete(f"/api/v1/tokens/{token_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_expired_token_is_refused(alice: User) -> None:
    _, secret = do_create_token(alice, "short-lived", acting_user=alice, days=1)
    assert me(secret).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert me(secret).status_code == 401
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert me(secret).status_code == 200


def test_deactivated_users_token_is_refused(alice: User, ada: User) -> None:
    _, secret = do_create_token(alice, "script", acting_user=alice)
    do_deactivate_user(alice, acting_user=ada)
    assert me(secret).status_code == 401
    assert ApiToken.objects.get(user=alice).revoked_at is not None


def test_inactive_user_token_is_refused_even_if_not_revoked(alice: User) -> None:
    _, secret = do_create_token(alice, "script", acting_user=alice)
    User.objects.filter(id=alice.id).update(is_active=False)
    assert me(secret).status_code == 401


def test_last_use_is_recorded_at_most_every_five_minutes(alice: User) -> None:
    """The bearer-token lookup writes `last_used_at` on first use, then only when the last
    recorded use is more than five minutes old."""
    _, secret = do_create_token(alice, "script", acting_user=alice)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert me(secret).status_code == 200
    assert ApiToken.objects.get(user=alice).last_used_at == start
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert me(secret).status_code == 200
    assert ApiToken.objects.get(user=alice).last_used_at == start
    later = start + timedelta(minutes=5, seconds=1)
    with time_machine.travel(later, tick=False):
        assert me(secret).status_code == 200
    assert ApiToken.objects.get(user=alice).last_used_at == later


def test_token_is_checked_by_digest_not_prefix(alice: User) -> None:
    _, secret = do_create_token(alice, "script", acting_user=alice)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert me(forged).status_code == 401
    assert me(secret.upper()).status_code == 401


# --- through the security page -------------------------------------------------------------


def test_security_page_creates_shows_once_and_revokes(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    browser = client_for(alice)
    page = browser.get("/accounts/security/")
    assert page.status_code == 200
    form = {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    created = browser.post("/accounts/tokens/", {**form, "name": "spreadsheet"})
    assert created.status_code == 200
    match = re.search(rb'<code class="dc-token">(dct_[^<]+)</code>', created.content)
    assert match, "the new token is on the page"
    secret = match.group(1).decode()
    assert_secret_not_stored(secret)
    assert me(secret).status_code == 200

    # Shown once: the next visit lists the token by name and prefix only.
    later = browser.get("/accounts/security/")
    assert secret.encode() not in later.content
    assert b"spreadsheet" in later.content
    assert secret[:12].encode() in later.content

    row = ApiToken.objects.get(user=alice)
    revoked = browser.post(f"/accounts/tokens/{row.id}/revoke", form)
    assert revoked.status_code == 302
    assert revoked["Location"] == "/accounts/security/"
    assert me(secret).status_code == 401
    assert b"revoked" in browser.get("/accounts/security/").content
    assert [e.actor for e in Event.objects.filter(type=EventType.TOKEN_REVOKED)] == [alice]

    twice = browser.post(f"/accounts/tokens/{row.id}/revoke", form)
    assert twice.status_code == 409
    assert b"already revoked" in twice.content


def test_security_page_refuses_a_nameless_token(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    browser = client_for(alice)
    browser.get("/accounts/security/")
    response = browser.post(
        "/accounts/tokens/",
        {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value, "name": "   "},
    )
    assert response.status_code == 400
    assert b"give the token a name" in response.content
    assert not ApiToken.objects.exists()


def test_security_page_forms_need_csrf(alice: User, client_for: Callable[[User], Client]) -> None:
    browser = client_for(alice)
    assert browser.post("/accounts/tokens/", {"name": "x"}).status_code == 403
    token, _ = do_create_token(alice, "script", acting_user=alice)
    assert browser.post(f"/accounts/tokens/{token.id}/revoke").status_code == 403
    assert ApiToken.objects.get().revoked_at is None


def test_security_page_cannot_revoke_someone_elses_token(
    alice: User, bob: User, client_for: Callable[[User], Client]
) -> None:
    token, secret = do_create_token(bob, "bob's", acting_user=bob)
    browser = client_for(alice)
    browser.get("/accounts/security/")
    form = {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    for token_id in (str(token.id), "not-a-uuid"):
        response = browser.post(f"/accounts/tokens/{token_id}/revoke", form)
        assert response.status_code == 404
        assert b"There is nothing at this address." in response.content
    assert me(secret).status_code == 200


def test_security_page_needs_login() -> None:
    for method, path in [("get", "/accounts/security/"), ("post", "/accounts/tokens/")]:
        response = getattr(Client(), method)(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.exists()
