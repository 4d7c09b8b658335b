"""Drafting through the API: create, read, save versions (with conflicts), history, diff,
co-drafters, and the lists of my messages."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dissent.accounts.models import User
from dissent.events.types import EventType
from dissent.memos import content as text
from dissent.memos.models import Memo, Version
from tests.memos.helpers import (
    BASE,
    BODY_SENTINEL,
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


def test_create_returns_the_message_and_records_creation_and_first_version(
    alice: User, api_for: Api
) -> None:
    api = api_for(alice)
    since = last_event_id()
    response = api.post(BASE, TEXT)
    assert response.status_code == 201, response.content
    data = response.json()
    memo = Memo.objects.get(id=data["id"])
    assert data["caption"] == "DISSENT CHANNEL"
    assert {k: data[k] for k in TEXT} == TEXT
    assert data["version"] == 1 and data["state"] == "draft" and data["role"] == "drafter"
    assert data["banner"] == "UNCLASSIFIED" and data["fully_marked"] is True
    assert data["hash"] == hashlib.sha256(text.encode(text.clean(**TEXT))).hexdigest()
    assert BODY_SENTINEL in data["html"]["body"] and data["html"]["body"].startswith("<p>")
    assert [d["email"] for d in data["drafters"]] == [alice.email]
    assert data["counts"]["invited"] == 0 and data["invitation"] is None
    created, saved = new_events(since)
    assert_event(created, EventType.MEMO_CREATED, alice, memo)
    assert_event(saved, EventType.VERSION_SAVED, alice, memo, version=1, hash=data["hash"])
    assert_no_text_in_events()


def test_create_needs_a_title_and_json(alice: User, api_for: Api) -> None:
    api = api_for(alice)
    before = snapshot()
    assert error(api.post(BASE, {**TEXT, "title": "   "}))["field"] == "title"
    missing = api.post(BASE, {"body": "(U) text"})
    assert missing.status_code == 400 and error(missing)["field"] == "title"
    garbage = api.client.post(
        BASE, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    assert garbage.status_code == 400 and error(garbage)["code"] == "invalid_input"
    assert snapshot() == before


def test_a_draft_may_hold_unmarked_paragraphs_but_says_so(alice: User, api_for: Api) -> None:
    response = api_for(alice).post(BASE, {**TEXT, "body": "Not marked yet."})
    assert response.status_code == 201
    assert response.json()["fully_marked"] is False


def test_patch_saves_a_new_version_keeping_fields_left_out(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    api = api_for(alice)
    since = last_event_id()
    response = api.patch(url(memo), {"base_version": 1, "body": EDITED["body"]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["version"] == 2 and data["body"] == EDITED["body"]
    assert data["title"] == TEXT["title"] and data["summary"] == TEXT["summary"]
    (event,) = new_events(since)
    assert_event(event, EventType.VERSION_SAVED, alice, memo, version=2, hash=data["hash"])
    assert Version.objects.get(memo=memo, number=2).author == alice
    assert_no_text_in_events()


def test_patch_with_unchanged_text_keeps_the_version(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    api = api_for(alice)
    before = snapshot()
    response = api.patch(url(memo), {"base_version": 1, **TEXT})
    assert response.status_code == 200 and response.json()["version"] == 1
    assert snapshot() == before


def test_patch_on_a_stale_version_is_a_conflict_and_saves_nothing(
    alice: User, cora: User, api_for: Api
) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    save(memo, cora, body=EDITED["body"])  # cora saved version 2 while alice edited 1
    api = api_for(alice)
    before = snapshot()
    response = api.patch(url(memo), {"base_version": 1, "title": "Mine"})
    assert response.status_code == 409
    err = error(response)
    assert err["code"] == "conflict" and err["field"] == "base_version"
    assert "version 2" in err["message"] and "Cora" in err["message"]
    assert snapshot() == before
    # alice compares and saves on top of version 2: both edits are in the history
    again = api.patch(url(memo), {"base_version": 2, "title": "Mine"})
    assert again.status_code == 200 and again.json()["version"] == 3
    assert again.json()["body"] == EDITED["body"] and again.json()["title"] == "Mine"


def test_patch_needs_base_version(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    response = api_for(alice).patch(url(memo), {"title": "x"})
    assert response.status_code == 400 and error(response)["field"] == "base_version"


def test_text_above_the_ceiling_is_refused_on_save(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    api = api_for(alice)
    before = snapshot()
    response = api.patch(url(memo), {"base_version": 1, "body": "(S) A secret."})
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_marking" and "ceiling" in error(response)["message"]
    assert snapshot() == before
    created = api.post(BASE, {**TEXT, "body": "(TS) Top secret."})
    assert created.status_code == 400 and snapshot() == before


def test_versions_history_and_one_version(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    save(memo, alice, **EDITED)
    api = api_for(alice)
    items = api.get(url(memo, "/versions")).json()["items"]
    assert [v["number"] for v in items] == [1, 2]
    assert items[0]["hash"] == Version.objects.get(memo=memo, number=1).content_hash
    assert items[1]["author"] == "Alice"
    first = api.get(url(memo, "/versions/1")).json()
    assert first["body"] == TEXT["body"] and first["number"] == 1
    assert "<p>" in first["html"]["body"]
    missing = api.get(url(memo, "/versions/3"))
    assert missing.status_code == 404 and "no version 3" in error(missing)["message"]


def test_diff_between_two_versions(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    save(memo, alice, **EDITED)
    data = api_for(alice).get(url(memo, "/diff"), **{"from": 1, "to": 2}).json()
    assert data["from_version"] == 1 and data["to_version"] == 2
    fields = {f["field"]: f for f in data["fields"]}
    assert not fields["title"]["changed"] and fields["body"]["changed"]
    assert {"op": "added", "text": "(U) A third paragraph."} in fields["body"]["lines"]
    assert not any(line["op"] == "removed" for line in fields["body"]["lines"])


def test_diff_needs_both_versions_and_existing_ones(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    api = api_for(alice)
    assert api.get(url(memo, "/diff"), to=1).status_code == 400
    assert api.get(url(memo, "/diff"), **{"from": "x", "to": 1}).status_code == 400
    assert api.get(url(memo, "/diff"), **{"from": 1, "to": 7}).status_code == 404


def test_codrafter_is_added_and_may_edit(alice: User, cora: User, api_for: Api) -> None:
    memo = make_memo(alice)
    api = api_for(alice)
    since = last_event_id()
    response = api.post(url(memo, "/codrafters"), {"email": " CORA@example.org "})
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": str(cora.id),
        "name": "Cora",
        "email": cora.email,
        "is_owner": False,
    }
    (event,) = new_events(since)
    assert_event(event, EventType.CODRAFTER_ADDED, alice, memo, user=str(cora.id))
    edited = api_for(cora).patch(url(memo), {"base_version": 1, "title": "Cora's title"})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    drafters = api_for(cora).get(url(memo)).json()["drafters"]
    assert [(d["email"], d["is_owner"]) for d in drafters] == [
        (alice.email, True),
        (cora.email, False),
    ]


def test_codrafter_refusals(alice: User, bob: User, cora: User, rita: User, api_for: Api) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    invite(memo, alice, bob)
    api = api_for(alice)
    before = snapshot()
    for email, status, code in [
        ("nobody@example.org", 400, "invalid_input"),
        (rita.email, 400, "invalid_input"),  # a review officer cannot draft
        (cora.email, 409, "conflict"),  # already a drafter
        (bob.email, 409, "conflict"),  # invited to co-sign
        ("x" * 300 + "@example.org", 400, "invalid_input"),
    ]:
        response = api.post(url(memo, "/codrafters"), {"email": email})
        assert (response.status_code, error(response)["code"]) == (status, code), email
    assert snapshot() == before


def test_detail_for_an_invitee_has_no_counts_but_their_own_status(
    alice: User, bob: User, api_for: Api
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    data = api_for(bob).get(url(memo)).json()
    assert data["role"] == "invitee" and data["counts"] is None
    assert data["invitation"]["status"] == "invited"
    assert data["invitation"]["signed_version"] is None
    assert data["body"] == TEXT["body"]
    assert data["names_visible_to"] is None


def test_list_shows_what_i_draft_and_what_i_am_invited_to(
    alice: User, bob: User, oscar: User, api_for: Api
) -> None:
    mine = make_memo(alice)
    invite(mine, alice, bob)
    bobs = make_memo(bob, title="Bob's own message")
    items = api_for(bob).get(BASE).json()["items"]
    by_id = {item["id"]: item for item in items}
    assert set(by_id) == {str(mine.id), str(bobs.id)}
    assert by_id[str(bobs.id)]["role"] == "drafter"
    assert by_id[str(bobs.id)]["counts"]["invited"] == 0
    assert by_id[str(bobs.id)]["title"] == "Bob's own message"
    assert by_id[str(mine.id)]["role"] == "invitee"
    assert by_id[str(mine.id)]["counts"] is None
    assert by_id[str(mine.id)]["invitation"]["status"] == "invited"
    assert by_id[str(mine.id)]["banner"] == "UNCLASSIFIED"
    assert by_id[str(mine.id)]["version"] == 1
    assert [i["id"] for i in items] == [str(bobs.id), str(mine.id)]  # newest change first
    assert api_for(oscar).get(BASE).json() == {"items": []}


def test_the_list_costs_the_same_queries_for_one_message_or_many(
    alice: User, bob: User, api_for: Api
) -> None:
    api = api_for(alice)

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(BASE).status_code == 200
        return len(queries)

    make_memo(alice)
    invite(make_memo(bob), bob, alice)
    queries_for_the_list()  # the first request also marks the token used
    few = queries_for_the_list()
    for _ in range(3):
        invite(make_memo(alice), alice, bob)
        invite(make_memo(bob), bob, alice)
    assert len(api.get(BASE).json()["items"]) == 8
    assert queries_for_the_list() == few
