"""Co-signing through the API: a signature binds to the exact version it was given on;
edits turn it into "signed an earlier version"; signers re-sign, decline or withdraw until
submission; drafters see exact counts and a paged, searchable panel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.types import EventType
from dissent.memos.actions import do_decline, do_sign, do_submit, do_withdraw
from dissent.memos.models import Invitation, Version
from dissent.memos.queries import signature_counts
from tests.conftest import ApiClient
from tests.memos.helpers import (
    EDITED,
    Api,
    assert_event,
    assert_no_text_in_events,
    error,
    invite,
    last_event_id,
    make_memo,
    new_events,
    save,
    snapshot,
    url,
)


def counts(api: ApiClient, memo: object) -> dict[str, int]:
    return api.get(url(memo, "")).json()["counts"]  # type: ignore[arg-type,no-any-return]


def test_signatures_bind_to_versions(alice: User, bob: User, api_for: Api) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    as_bob, as_alice = api_for(bob), api_for(alice)

    since = last_event_id()
    signed = as_bob.post(url(memo, "/sign"), {"version": 1})
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed" and signed.json()["signed_version"] == 1
    (event,) = new_events(since)
    v1 = Version.objects.get(memo=memo, number=1)
    assert_event(event, EventType.SIGNED, bob, memo, version=1, hash=v1.content_hash)
    assert counts(as_alice, memo) | {} == {
        "invited": 1,
        "signed_current": 1,
        "signed_earlier": 0,
        "pending": 0,
        "declined": 0,
        "withdrawn": 0,
    }

    # alice edits: bob's signature is on an earlier version and he is asked to confirm
    assert as_alice.patch(url(memo), {"base_version": 1, **EDITED}).json()["version"] == 2
    mine = as_bob.get(url(memo)).json()["invitation"]
    assert mine["status"] == "signed an earlier version" and mine["signed_version"] == 1
    listed = as_bob.get("/api/v1/messages").json()["items"][0]["invitation"]
    assert listed["status"] == "signed an earlier version"
    now = counts(as_alice, memo)
    assert (now["signed_current"], now["signed_earlier"]) == (0, 1)
    panel = as_alice.get(url(memo, "/signatures")).json()["items"]
    assert [(r["email"], r["status"], r["signed_version"]) for r in panel] == [
        (bob.email, "signed an earlier version", 1)
    ]

    # signing what he read (version 1) now is refused: the text changed
    before = snapshot()
    stale = as_bob.post(url(memo, "/sign"), {"version": 1})
    assert stale.status_code == 409
    assert error(stale)["code"] == "conflict" and "version 2" in error(stale)["message"]
    assert snapshot() == before

    # bob reads version 2 and confirms it
    since = last_event_id()
    again = as_bob.post(url(memo, "/sign"), {"version": 2})
    assert again.status_code == 200 and again.json()["status"] == "signed"
    (event,) = new_events(since)
    v2 = Version.objects.get(memo=memo, number=2)
    assert_event(event, EventType.SIGNED, bob, memo, version=2, hash=v2.content_hash)
    now = counts(as_alice, memo)
    assert (now["signed_current"], now["signed_earlier"]) == (1, 0)

    # signing the same version twice signs once
    before = snapshot()
    twice = as_bob.post(url(memo, "/sign"), {"version": 2})
    assert twice.status_code == 409 and error(twice)["code"] == "wrong_state"
    assert snapshot() == before
    assert_no_text_in_events()


def test_withdraw_then_sign_again(alice: User, bob: User, api_for: Api) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    as_bob = api_for(bob)
    as_bob.post(url(memo, "/sign"), {"version": 1})

    since = last_event_id()
    withdrawn = as_bob.post(url(memo, "/withdraw"))
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["signed_version"] is None
    (event,) = new_events(since)
    assert_event(event, EventType.SIGNATURE_WITHDRAWN, bob, memo, version=1)
    assert counts(api_for(alice), memo)["withdrawn"] == 1

    before = snapshot()
    nothing = as_bob.post(url(memo, "/withdraw"))
    assert nothing.status_code == 409 and error(nothing)["code"] == "wrong_state"
    assert snapshot() == before

    assert as_bob.post(url(memo, "/sign"), {"version": 1}).json()["status"] == "signed"
    assert counts(api_for(alice), memo)["signed_current"] == 1


def test_withdrawing_a_signature_on_an_earlier_version_names_that_version(
    alice: User, bob: User, api_for: Api
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    as_bob = api_for(bob)
    as_bob.post(url(memo, "/sign"), {"version": 1})
    save(memo, alice, **EDITED)
    since = last_event_id()
    withdrawn = as_bob.post(url(memo, "/withdraw"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    (event,) = new_events(since)
    assert_event(event, EventType.SIGNATURE_WITHDRAWN, bob, memo, version=1)
    assert counts(api_for(alice), memo)["signed_earlier"] == 0


def test_counts_of_every_kind_in_one_query(
    alice: User, bob: User, carol: User, oscar: User, cora: User, kim: User
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol, oscar, cora, kim)
    do_sign(memo, version=1, acting_user=bob)  # then the text changes: an earlier version
    do_sign(memo, version=1, acting_user=oscar)
    do_withdraw(memo, acting_user=oscar)
    do_decline(memo, acting_user=cora)
    save(memo, alice, **EDITED)
    do_sign(memo, version=2, acting_user=carol)
    memo.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        found = signature_counts(memo)
    assert len(queries) == 1
    assert found == {
        "invited": 5,
        "signed_current": 1,
        "signed_earlier": 1,
        "pending": 1,
        "declined": 1,
        "withdrawn": 1,
    }


def test_decline(alice: User, carol: User, api_for: Api) -> None:
    memo = make_memo(alice)
    invite(memo, alice, carol)
    as_carol = api_for(carol)
    since = last_event_id()
    declined = as_carol.post(url(memo, "/decline"))
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    (event,) = new_events(since)
    assert_event(event, EventType.DECLINED, carol, memo)
    assert counts(api_for(alice), memo)["declined"] == 1

    before = snapshot()
    assert as_carol.post(url(memo, "/decline")).status_code == 409
    assert snapshot() == before
    # she may still change her mind and sign
    assert as_carol.post(url(memo, "/sign"), {"version": 1}).json()["status"] == "signed"


def test_a_signature_must_be_withdrawn_not_declined(alice: User, bob: User, api_for: Api) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    as_bob = api_for(bob)
    as_bob.post(url(memo, "/sign"), {"version": 1})
    before = snapshot()
    response = as_bob.post(url(memo, "/decline"))
    assert response.status_code == 409 and "withdraw" in error(response)["message"]
    assert snapshot() == before


def test_signing_after_submission_is_refused(
    alice: User, bob: User, carol: User, api_for: Api
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol)
    api_for(carol).post(url(memo, "/sign"), {"version": 1})
    do_submit(memo, version=1, names_visible_to="office", acting_user=alice)
    as_bob, as_carol = api_for(bob), api_for(carol)
    before = snapshot()
    for api, path, body in [
        (as_bob, "/sign", {"version": 1}),
        (as_bob, "/decline", None),
        (as_carol, "/withdraw", None),
    ]:
        response = api.post(url(memo, path), body)
        assert response.status_code == 409, path
        assert error(response)["code"] == "wrong_state"
    assert snapshot() == before


def test_sign_needs_a_version(alice: User, bob: User, api_for: Api) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    as_bob = api_for(bob)
    before = snapshot()
    for body in ({}, {"version": "one"}, {"version": 0}):
        response = as_bob.post(url(memo, "/sign"), body)
        assert response.status_code == 400 and error(response)["field"] == "version"
    # A version that does not exist, also one no database integer holds: the text changed
    for number in (7, 2**31, 2**63, 10**30):
        response = as_bob.post(url(memo, "/sign"), {"version": number})
        assert response.status_code == 409, (number, response.content)
        assert "version 1 is current" in error(response)["message"]
    assert snapshot() == before


@pytest.fixture
def crowd(alice: User) -> list[User]:
    """120 colleagues, made directly (their accounts are not under test)."""
    users = [
        User(email=f"signer{i:03}@example.org", display_name=f"Signer {i:03}", role=Role.STAFF)
        for i in range(120)
    ]
    return User.objects.bulk_create(users)


def test_signature_panel_pages_and_searches(
    alice: User, bob: User, crowd: list[User], api_for: Api
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, *crowd)
    Invitation.objects.filter(memo=memo, user__in=crowd[:30]).update(status="declined")
    as_alice = api_for(alice)
    first = as_alice.get(url(memo, "/signatures")).json()
    assert (first["total"], first["page"], first["per_page"]) == (121, 1, 50)
    assert len(first["items"]) == 50
    assert first["items"][0]["email"] == bob.email  # ordered by e-mail
    assert first["counts"]["invited"] == 121 and first["counts"]["declined"] == 30
    third = as_alice.get(url(memo, "/signatures"), page=3).json()
    assert len(third["items"]) == 21 and third["items"][-1]["email"] == crowd[-1].email
    beyond = as_alice.get(url(memo, "/signatures"), page=4).json()
    assert beyond["items"] == [] and beyond["total"] == 121
    seen = {
        row["email"]
        for page in (1, 2, 3)
        for row in as_alice.get(url(memo, "/signatures"), page=page).json()["items"]
    }
    assert len(seen) == 121
    found = as_alice.get(url(memo, "/signatures"), q="signer11").json()
    assert [r["email"] for r in found["items"]] == [
        f"signer{i}@example.org" for i in range(110, 120)
    ]
    assert found["total"] == 10
    by_name = as_alice.get(url(memo, "/signatures"), q="Signer 005").json()
    assert [(r["name"], r["status"]) for r in by_name["items"]] == [("Signer 005", "declined")]
    assert as_alice.get(url(memo, "/signatures"), page=0).status_code == 400
    assert as_alice.get(url(memo, "/signatures"), q="x" * 201).status_code == 400
    refused = api_for(bob).get(url(memo, "/signatures"))
    assert refused.status_code == 403 and error(refused)["code"] == "forbidden"


def test_sign_without_an_invitation_or_on_an_unknown_version_writes_nothing(
    alice: User, bob: User, carol: User
) -> None:
    """The action itself, below the access check: its one conditional update must refuse
    what it was not meant to sign, and say why."""
    from dissent.lib.errors import Conflict, NotFound

    memo = make_memo(alice)
    invite(memo, alice, bob)
    before = snapshot()
    with pytest.raises(NotFound):
        do_sign(memo, version=1, acting_user=carol)
    with pytest.raises(NotFound):  # not "version 1 is current": she learns nothing of it
        do_sign(memo, version=7, acting_user=carol)
    with pytest.raises(Conflict, match="version 1 is current"):
        do_sign(memo, version=7, acting_user=bob)
    assert snapshot() == before
    signed = do_sign(memo, version=1, acting_user=bob)
    assert (signed.status, signed.signed_version.number, signed.memo.pk) == ("signed", 1, memo.pk)
    assert signed.signed_at is not None and signed.signed_at == signed.responded_at
    assert signed.invited_at == Invitation.objects.get(pk=signed.pk).invited_at
