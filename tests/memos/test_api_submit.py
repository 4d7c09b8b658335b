"""Submission through the API: it freezes the version, records who signed exactly that
version, stores the drafter's choice of who sees co-signer names, and only an eligible
drafter with a fully marked text within the ceiling may do it, once."""

from __future__ import annotations

from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.events.types import EventType
from dissent.memos.models import Memo, SubmittedSignature, Version
from tests.memos.helpers import (
    BASE,
    EDITED,
    TEXT,
    Api,
    add_codrafter,
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


def test_submit_records_the_signers_of_exactly_the_submitted_version(
    alice: User, bob: User, carol: User, oscar: User, api_for: Api
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol, oscar)
    as_bob, as_carol, as_oscar, as_alice = (api_for(u) for u in (bob, carol, oscar, alice))
    as_bob.post(url(memo, "/sign"), {"version": 1})  # signs v1 only
    save(memo, alice, **EDITED)
    as_carol.post(url(memo, "/sign"), {"version": 2})
    as_oscar.post(url(memo, "/sign"), {"version": 2})
    as_oscar.post(url(memo, "/withdraw"))  # took it back before submission

    since = last_event_id()
    response = as_alice.post(url(memo, "/submit"), {"version": 2, "names_visible_to": "principals"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "submitted" and data["submitted_version"] == 2
    assert data["names_visible_to"] == "principals" and data["submitted_at"]
    memo.refresh_from_db()
    v2 = Version.objects.get(memo=memo, number=2)
    assert (memo.state, memo.submitted_version, memo.names_visible_to) == (
        "submitted",
        v2,
        "principals",
    )
    rows = list(SubmittedSignature.objects.filter(memo=memo).values_list("user", "version"))
    assert rows == [(carol.id, v2.id)]
    (event,) = new_events(since)
    assert_event(
        event,
        EventType.SUBMITTED,
        alice,
        memo,
        version=2,
        hash=v2.content_hash,
        signatures=1,
        names="principals",
    )
    assert_no_text_in_events()
    # co-signers see the outcome, not the drafter's visibility choice
    seen = as_bob.get(url(memo)).json()
    assert seen["state"] == "submitted" and seen["names_visible_to"] is None
    assert seen["invitation"]["status"] == "signed an earlier version"


def test_names_visible_to_defaults_to_the_office_and_is_checked(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    api = api_for(alice)
    before = snapshot()
    bad = api.post(url(memo, "/submit"), {"version": 1, "names_visible_to": "everyone"})
    assert bad.status_code == 400 and error(bad)["field"] == "names_visible_to"
    assert snapshot() == before
    done = api.post(url(memo, "/submit"), {"version": 1})
    assert done.status_code == 200 and done.json()["names_visible_to"] == "office"
    assert Memo.objects.get(id=memo.id).names_visible_to == "office"


def test_submit_of_a_version_that_is_not_current_is_a_conflict(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    save(memo, alice, **EDITED)
    api = api_for(alice)
    before = snapshot()
    response = api.post(url(memo, "/submit"), {"version": 1})
    assert response.status_code == 409
    assert error(response)["code"] == "conflict" and "version 2" in error(response)["message"]
    assert snapshot() == before


def test_second_submit_is_refused(alice: User, cora: User, api_for: Api) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    as_alice, as_cora = api_for(alice), api_for(cora)
    assert as_alice.post(url(memo, "/submit"), {"version": 1}).status_code == 200
    before = snapshot()
    for api in (as_alice, as_cora):
        again = api.post(url(memo, "/submit"), {"version": 1})
        assert again.status_code == 409 and error(again)["code"] == "wrong_state"
    assert snapshot() == before


def test_only_an_eligible_drafter_may_submit(alice: User, kim: User, api_for: Api) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, kim)  # a contractor may help draft...
    as_kim = api_for(kim)
    assert as_kim.patch(url(memo), {"base_version": 1, "title": "Kim's edit"}).status_code == 200
    before = snapshot()
    response = as_kim.post(url(memo, "/submit"), {"version": 2})  # ...but not file
    assert response.status_code == 403
    assert error(response)["code"] == "not_eligible"
    assert "Contractor" in error(response)["message"]
    created = as_kim.post(BASE, TEXT)  # nor start a message
    assert created.status_code == 403 and error(created)["code"] == "not_eligible"
    assert snapshot() == before


def test_unmarked_text_cannot_be_submitted(alice: User, api_for: Api) -> None:
    memo = make_memo(alice, body="(U) Marked.\n\nThis paragraph has no portion mark.")
    api = api_for(alice)
    before = snapshot()
    response = api.post(url(memo, "/submit"), {"version": 1})
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "invalid_marking" and "no portion mark" in err["message"]
    assert snapshot() == before


def test_text_above_a_lowered_ceiling_cannot_be_submitted(
    alice: User, api_for: Api, settings: SettingsWrapper
) -> None:
    memo = make_memo(alice, body="(CUI) Saved while the ceiling was CUI.")
    api = api_for(alice)
    settings.MARKING_CEILING = "U"  # the deployment was re-accredited for U only
    before = snapshot()
    response = api.post(url(memo, "/submit"), {"version": 1})
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "invalid_marking" and "above this system's ceiling of U" in err["message"]
    assert snapshot() == before
