"""Races through the real API on real threads, each with its own database connection: the
conditional updates in actions.py must give one submission, one signature and no lost text
on SQLite (IMMEDIATE transactions) and PostgreSQL (row locks) alike."""

from __future__ import annotations

import pytest

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.memos import content as text
from dissent.memos.models import Invitation, Memo, SubmittedSignature, Version
from tests.concurrency import racing_api, statuses, together
from tests.memos.helpers import EDITED, TEXT, add_codrafter, invite, make_memo, url

pytestmark = pytest.mark.django_db(transaction=True)


def events(memo: Memo, type: EventType) -> int:
    return Event.objects.filter(subject_id=str(memo.id), type=type).count()


def test_two_drafters_submitting_at_once_submit_once(alice: User, cora: User, bob: User) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    invite(memo, alice, bob)
    as_alice, as_cora, as_bob = racing_api(alice), racing_api(cora), racing_api(bob)
    as_bob.post(url(memo, "/sign"), {"version": 1})
    body = {"version": 1, "names_visible_to": "office"}
    results = together(
        lambda: as_alice.post(url(memo, "/submit"), body),
        lambda: as_cora.post(url(memo, "/submit"), body),
    )
    assert statuses(results) == [(200, None), (409, "wrong_state")]
    assert events(memo, EventType.SUBMITTED) == 1
    assert list(SubmittedSignature.objects.filter(memo=memo).values_list("user", flat=True)) == [
        bob.id
    ]
    assert Memo.objects.get(id=memo.id).state == "submitted"


def test_the_same_signer_signing_twice_at_once_signs_once(alice: User, bob: User) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    first, second = racing_api(bob), racing_api(bob)
    results = together(
        lambda: first.post(url(memo, "/sign"), {"version": 1}),
        lambda: second.post(url(memo, "/sign"), {"version": 1}),
    )
    assert statuses(results) == [(200, None), (409, "wrong_state")]
    assert events(memo, EventType.SIGNED) == 1
    invitation = Invitation.objects.get(memo=memo, user=bob)
    assert (invitation.status, invitation.signed_version.number) == ("signed", 1)


def test_co_drafters_saving_on_the_same_version_lose_nothing(alice: User, cora: User) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    as_alice, as_cora = racing_api(alice), racing_api(cora)
    mine = {"base_version": 1, "body": TEXT["body"] + "\n\n(U) Alice's paragraph."}
    hers = {"base_version": 1, "body": TEXT["body"] + "\n\n(U) Cora's paragraph."}
    results = together(
        lambda: as_alice.patch(url(memo), mine), lambda: as_cora.patch(url(memo), hers)
    )
    assert statuses(results) == [(200, None), (409, "conflict")]
    winner, loser = sorted(results, key=lambda r: r.status_code)
    assert winner.json()["version"] == 2
    assert "version 2" in loser.json()["error"]["message"]
    assert Version.objects.filter(memo=memo).count() == 2
    assert events(memo, EventType.VERSION_SAVED) == 2
    saved = text.read(Version.objects.get(memo=memo, number=2)).body
    assert saved == winner.json()["body"]
    # The loser still holds the typed text; saved on top of version 2, both are kept.
    lost_body = mine["body"] if saved == hers["body"] else hers["body"]
    loser_api = as_alice if lost_body == mine["body"] else as_cora
    again = loser_api.patch(url(memo), {"base_version": 2, "body": lost_body})
    assert again.status_code == 200 and again.json()["version"] == 3
    bodies = [text.read(v).body for v in Version.objects.filter(memo=memo).order_by("number")]
    assert bodies == [TEXT["body"], saved, lost_body]


def test_a_signature_racing_a_submission_is_either_in_it_or_refused(alice: User, bob: User) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    as_alice, as_bob = racing_api(alice), racing_api(bob)
    sign, submit = together(
        lambda: as_bob.post(url(memo, "/sign"), {"version": 1}),
        lambda: as_alice.post(url(memo, "/submit"), {"version": 1}),
    )
    assert submit.status_code == 200
    frozen = list(SubmittedSignature.objects.filter(memo=memo).values_list("user", flat=True))
    if sign.status_code == 200:  # signed first: the signature went with the submission
        assert frozen == [bob.id] and submit.json()["counts"]["signed_current"] == 1
    else:  # submitted first: the signature was refused, not recorded beside it
        assert (sign.status_code, sign.json()["error"]["code"]) == (409, "wrong_state")
        assert frozen == [] and events(memo, EventType.SIGNED) == 0


def test_concurrent_edits_leave_a_consistent_history(alice: User, cora: User) -> None:
    """Four saves on one base: exactly one version 2, no gaps, one event per version."""
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    clients = [racing_api(alice), racing_api(cora), racing_api(alice), racing_api(cora)]
    results = together(
        *[
            (
                lambda c=c, i=i: c.patch(
                    url(memo), {"base_version": 1, **EDITED, "title": f"Title {i}"}
                )
            )
            for i, c in enumerate(clients)
        ]
    )
    assert statuses(results) == [(200, None)] + [(409, "conflict")] * 3
    assert list(
        Version.objects.filter(memo=memo).values_list("number", flat=True).order_by("number")
    ) == [1, 2]
    assert events(memo, EventType.VERSION_SAVED) == 2


def test_many_signers_racing_a_submission_are_all_in_it_or_refused(
    alice: User, bob: User, carol: User, oscar: User, cora: User
) -> None:
    """Signers do not wait for one another (a shared lock on PostgreSQL), but a submission
    still sees every signature that was answered 200 and none that was refused."""
    memo = make_memo(alice)
    signers = [bob, carol, oscar, cora]
    invite(memo, alice, *signers)
    clients = [racing_api(u) for u in signers]
    as_alice = racing_api(alice)
    results = together(
        *[(lambda c=c: c.post(url(memo, "/sign"), {"version": 1})) for c in clients],
        lambda: as_alice.post(url(memo, "/submit"), {"version": 1}),
    )
    *signs, submit = results
    assert submit.status_code == 200
    accepted = {u.id for u, r in zip(signers, signs, strict=True) if r.status_code == 200}
    refused = [r for r in signs if r.status_code != 200]
    assert all((r.status_code, r.json()["error"]["code"]) == (409, "wrong_state") for r in refused)
    frozen = set(SubmittedSignature.objects.filter(memo=memo).values_list("user", flat=True))
    assert frozen == accepted
    assert events(memo, EventType.SIGNED) == len(accepted)


def test_drafters_inviting_overlapping_lists_at_once_invite_each_person_once(
    alice: User, cora: User, bob: User, carol: User, oscar: User
) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    as_alice, as_cora = racing_api(alice), racing_api(cora)
    results = together(
        lambda: as_alice.post(url(memo, "/invite"), {"emails": [bob.email, carol.email]}),
        lambda: as_cora.post(url(memo, "/invite"), {"emails": [carol.email, oscar.email]}),
    )
    assert statuses(results) == [(200, None), (200, None)]
    reports = [r.json() for r in results]
    invited = sorted(e for report in reports for e in report["invited"])
    assert invited == sorted([bob.email, carol.email, oscar.email])  # carol by one of them
    assert sorted(e for report in reports for e in report["already_invited"]) == [carol.email]
    assert Invitation.objects.filter(memo=memo).count() == 3
    assert events(memo, EventType.INVITED) == 3


def test_the_same_signer_withdrawing_twice_at_once_withdraws_once(alice: User, bob: User) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    first, second = racing_api(bob), racing_api(bob)
    first.post(url(memo, "/sign"), {"version": 1})
    results = together(
        lambda: first.post(url(memo, "/withdraw")), lambda: second.post(url(memo, "/withdraw"))
    )
    assert statuses(results) == [(200, None), (409, "wrong_state")]
    assert events(memo, EventType.SIGNATURE_WITHDRAWN) == 1
    assert Invitation.objects.get(memo=memo, user=bob).status == "withdrawn"


def test_a_signature_racing_a_save_signs_the_text_read_or_is_refused(
    alice: User, bob: User
) -> None:
    """do_sign reads the signed version before its transaction: a save committed in between
    must make it a conflict, never a signature on version 1 recorded as current."""
    memo = make_memo(alice)
    invite(memo, alice, bob)
    as_alice, as_bob = racing_api(alice), racing_api(bob)
    edited = {"base_version": 1, "body": TEXT["body"] + "\n\n(U) A late paragraph."}
    sign, save = together(
        lambda: as_bob.post(url(memo, "/sign"), {"version": 1}),
        lambda: as_alice.patch(url(memo), edited),
    )
    assert save.status_code == 200 and save.json()["version"] == 2
    invitation = Invitation.objects.get(memo=memo, user=bob)
    if sign.status_code == 200:  # signed first: a signature on version 1, now an earlier one
        assert sign.json()["signed_version"] == 1
        assert (invitation.status, invitation.signed_version.number) == ("signed", 1)
        assert events(memo, EventType.SIGNED) == 1
    else:  # saved first: nothing signed
        assert (sign.status_code, sign.json()["error"]["code"]) == (409, "conflict")
        assert invitation.status == "invited" and events(memo, EventType.SIGNED) == 0
