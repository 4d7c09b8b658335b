"""Account actions and the events they record in their own transaction."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.db import transaction
from django.test import Client

from dissent.accounts.actions import (
    do_change_employment,
    do_change_role,
    do_create_token,
    do_create_user,
    do_deactivate_user,
    do_enable_totp,
    do_revoke_token,
)
from dissent.accounts.models import User
from dissent.accounts.roles import Employment, Role
from dissent.events.models import Event
from dissent.events.record import MAX_VALUE_CHARS, EventPayloadError, record_event
from dissent.events.types import PAYLOAD_KEYS, EventType
from dissent.lib.errors import Conflict, InvalidInput, TransitionError
from tests.conftest import PASSWORD, TOTP_SECRET, make_user, totp_code

pytestmark = pytest.mark.django_db


# --- users and roles -----------------------------------------------------------------------


def test_create_user_records_the_event(ada: User) -> None:
    user = do_create_user("  New.Person@Example.ORG ", acting_user=ada, role="auditor", via="cli")
    assert user.email == "new.person@example.org"
    assert user.role == Role.AUDITOR
    assert not user.is_staff
    assert not user.has_usable_password()  # SSO-only until a password is set
    event = Event.objects.get(type=EventType.USER_CREATED, subject_id=str(user.id))
    assert (event.actor, event.payload) == (ada, {"role": "auditor", "via": "cli"})


def test_admin_role_gets_the_admin_site_flag() -> None:
    assert do_create_user("a@example.org", acting_user=None, role="admin").is_staff is True


@pytest.mark.parametrize("email", ["alice@example.org", "ALICE@Example.Org", " alice@example.org"])
def test_duplicate_email_is_a_conflict_whatever_the_case(alice: User, email: str) -> None:
    before = Event.objects.count()
    with pytest.raises(Conflict) as caught:
        do_create_user(email, acting_user=None)
    assert caught.value.field == "email"
    assert caught.value.status == 409
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    assert Event.objects.count() == before


def test_case_variant_cannot_slip_past_the_check_either(alice: User) -> None:
    """The database itself refuses a second address differing only in case."""
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Alice@example.org")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "x@example.org", "role": "superuser"}, "role"),
        ({"email": "x@example.org", "role": "Staff"}, "role"),
        ({"email": "x@example.org", "employment": "intern"}, "employment"),
        ({"email": "x@example.org", "display_name": "x" * 151}, "display_name"),
    ],
)
def test_invalid_input_names_the_field(kwargs: dict[str, str], field: str) -> None:
    email = kwargs.pop("email")
    with pytest.raises(InvalidInput) as caught:
        do_create_user(email, acting_user=None, **kwargs)
    assert caught.value.field == field
    assert caught.value.code == "invalid_input"
    assert not User.objects.exists()
    assert not Event.objects.exists()


def test_unknown_role_message_lists_the_roles() -> None:
    with pytest.raises(InvalidInput, match="use one of staff, review_officer, office_head"):
        do_create_user("x@example.org", acting_user=None, role="boss")


def test_change_role_records_old_and_new(ada: User, bob: User) -> None:
    changed = do_change_role(bob, "auditor", acting_user=ada)
    assert changed.role == Role.AUDITOR
    assert User.objects.get(id=bob.id).role == Role.AUDITOR
    event = Event.objects.get(type=EventType.ROLE_CHANGED)
    assert (event.actor, event.subject_id) == (ada, str(bob.id))
    assert event.payload == {"old": "staff", "new": "auditor", "via": "admin"}


def test_change_to_the_same_role_records_nothing(ada: User, bob: User) -> None:
    do_change_role(bob, "staff", acting_user=ada)
    assert not Event.objects.filter(type=EventType.ROLE_CHANGED).exists()


def test_change_role_to_unknown_role_is_refused(ada: User, bob: User) -> None:
    with pytest.raises(InvalidInput):
        do_change_role(bob, "king", acting_user=ada)
    assert User.objects.get(id=bob.id).role == Role.STAFF


def test_concurrent_role_change_on_a_stale_copy_is_refused(ada: User, bob: User) -> None:
    first = User.objects.get(id=bob.id)
    stale = User.objects.get(id=bob.id)
    do_change_role(first, "auditor", acting_user=ada)
    with pytest.raises(TransitionError) as caught:
        do_change_role(stale, "admin", acting_user=ada)
    assert caught.value.code == "wrong_state"
    bob.refresh_from_db()
    assert (bob.role, bob.is_staff) == (Role.AUDITOR, False)
    assert Event.objects.filter(type=EventType.ROLE_CHANGED).count() == 1


def test_role_change_removes_admin_powers(ada: User) -> None:
    User.objects.filter(id=ada.id).update(is_superuser=True)
    do_change_role(User.objects.get(id=ada.id), "staff", acting_user=None)
    ada.refresh_from_db()
    assert (ada.is_staff, ada.is_superuser) == (False, False)


def test_change_employment_records_and_guards_against_stale_copies(ada: User, bob: User) -> None:
    stale = User.objects.get(id=bob.id)
    do_change_employment(bob, "contractor", acting_user=ada)
    event = Event.objects.get(type=EventType.ELIGIBILITY_CHANGED)
    assert event.payload == {"old": "employee", "new": "contractor", "via": "admin"}
    with pytest.raises(TransitionError):
        do_change_employment(stale, "other", acting_user=ada)
    assert User.objects.get(id=bob.id).employment == Employment.CONTRACTOR


def test_deactivate_twice_is_refused(ada: User, bob: User) -> None:
    do_deactivate_user(bob, acting_user=ada)
    with pytest.raises(TransitionError):
        do_deactivate_user(bob, acting_user=ada)
    assert Event.objects.filter(type=EventType.USER_DEACTIVATED).count() == 1


def test_token_actions_validate_and_record(alice: User) -> None:
    for name in ("", "   ", "x" * 101):
        with pytest.raises(InvalidInput):
            do_create_token(alice, name, acting_user=alice)
    for days in (0, 3651):
        with pytest.raises(InvalidInput):
            do_create_token(alice, "ok", acting_user=alice, days=days)
    token, _ = do_create_token(alice, "ok", acting_user=alice)
    do_revoke_token(token, acting_user=alice)
    with pytest.raises(TransitionError):
        do_revoke_token(token, acting_user=alice)
    types = list(Event.objects.filter(actor=alice).values_list("type", flat=True))
    assert types == [EventType.TOKEN_CREATED, EventType.TOKEN_REVOKED]


def test_enable_totp_twice_is_refused(rita: User) -> None:
    with pytest.raises(TransitionError):
        do_enable_totp(rita, TOTP_SECRET, acting_user=None)


# --- record_event ---------------------------------------------------------------------------


def test_a_failed_action_leaves_no_event(alice: User) -> None:
    before = Event.objects.count()
    with pytest.raises(Conflict):
        do_create_user("alice@example.org", acting_user=None)
    assert Event.objects.count() == before


def test_event_and_action_roll_back_together(alice: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        do_change_role(alice, "auditor", acting_user=None)
        raise RuntimeError("the caller fails after the action")
    assert User.objects.get(id=alice.id).role == Role.STAFF
    assert not Event.objects.filter(type=EventType.ROLE_CHANGED).exists()


@pytest.mark.django_db(transaction=True)
def test_record_event_outside_a_transaction_raises() -> None:
    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        record_event(EventType.LOGOUT, actor=None)
    assert not Event.objects.exists()


def test_record_event_refuses_unknown_payload_keys() -> None:
    with pytest.raises(EventPayloadError, match=r"ROLE_CHANGED payload may not carry \['text'\]"):
        record_event(EventType.ROLE_CHANGED, actor=None, payload={"old": "a", "text": "b"})
    with pytest.raises(EventPayloadError):
        record_event(EventType.LOGOUT, actor=None, payload={"method": "password"})
    assert not Event.objects.exists()


def test_record_event_refuses_long_or_nested_values() -> None:
    ok = "x" * MAX_VALUE_CHARS
    record_event(EventType.LOGIN, actor=None, payload={"method": ok})
    with pytest.raises(EventPayloadError, match="longer than allowed"):
        record_event(EventType.LOGIN, actor=None, payload={"method": ok + "x"})
    for value in ({"a": 1}, ["a"], 1.5):
        with pytest.raises(EventPayloadError, match="must be a scalar"):
            record_event(EventType.LOGIN, actor=None, payload={"method": value})  # type: ignore[dict-item]
    assert Event.objects.count() == 1


def test_every_event_type_has_a_payload_rule_and_an_800s_number() -> None:
    assert set(PAYLOAD_KEYS) == set(EventType)
    # Iterating an enum skips aliases, so a reused number only shows among __members__.
    numbers = [t.value for t in EventType.__members__.values()]
    assert len(numbers) == len(set(numbers))
    assert [n for n in numbers if 800 <= n < 900]
    # The numbers go into the tamper-evident log: these must never change.
    assert (EventType.USER_CREATED, EventType.LOGIN, EventType.ROLE_CHANGED) == (801, 802, 809)
    assert (EventType.TOKEN_CREATED, EventType.TOKEN_REVOKED) == (810, 811)


# --- sign-in, sign-out and MFA changes become events ---------------------------------------


def test_login_through_the_form_records_login_with_password(alice: User, empty_cache: None) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD})
    assert response.status_code == 302
    event = Event.objects.get(type=EventType.LOGIN)
    assert (event.actor, event.subject_id, event.payload) == (
        alice,
        str(alice.id),
        {"method": "password"},
    )


def test_wrong_password_records_login_failed_without_the_password(
    alice: User, empty_cache: None
) -> None:
    Client().post("/accounts/login/", {"login": "alice@example.org", "password": "guess-1234"})
    event = Event.objects.get(type=EventType.LOGIN_FAILED)
    assert (event.actor, event.payload) == (alice, {"method": "password"})
    assert "guess-1234" not in str(event.payload)
    assert not Event.objects.filter(type=EventType.LOGIN).exists()


def test_logout_records_logout(alice: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(alice)
    client.get("/accounts/logout/")
    response = client.post("/accounts/logout/", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 302
    event = Event.objects.get(type=EventType.LOGOUT)
    assert (event.actor, event.subject_id, event.payload) == (alice, str(alice.id), {})


def test_logout_by_get_only_asks(alice: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(alice)
    assert client.get("/accounts/logout/").status_code == 200
    assert client.get("/").status_code == 200
    assert not Event.objects.filter(type=EventType.LOGOUT).exists()


def test_mfa_signals_become_events(alice: User) -> None:
    authenticator = Authenticator(user=alice, type=Authenticator.Type.WEBAUTHN, data={})
    authenticator_added.send(
        sender=Authenticator, request=None, user=alice, authenticator=authenticator
    )
    authenticator_removed.send(
        sender=Authenticator, request=None, user=alice, authenticator=authenticator
    )
    events = Event.objects.filter(subject_id=str(alice.id)).exclude(type=EventType.USER_CREATED)
    assert [(e.type, e.actor, e.payload) for e in events] == [
        (EventType.MFA_ADDED, alice, {"kind": "webauthn"}),
        (EventType.MFA_REMOVED, alice, {"kind": "webauthn"}),
    ]


def test_removing_totp_through_allauth_records_mfa_removed(empty_cache: None) -> None:
    # A staff member may drop an authenticator app (their role does not demand one).
    user = make_user("stan", Role.STAFF, mfa=True)
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert client.get("/").status_code == 200
    # allauth asks for the password first, then carries out the suspended request.
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    removed = Event.objects.filter(type=EventType.MFA_REMOVED, actor=user)
    assert {"kind": "totp"} in [e.payload for e in removed]


def test_seeding_an_mfa_persona_records_creation_then_mfa(rita: User) -> None:
    events = Event.objects.filter(subject_id=str(rita.id))
    assert [(e.type, e.payload) for e in events] == [
        (EventType.USER_CREATED, {"role": "review_officer", "via": "test"}),
        (EventType.MFA_ADDED, {"kind": "totp"}),
    ]
