"""The admin site: administrators manage accounts and roles through the same actions (so
every change is an event); nobody else gets in; it signs in through allauth; and it shows
no model that could hold message text."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.types import EventType
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# Every model the admin may show: accounts, sign-in, sessions, tasks, and the review office's
# settings (distribution list, closures). Never a message, version, case, reply or anything
# else that holds message text or who wrote what: a new registration must be added here
# deliberately, after checking that.
ALLOWED_MODELS = {
    "accounts.User",
    "accounts.ApiToken",
    "auth.Group",
    "account.EmailAddress",
    "mfa.Authenticator",
    "socialaccount.SocialAccount",
    "socialaccount.SocialApp",
    "socialaccount.SocialToken",
    "usersessions.UserSession",
    "django_tasks_database.DBTaskResult",
    "review.DistributionListEntry",
    "review.Closure",
}


def change_form(user: User, **changes: str) -> dict[str, str]:
    form = {
        "display_name": user.display_name,
        "role": user.role,
        "employment": user.employment,
        "_save": "Save",
    }
    form.update(changes)
    return form


def test_admin_site_registers_no_message_models() -> None:
    registered = {model._meta.label for model in admin.site._registry}
    assert registered <= ALLOWED_MODELS, registered - ALLOWED_MODELS
    assert "accounts.User" in registered


def test_admin_opens_admin_and_user_list(ada: User, bob: User) -> None:
    client = Client()
    client.force_login(ada)
    assert client.get("/admin/").status_code == 200
    listing = client.get("/admin/accounts/user/")
    assert listing.status_code == 200
    assert b"bob@example.org" in listing.content
    assert client.get(f"/admin/accounts/user/{bob.id}/change/").status_code == 200


def test_admin_changes_a_role_and_it_is_recorded(ada: User, bob: User) -> None:
    client = Client()
    client.force_login(ada)
    response = client.post(
        f"/admin/accounts/user/{bob.id}/change/", change_form(bob, role=Role.REVIEW_OFFICER)
    )
    assert response.status_code == 302, response.content
    bob.refresh_from_db()
    assert bob.role == Role.REVIEW_OFFICER
    event = Event.objects.get(type=EventType.ROLE_CHANGED)
    assert event.actor == ada
    assert event.subject_id == str(bob.id)
    assert event.payload == {"old": "staff", "new": "review_officer", "via": "admin"}


def test_admin_role_grant_and_removal_follow_the_role(ada: User, bob: User) -> None:
    client = Client()
    client.force_login(ada)
    client.post(f"/admin/accounts/user/{bob.id}/change/", change_form(bob, role=Role.ADMIN))
    bob.refresh_from_db()
    assert (bob.role, bob.is_staff) == (Role.ADMIN, True)
    client.post(f"/admin/accounts/user/{bob.id}/change/", change_form(bob, role=Role.STAFF))
    bob.refresh_from_db()
    assert (bob.role, bob.is_staff, bob.is_superuser) == (Role.STAFF, False, False)
    assert Event.objects.filter(type=EventType.ROLE_CHANGED, actor=ada).count() == 2


def test_admin_saving_without_changes_records_nothing(ada: User, bob: User) -> None:
    client = Client()
    client.force_login(ada)
    response = client.post(f"/admin/accounts/user/{bob.id}/change/", change_form(bob))
    assert response.status_code == 302
    assert not Event.objects.filter(type=EventType.ROLE_CHANGED).exists()


def test_admin_creates_a_user_through_the_action(ada: User) -> None:
    client = Client()
    client.force_login(ada)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.org",
            "display_name": "New",
            "role": "auditor",
            "employment": "employee",
            "is_active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content
    user = User.objects.get(email="new.person@example.org")
    assert user.role == Role.AUDITOR
    assert not user.has_usable_password()
    created = Event.objects.get(type=EventType.USER_CREATED, subject_id=str(user.id))
    assert created.actor == ada
    assert created.payload == {"role": "auditor", "via": "admin"}


def test_admin_add_form_offers_no_active_box_it_would_ignore(ada: User) -> None:
    client = Client()
    client.force_login(ada)
    page = client.get("/admin/accounts/user/add/")
    assert page.status_code == 200
    assert b'name="email"' in page.content
    assert b'name="is_active"' not in page.content
    form = {"email": "new@example.org", "role": "staff", "employment": "employee"}
    assert client.post("/admin/accounts/user/add/", {**form, "_save": "Save"}).status_code == 302
    assert User.objects.get(email="new@example.org").is_active is True


def test_admin_changes_role_and_employment_together(ada: User, bob: User) -> None:
    client = Client()
    client.force_login(ada)
    response = client.post(
        f"/admin/accounts/user/{bob.id}/change/",
        change_form(bob, role=Role.AUDITOR, employment="contractor", display_name="Robert"),
    )
    assert response.status_code == 302, response.content
    bob.refresh_from_db()
    assert (bob.role, bob.employment, bob.display_name) == (Role.AUDITOR, "contractor", "Robert")
    events = Event.objects.filter(subject_id=str(bob.id), actor=ada)
    assert [(e.type, e.payload) for e in events] == [
        (EventType.ROLE_CHANGED, {"old": "staff", "new": "auditor", "via": "admin"}),
        (EventType.ELIGIBILITY_CHANGED, {"old": "employee", "new": "contractor", "via": "admin"}),
    ]


def test_admin_deactivates_and_it_is_recorded(ada: User, bob: User) -> None:
    client = Client()
    client.force_login(ada)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [str(bob.id)], "index": "0"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.is_active is False
    event = Event.objects.get(type=EventType.USER_DEACTIVATED)
    assert (event.actor, event.subject_id) == (ada, str(bob.id))


def test_admin_cannot_delete_accounts(ada: User, bob: User) -> None:
    client = Client()
    client.force_login(ada)
    assert client.get(f"/admin/accounts/user/{bob.id}/delete/").status_code == 403
    assert User.objects.filter(id=bob.id).exists()


@pytest.mark.parametrize("persona", ["alice", "rita", "dana", "sam", "ian"])
def test_other_roles_are_denied_the_admin(
    persona: str, bob: User, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    for path in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{bob.id}/change/"):
        response = client.get(path)
        # Django's admin sends non-staff to its login, which allauth's wrapper refuses (403).
        assert response.status_code in (302, 403), path
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/"), path
            assert client.get(response["Location"]).status_code == 403
        assert b"bob@example.org" not in response.content
    response = client.post(
        f"/admin/accounts/user/{bob.id}/change/", change_form(bob, role=Role.ADMIN)
    )
    assert response.status_code in (302, 403)
    bob.refresh_from_db()
    assert bob.role == Role.STAFF
    assert not Event.objects.filter(type=EventType.ROLE_CHANGED).exists()


def test_staff_flag_without_admin_role_opens_nothing(carol: User, bob: User) -> None:
    User.objects.filter(id=carol.id).update(is_staff=True)
    client = Client()
    client.force_login(carol)
    assert client.get("/admin/accounts/user/").status_code == 403
    assert b"bob@example.org" not in client.get("/admin/").content


def test_admin_login_goes_through_allauth() -> None:
    response = Client().get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    # The admin's own password form is never shown.
    assert Client().get("/admin/").status_code == 302
    anonymous = Client().get("/admin/accounts/user/")
    assert anonymous["Location"].startswith("/admin/login/")


def test_admin_without_mfa_is_sent_to_mfa_setup(bob: User) -> None:
    admin_user = make_user("adam", Role.ADMIN, mfa=False)
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/accounts/user/")["Location"] == "/accounts/2fa/"
