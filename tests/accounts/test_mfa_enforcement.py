"""Roles that see submitted messages, logs or accounts need MFA: until they have it they
reach nothing but the MFA set-up pages, in the browser and through the API alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.types import EventType
from tests.conftest import PASSWORD, TOTP_SECRET, ApiClient, make_user, totp_code

pytestmark = pytest.mark.django_db

MFA_ROLES = [Role.REVIEW_OFFICER, Role.OFFICE_HEAD, Role.PRINCIPAL, Role.AUDITOR, Role.ADMIN]
BLOCKED_PAGES = [
    "/",
    "/admin/",
    "/admin/accounts/user/",
    "/accounts/security/",
    "/accounts/password/change/",
    "/accounts/sessions/",
]
ALLOWED_PAGES = ["/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/logout/"]


def test_staff_without_mfa_reaches_home(client_for: Callable[[User], Client]) -> None:
    user = make_user("stan", Role.STAFF)
    assert not user.authenticator_set.exists()
    response = client_for(user).get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "web/home.html"


def test_staff_without_mfa_uses_the_api(api_for: Callable[[User], ApiClient]) -> None:
    user = make_user("stan", Role.STAFF)
    response = api_for(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["mfa_enabled"] is False


@pytest.mark.parametrize("role", MFA_ROLES)
def test_mfa_role_without_mfa_is_sent_to_mfa_setup(
    role: Role, client_for: Callable[[User], Client]
) -> None:
    user = make_user("nomfa", role, mfa=False)
    client = client_for(user)
    for path in BLOCKED_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/", path
    # POSTs are stopped too, before any view runs.
    response = client.post("/accounts/tokens/", {"name": "x"})
    assert response.status_code == 302
    assert not user.api_tokens.exists()


@pytest.mark.parametrize("role", MFA_ROLES)
def test_mfa_role_without_mfa_can_reach_the_setup_pages(
    role: Role, client_for: Callable[[User], Client]
) -> None:
    user = make_user("nomfa", role, mfa=False)
    client = client_for(user)
    for path in ALLOWED_PAGES:
        assert client.get(path).status_code == 200, path
    # Sent there from elsewhere, the page says why.
    setup = client.get("/", follow=True)
    assert setup.redirect_chain == [("/accounts/2fa/", 302)]
    assert b"Your role requires two-factor authentication" in setup.content


@pytest.mark.parametrize("role", MFA_ROLES)
def test_mfa_role_without_mfa_gets_403_from_the_api_by_session(
    role: Role, client_for: Callable[[User], Client]
) -> None:
    user = make_user("nomfa", role, mfa=False)
    response = client_for(user).get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"
    assert response.json()["error"]["field"] is None  # the API's whole envelope


@pytest.mark.parametrize("role", MFA_ROLES)
def test_mfa_role_without_mfa_gets_403_from_the_api_by_token(
    role: Role, api_for: Callable[[User], ApiClient]
) -> None:
    user = make_user("nomfa", role, mfa=False)
    api = api_for(user)  # a token made before the role demanded MFA, say
    for path in ("/api/v1/me", "/api/v1/tokens"):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "mfa_required"


@pytest.mark.parametrize("role", MFA_ROLES)
def test_mfa_role_can_sign_out(role: Role, client_for: Callable[[User], Client]) -> None:
    user = make_user("nomfa", role, mfa=False)
    client = client_for(user)
    client.get("/accounts/logout/")
    response = client.post("/accounts/logout/", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(type=EventType.LOGOUT, actor=user).count() == 1


@pytest.mark.parametrize("persona", ["rita", "dana", "sam", "ada", "ian"])
def test_mfa_role_with_totp_reaches_home_and_api(
    persona: str,
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    api_for: Callable[[User], ApiClient],
) -> None:
    user: User = request.getfixturevalue(persona)
    assert client_for(user).get("/").status_code == 200
    me = api_for(user).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["mfa_enabled"] is True


@pytest.mark.parametrize("persona", ["alice", "rita"])
def test_home_asks_the_authenticator_table_once(
    persona: str, request: pytest.FixtureRequest, client_for: Callable[[User], Client]
) -> None:
    """The middleware's answer (MFA roles) is reused by the page, not asked again."""
    user: User = request.getfixturevalue(persona)
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        home = client.get("/")
    assert home.status_code == 200
    asked = [q["sql"] for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]
    assert len(asked) == 1, asked
    assert home.context["has_mfa"] is (persona == "rita")


def test_a_bearer_token_answers_for_its_own_user_not_the_sessions(
    alice: User, rita: User, client_for: Callable[[User], Client]
) -> None:
    """The middleware asked about the session's user (rita, with MFA); the token puts alice
    on the request, and /me must not answer with rita's MFA."""
    from dissent.accounts.actions import do_create_token

    _, secret = do_create_token(alice, "tests", acting_user=alice)
    me = ApiClient(client_for(rita), secret).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.org"
    assert me.json()["mfa_enabled"] is False


def test_mfa_roles_follow_the_setting(
    settings: object, client_for: Callable[[User], Client]
) -> None:
    settings.MFA_REQUIRED_ROLES = ["staff"]  # type: ignore[attr-defined]
    staff = make_user("stan", Role.STAFF, mfa=False)
    auditor = make_user("audrey", Role.AUDITOR, mfa=False)
    assert client_for(staff).get("/").status_code == 302
    assert client_for(auditor).get("/").status_code == 200


def test_recovery_codes_alone_are_not_enough(client_for: Callable[[User], Client]) -> None:
    from allauth.mfa.models import Authenticator

    user = make_user("nomfa", Role.REVIEW_OFFICER, mfa=False)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00" * 20}
    )
    assert client_for(user).get("/").status_code == 302


# --- a real sign-in: password, then the TOTP step --------------------------------------------


def test_password_login_of_mfa_role_requires_the_totp_step(rita: User, empty_cache: None) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": "rita@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Half-way is not signed in.
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/me").status_code == 401
    assert not Event.objects.filter(type=EventType.LOGIN, actor=rita).exists()

    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert client.get("/").status_code == 302

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(TOTP_SECRET)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert client.get("/api/v1/me").json()["email"] == "rita@example.org"
    login = Event.objects.get(type=EventType.LOGIN, actor=rita)
    assert login.payload == {"method": "password"}
    assert login.subject_id == str(rita.id)


def test_totp_code_cannot_be_replayed(rita: User, empty_cache: None) -> None:
    code = totp_code()
    first = Client()
    first.post("/accounts/login/", {"login": "rita@example.org", "password": PASSWORD})
    assert first.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    second = Client()
    second.post("/accounts/login/", {"login": "rita@example.org", "password": PASSWORD})
    response = second.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200
    assert second.get("/").status_code == 302


def test_staff_password_login_needs_no_second_step(alice: User, empty_cache: None) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": "Alice@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_new_officer_sets_up_totp_and_gets_in(
    empty_cache: None, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    user = make_user("newbie", Role.REVIEW_OFFICER, mfa=False)
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    # Signed in, but every way leads to the MFA set-up.
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/accounts/2fa/"
    # allauth asks for the password again before adding an authenticator.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret.encode() in page.content  # shown for typing into an app

    code = totp_code(secret)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    # allauth makes recovery codes along with the first authenticator; both are recorded.
    added = Event.objects.filter(type=EventType.MFA_ADDED, actor=user, subject_id=str(user.id))
    assert [e.payload for e in added] == [{"kind": "totp"}, {"kind": "recovery_codes"}]
