"""Single sign-on through a real OpenID Connect provider (oidc-provider-mock) on loopback.
The Django test client plays the browser on our side and httpx plays it on the IdP's side;
our server talks to the IdP itself (discovery, token, userinfo) over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.http import HttpResponse
from django.test import Client
from oidc_provider_mock import User as IdpUser
from oidc_provider_mock import run_server_in_thread

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.types import EventType
from tests.conftest import make_user, totp_code

LOGIN_URL = "/accounts/oidc/sso/login/"
CALLBACK_PATH = "/accounts/oidc/sso/login/callback/"


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    """The identity provider, with the people it knows (sub → claims)."""
    users = [
        IdpUser(
            sub="idp-erin",
            claims={"email": "Erin@Example.org", "email_verified": True, "name": "Erin Example"},
        ),
        IdpUser(
            sub="idp-alice",
            claims={"email": "Alice@Example.org", "email_verified": True, "name": "Alice A."},
        ),
        IdpUser(sub="idp-rita", claims={"email": "rita@example.org", "email_verified": True}),
        IdpUser(sub="idp-nomail", claims={"name": "No Mail"}),
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


def configure_sso(settings, idp: str) -> None:  # type: ignore[no-untyped-def]
    """What settings.py builds from DISSENT_OIDC_SERVER_URL etc. allauth reads
    SOCIALACCOUNT_PROVIDERS on every request, so overriding it per test works."""
    settings.OIDC_ENABLED = True
    settings.OIDC_CREATE_USERS = True
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Agency sign-on",
                    "client_id": "dissent-test",
                    "secret": "dissent-test-secret",
                    "settings": {"server_url": idp},
                }
            ],
        }
    }


@pytest.fixture
def sso(settings, idp: str) -> str:  # type: ignore[no-untyped-def]
    configure_sso(settings, idp)
    return idp


def idp_redirect(client: Client, sub: str, *, deny: bool = False) -> str:
    """Starts SSO on our side, answers the IdP's authorize form as `sub` (or denies), and
    returns where the IdP sends the browser back to (path and query on our site)."""
    start = client.post(LOGIN_URL, {"process": "login"})
    assert start.status_code == 302, start.content
    authorize_url = start["Location"]
    target = urlsplit(authorize_url)
    params = parse_qs(target.query)
    assert target.path == "/oauth2/authorize"
    assert params["client_id"] == ["dissent-test"]
    assert params["redirect_uri"] == [f"http://testserver{CALLBACK_PATH}"]
    assert params["code_challenge_method"] == ["S256"]  # PKCE on
    with httpx.Client(timeout=10) as browser:
        form = browser.get(authorize_url)
        assert form.status_code == 200
        assert 'name="sub"' in form.text
        answer = browser.post(authorize_url, data={"action": "deny"} if deny else {"sub": sub})
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == CALLBACK_PATH
    return f"{back.path}?{back.query}"


def sign_in_via_idp(client: Client, sub: str) -> HttpResponse:
    back = idp_redirect(client, sub)
    assert "code" in parse_qs(urlsplit(back).query)
    return client.get(back)  # type: ignore[return-value]


def events_of(user: User) -> list[tuple[int, dict[str, object]]]:
    return [(e.type, e.payload) for e in Event.objects.filter(subject_id=str(user.id))]


def signed_in_as(client: Client) -> User | None:
    response = client.get("/")
    if response.status_code != 200:
        return None
    return response.context["user"]


def test_sso_creates_a_staff_account_with_the_idp_email_and_signs_in(db, sso):
    client = Client()
    response = sign_in_via_idp(client, "idp-erin")
    assert response.status_code == 302
    assert response["Location"] == "/"

    user = User.objects.get(email="erin@example.org")  # stored lower-case
    assert user.role == Role.STAFF
    assert user.display_name == "Erin Example"
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).uid == "idp-erin"
    assert signed_in_as(client) == user
    assert "Staff member" in client.get("/").content.decode()
    assert events_of(user) == [
        (EventType.USER_CREATED, {"role": "staff", "via": "sso"}),
        (EventType.LOGIN, {"method": "sso"}),
    ]


def test_sso_signs_in_again_without_a_second_account(db, sso):
    sign_in_via_idp(Client(), "idp-erin")
    client = Client()
    response = sign_in_via_idp(client, "idp-erin")
    assert response.status_code == 302
    user = User.objects.get()
    assert signed_in_as(client) == user
    types = [t for t, _ in events_of(user)]
    assert types == [EventType.USER_CREATED, EventType.LOGIN, EventType.LOGIN]


def test_sso_links_an_existing_account_with_the_same_email(db, sso):
    alice = make_user("alice", Role.STAFF)
    client = Client()
    response = sign_in_via_idp(client, "idp-alice")  # the IdP spells it Alice@Example.org
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.count() == 1
    assert signed_in_as(client) == alice
    assert SocialAccount.objects.get(uid="idp-alice").user == alice
    assert events_of(alice)[1:] == [
        (EventType.SSO_LINKED, {"provider": "sso"}),
        (EventType.LOGIN, {"method": "sso"}),
    ]


def test_sso_still_asks_the_second_factor_of_an_mfa_role(db, sso):
    rita = make_user("rita", Role.REVIEW_OFFICER)  # has TOTP
    client = Client()
    response = sign_in_via_idp(client, "idp-rita")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_as(client) is None
    assert EventType.LOGIN not in [t for t, _ in events_of(rita)]

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert signed_in_as(client) is None
    with time_machine.travel(datetime.now(tz=UTC), tick=False):  # code and check: same instant
        done = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert done.status_code == 302
    assert signed_in_as(client) == rita
    assert events_of(rita)[-1] == (EventType.LOGIN, {"method": "sso"})


def test_unknown_idp_user_is_refused_when_sso_may_not_create_accounts(db, sso, settings):
    settings.OIDC_CREATE_USERS = False
    alice = make_user("alice", Role.STAFF)
    client = Client()
    response = sign_in_via_idp(client, "idp-erin")
    assert response.status_code == 200
    assert "ask an administrator" in response.content.decode()
    assert list(User.objects.all()) == [alice]
    assert not SocialAccount.objects.exists()
    assert signed_in_as(client) is None
    assert not Event.objects.filter(type=EventType.LOGIN).exists()

    # Existing accounts still sign in through SSO: only creation is switched off.
    linked = sign_in_via_idp(Client(), "idp-alice")
    assert linked.status_code == 302
    assert SocialAccount.objects.get().user == alice


def test_idp_identity_without_email_gets_no_account(db, sso):
    """Without an address the IdP vouches for, no sign-up form where one could type any
    address (a colleague's, to be linked to their SSO sign-in later)."""
    client = Client()
    response = sign_in_via_idp(client, "idp-nomail")
    assert response.status_code == 200
    assert "ask an administrator" in response.content.decode()
    assert not User.objects.exists()
    assert client.get("/accounts/3rdparty/signup/").status_code != 200
    assert signed_in_as(client) is None


def test_denied_at_the_idp_signs_nobody_in(db, sso):
    client = Client()
    back = idp_redirect(client, "idp-erin", deny=True)
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    response = client.get(back)
    assert response.status_code == 401
    assert "Single sign-on did not complete" in response.content.decode()
    assert not User.objects.exists()
    assert signed_in_as(client) is None


def test_callback_with_a_forged_state_is_refused(db, sso):
    client = Client()
    back = idp_redirect(client, "idp-erin")
    query = parse_qs(urlsplit(back).query)
    forged = client.get(CALLBACK_PATH, {"code": query["code"][0], "state": "forged"})
    assert forged.status_code == 401
    assert "Single sign-on did not complete" in forged.content.decode()
    assert not User.objects.exists()
    assert signed_in_as(client) is None


def test_login_page_offers_sso_only_when_configured(db, settings, idp):
    page = Client().get("/accounts/login/").content.decode()
    assert LOGIN_URL not in page
    assert "Agency sign-on" not in page

    configure_sso(settings, idp)
    page = Client().get("/accounts/login/").content.decode()
    # One click: a form that posts straight to the SSO start, no intermediate page.
    assert f'<form method="post" action="{LOGIN_URL}?process=login">' in page
    assert "Sign in with Agency sign-on" in page
