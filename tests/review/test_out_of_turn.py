"""Acting out of turn, or with bad input: a clear error, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dissent.accounts.models import User
from dissent.review.models import Case
from tests.conftest import ApiClient
from tests.review.helpers import REJOINDER, REPLY, build, snapshot

REVIEW = "/api/v1/review/cases"


def refused(response: Any, status: int, code: str, words: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == code, error
    assert words in error["message"], error
    return error  # type: ignore[no-any-return]


# (stage, persona, path suffix, body, status, code, words in the message)
OUT_OF_TURN = [
    ("submitted", "rita", "/reply-drafts", {"base_version": 0, "body": REPLY}, 409, "wrong_state",
     "“Submitted”"),
    ("submitted", "dana", "/reply", {"version": 1}, 409, "wrong_state", "send a reply"),
    ("submitted", "rita", "/distribute", {}, 409, "wrong_state", "distribute"),
    ("submitted", "rita", "/scope", {"decision": "in_scope"}, 409, "wrong_state", "scope"),
    ("submitted", "rita", "/close", {}, 409, "wrong_state", "close"),
    ("acknowledged", "rita", "/acknowledge", {}, 409, "wrong_state", "“Acknowledged”"),
    ("acknowledged", "rita", "/distribute", {}, 409, "wrong_state", "in scope before"),
    ("in_scope", "rita", "/scope", {"decision": "not_eligible", "note": "(U) No."}, 409,
     "wrong_state", "scope"),
    ("distributed", "rita", "/reply-drafts", {"base_version": 0, "body": REPLY}, 409,
     "wrong_state", "draft the reply"),
    ("under_review", "dana", "/reply", {"version": 2}, 409, "conflict", "version 1 is the latest"),
    ("under_review", "rita", "/reply-drafts", {"base_version": 0, "body": REPLY}, 409,
     "conflict", "version 1 was saved"),
    ("under_review", "alice", "/rejoinder", {"body": REJOINDER}, 409, "wrong_state", "rejoinder"),
    ("replied", "dana", "/reply", {"version": 1}, 409, "wrong_state", "“Replied”"),
    ("replied", "rita", "/acknowledge", {}, 409, "wrong_state", "acknowledge"),
    ("closed", "alice", "/rejoinder", {"body": REJOINDER}, 409, "wrong_state", "“Closed”"),
    ("closed", "rita", "/close", {}, 409, "wrong_state", "“Closed”"),
    ("closed", "rita", "/assign", {"officer": "me"}, 409, "wrong_state", "assign"),
    ("closed", "alice", "/meetings", {}, 409, "wrong_state", "meeting"),
    ("distributed", "dana", "/recipients", {"principal": "SAM", "reason": "(U) Again."}, 409,
     "conflict", "already receives"),
    ("redirected", "rita", "/acknowledge", {}, 409, "wrong_state", "“Redirected”"),
    ("not_eligible", "rita", "/distribute", {}, 409, "wrong_state", "“Not eligible”"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("stage", "persona", "suffix", "body", "status", "code", "words"), OUT_OF_TURN
)
def test_out_of_turn_changes_nothing(
    people: dict[str, User],
    apis: dict[str, ApiClient],
    stage: str,
    persona: str,
    suffix: str,
    body: dict[str, Any],
    status: int,
    code: str,
    words: str,
) -> None:
    memo = build(people, stage)
    if body.get("principal") == "SAM":
        body = {**body, "principal": str(people["sam"].id)}
    before = snapshot()
    refused(apis[persona].post(f"{REVIEW}/{memo.id}{suffix}", body), status, code, words)
    assert snapshot() == before


def test_a_second_rejoinder_is_refused(people: dict[str, User], apis: dict[str, ApiClient]) -> None:
    memo = build(people, "replied")
    url = f"{REVIEW}/{memo.id}/rejoinder"
    assert apis["alice"].post(url, {"body": REJOINDER}).status_code == 201
    before = snapshot()
    refused(apis["alice"].post(url, {"body": REJOINDER}), 409, "wrong_state", "already sent")
    assert snapshot() == before


def test_a_second_open_meeting_request_is_refused(
    people: dict[str, User], apis: dict[str, ApiClient]
) -> None:
    memo = build(people, "acknowledged")
    url = f"{REVIEW}/{memo.id}/meetings"
    meeting = apis["alice"].post(url, {"note": "(U) Next week?"}).json()
    before = snapshot()
    refused(apis["rita"].post(url, {}), 409, "conflict", "already been requested")
    assert snapshot() == before
    record = f"{REVIEW}/{memo.id}/meetings/{meeting['id']}/record"
    refused(
        apis["rita"].post(record, {"held_on": "2999-01-01", "outcome": "(U) Done."}),
        400,
        "invalid_input",
        "once it has been held",
    )
    done = apis["rita"].post(record, {"held_on": "2020-01-01", "outcome": "(U) Done."})
    assert done.status_code == 200
    refused(
        apis["rita"].post(record, {"held_on": "2020-01-01", "outcome": "(U) Again."}),
        409,
        "wrong_state",
        "already been recorded",
    )
    assert apis["rita"].post(url, {}).status_code == 201  # a new request once it was held


# (stage, persona, suffix, body, field, words)
BAD_INPUT = [
    ("submitted", "rita", "/scope", {"decision": "redirected"}, "channel", "name the channel"),
    ("submitted", "rita", "/scope", {"decision": "redirected", "channel": "other"}, "note",
     "may not be empty"),
    ("submitted", "rita", "/scope", {"decision": "not_eligible"}, "note", "may not be empty"),
    ("submitted", "rita", "/scope", {"decision": "maybe"}, "decision", ""),
    ("submitted", "rita", "/scope", {"decision": "in_scope", "channel": "eeo"}, "channel",
     "only when redirecting"),
    ("submitted", "rita", "/assign", {"officer": "not-an-id"}, "officer", "user id"),
    ("submitted", "rita", "/assign", {"officer": "00000000-0000-0000-0000-000000000000"},
     "officer", "no active review officer"),
    ("distributed", "dana", "/recipients", {"principal": "pia", "reason": "(U) Why."},
     "principal", "user id"),
    ("distributed", "dana", "/recipients", {"principal": "ALICE", "reason": "(U) Why."},
     "principal", "no active principal"),
    ("distributed", "dana", "/recipients", {"principal": "PIA", "reason": "  "}, "reason",
     "may not be empty"),
    ("distributed", "sam", "/comments", {"text": "(S) A secret paragraph."}, "text",
     "classified"),
    ("distributed", "sam", "/comments", {"text": "x" * 10_001}, "text", "the limit is 10000"),
    ("under_review", "rita", "/reply-drafts", {"base_version": 1, "body": ""}, "body",
     "may not be empty"),
    ("under_review", "rita", "/reply-drafts", {"base_version": 1, "body": "(S) Secret."},
     "body", "classified"),
    ("under_review", "rita", "/reply-drafts", {"base_version": 1, "body": "a\x00b"}, "body",
     "NUL"),
    ("replied", "alice", "/rejoinder", {"body": "Not marked at all."}, "body", "mark"),
    ("under_review", "rita", "/meetings/MEETING/record", {"held_on": "tomorrow",
     "outcome": "(U) x"}, "held_on", "YYYY-MM-DD"),
    ("under_review", "rita", "/meetings/MEETING/record", {"held_on": 20200101,
     "outcome": "(U) x"}, "held_on", "YYYY-MM-DD"),
]  # fmt: skip


@pytest.mark.parametrize(("stage", "persona", "suffix", "body", "field", "words"), BAD_INPUT)
def test_bad_input_names_the_field_and_changes_nothing(
    people: dict[str, User],
    apis: dict[str, ApiClient],
    stage: str,
    persona: str,
    suffix: str,
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    memo = build(people, stage)
    if "MEETING" in suffix:
        meeting = apis["alice"].post(f"{REVIEW}/{memo.id}/meetings", {}).json()
        suffix = suffix.replace("MEETING", meeting["id"])
    ids = {"PIA": str(people["pia"].id), "ALICE": str(people["alice"].id),
           "SAM": str(people["sam"].id)}  # fmt: skip
    body = {key: ids.get(value, value) if isinstance(value, str) else value
            for key, value in body.items()}  # fmt: skip
    before = snapshot()
    response = apis[persona].post(f"{REVIEW}/{memo.id}{suffix}", body)
    error = refused(response, 400, response.json()["error"]["code"], words)
    assert error["code"] in ("invalid_input", "too_large", "invalid_marking"), error
    assert error["field"] == field, error
    assert snapshot() == before


def test_a_reply_not_fully_marked_cannot_be_sent(
    people: dict[str, User], apis: dict[str, ApiClient]
) -> None:
    memo = build(people, "under_review")
    url = f"{REVIEW}/{memo.id}"
    saved = apis["rita"].post(
        f"{url}/reply-drafts", {"base_version": 1, "body": "(U) Marked.\n\nNot marked."}
    )
    assert saved.status_code == 201 and saved.json()["fully_marked"] is False
    before = snapshot()
    error = refused(apis["dana"].post(f"{url}/reply", {"version": 2}), 400, "invalid_marking")
    assert error["field"] == "version" and "2" in error["message"]
    assert snapshot() == before
    assert Case.objects.get(memo_id=memo.id).state == "under_review"


def test_saving_the_same_reply_text_makes_no_new_version(
    people: dict[str, User], apis: dict[str, ApiClient]
) -> None:
    memo = build(people, "under_review")
    before = snapshot()
    response = apis["rita"].post(
        f"{REVIEW}/{memo.id}/reply-drafts", {"base_version": 1, "body": REPLY}
    )
    assert response.status_code == 201 and response.json()["number"] == 1
    assert snapshot() == before


def test_a_distribution_list_left_empty_is_a_clear_refusal(
    alice: User, bob: User, rita: User, dana: User, api_for: Callable[[User], ApiClient]
) -> None:
    people = dict(alice=alice, bob=bob, rita=rita, dana=dana)
    memo = build(people, "in_scope")
    api = api_for(rita)
    before = snapshot()
    refused(api.post(f"{REVIEW}/{memo.id}/distribute"), 409, "conflict", "list is empty")
    assert snapshot() == before


def test_a_meeting_is_recorded_only_through_its_own_case(
    people: dict[str, User], apis: dict[str, ApiClient]
) -> None:
    """A meeting id under another case's address is unknown there: 404, nothing written."""
    asked, other = build(people, "acknowledged"), build(people, "acknowledged")
    meeting = apis["alice"].post(f"{REVIEW}/{asked.id}/meetings", {"note": "(U) Talk?"}).json()
    before = snapshot()
    wrong = f"{REVIEW}/{other.id}/meetings/{meeting['id']}/record"
    body = {"held_on": "2020-01-01", "outcome": "(U) Done."}
    refused(apis["rita"].post(wrong, body), 404, "not_found", "no such meeting")
    assert snapshot() == before
    right = f"{REVIEW}/{asked.id}/meetings/{meeting['id']}/record"
    assert apis["rita"].post(right, body).status_code == 200
