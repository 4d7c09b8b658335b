"""Every review endpoint on a case x every persona x every stage of a case: the status each
must get, the event each successful action records, and nothing written by a refused one.

Personas: alice drafts and bob co-signed the message; oscar is staff outside it; rita is a
review officer and dana the office head; sam is the principal on the distribution list (a
recipient once the message is distributed) and pia a principal who is not; ada administers
and ian audits; anon sends no credentials. Whoever may not know the message gets 404,
exactly as for an unknown id; whoever may know it but not act gets 403; acting out of turn
gets 409 wrong_state.

The expectations below are written out per endpoint (who may, in which stages it works),
not derived from the code's own tables."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import PAYLOAD_KEYS, EventType
from dissent.memos.models import Memo
from dissent.review.models import Case, Meeting, ReplyVersion, ReprisalReport
from tests.conftest import ApiClient
from tests.memos.helpers import last_event_id, new_events
from tests.review.helpers import (
    COMMENT_SENTINEL,
    DISTRIBUTED_STAGES,
    LADDER,
    MEETING_SENTINEL,
    NOTE_SENTINEL,
    OPEN_STAGES,
    OUTCOME_SENTINEL,
    REASON_SENTINEL,
    REJOINDER,
    REPLY2,
    REPORT_SENTINEL,
    SCOPE_SENTINEL,
    STAGES,
    assert_no_text_in_events_or_mail,
    build,
    review_snapshot,
    snapshot,
)

PERSONAS = ("alice", "bob", "oscar", "rita", "dana", "sam", "pia", "ada", "ian")
ALL_STAGES = frozenset(STAGES) - {"draft"}
WITH_PRINCIPALS = frozenset(("distributed", "under_review", "replied"))
MEETING_STAGES = frozenset(("acknowledged", "in_scope", "distributed", "under_review", "replied"))

Body = Callable[[dict[str, User]], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # "{id}" is the message id; "{meeting}" an open meeting of the case
    who: frozenset[str]  # personas the endpoint serves (others who know the case: 403)
    ok: frozenset[str]  # stages in which it works for them (elsewhere: 409)
    body: Body | None = None
    success: int = 200
    event: EventType | None = None
    reprisal: bool = False  # for drafters and co-signers, drafts included
    first: tuple[EventType, ...] = ()  # events recorded before `event` by the same action

    def __str__(self) -> str:
        return self.name


def _officer(people: dict[str, User]) -> dict[str, Any]:
    return {"officer": str(people["rita"].id)}


def _recipient(people: dict[str, User]) -> dict[str, Any]:
    return {"principal": str(people["pia"].id), "reason": f"(U) {REASON_SENTINEL}"}


def _const(data: dict[str, Any]) -> Body:
    return lambda people: data


OFFICE = frozenset({"rita", "dana"})
CASE = "/api/v1/review/cases/{id}"
ENDPOINTS = [
    Endpoint("case", "get", CASE, frozenset({"alice", "rita", "dana", "ian", "sam"}), ALL_STAGES),
    Endpoint(
        "message",
        "get",
        CASE + "/message",
        frozenset({"alice", "bob", "rita", "dana", "sam"}),
        ALL_STAGES,
        event=EventType.MESSAGE_OPENED,
    ),
    Endpoint(
        "timeline",
        "get",
        CASE + "/timeline",
        frozenset({"alice", "rita", "dana", "ian", "sam"}),
        ALL_STAGES,
    ),
    Endpoint(
        "acknowledge",
        "post",
        CASE + "/acknowledge",
        OFFICE,
        frozenset({"submitted"}),
        event=EventType.ACKNOWLEDGED,
    ),
    Endpoint(
        "assign",
        "post",
        CASE + "/assign",
        OFFICE,
        OPEN_STAGES,
        _officer,
        event=EventType.OFFICER_ASSIGNED,
    ),
    Endpoint(
        "scope in",
        "post",
        CASE + "/scope",
        OFFICE,
        frozenset({"acknowledged"}),
        _const({"decision": "in_scope"}),
        event=EventType.SCOPE_DECIDED,
    ),
    Endpoint(
        "scope redirect",
        "post",
        CASE + "/scope",
        OFFICE,
        frozenset({"submitted", "acknowledged"}),
        _const({"decision": "redirected", "channel": "other", "note": f"(U) {SCOPE_SENTINEL}"}),
        event=EventType.SCOPE_DECIDED,
    ),
    Endpoint(
        "distribute",
        "post",
        CASE + "/distribute",
        OFFICE,
        frozenset({"in_scope"}),
        event=EventType.DISTRIBUTED,
        first=(EventType.RECIPIENT_ADDED,),  # sam, the list's one principal
    ),
    Endpoint(
        "add recipient",
        "post",
        CASE + "/recipients",
        frozenset({"dana"}),
        WITH_PRINCIPALS,
        _recipient,
        success=201,
        event=EventType.RECIPIENT_ADDED,
    ),
    Endpoint("comments", "get", CASE + "/comments", frozenset({"rita", "dana", "sam"}), ALL_STAGES),
    Endpoint(
        "comment",
        "post",
        CASE + "/comments",
        frozenset({"sam"}),
        WITH_PRINCIPALS,
        _const({"text": f"(U) {COMMENT_SENTINEL}"}),
        success=201,
        event=EventType.COMMENT_ADDED,
    ),
    Endpoint(
        "start review",
        "post",
        CASE + "/start-review",
        OFFICE,
        frozenset({"distributed"}),
        event=EventType.REVIEW_STARTED,
    ),
    Endpoint("reply drafts", "get", CASE + "/reply-drafts", OFFICE, ALL_STAGES),
    Endpoint(
        "save reply draft",
        "post",
        CASE + "/reply-drafts",
        OFFICE,
        frozenset({"under_review"}),
        _const({"base_version": 1, "body": REPLY2}),
        success=201,
        event=EventType.REPLY_DRAFT_SAVED,
    ),
    Endpoint(
        "send reply",
        "post",
        CASE + "/reply",
        frozenset({"dana"}),
        frozenset({"under_review"}),
        _const({"version": 1}),
        event=EventType.REPLY_SENT,
    ),
    Endpoint(
        "rejoinder",
        "post",
        CASE + "/rejoinder",
        frozenset({"alice"}),
        frozenset({"replied"}),
        _const({"body": REJOINDER}),
        success=201,
        event=EventType.REJOINDER_SUBMITTED,
    ),
    Endpoint(
        "request meeting",
        "post",
        CASE + "/meetings",
        frozenset({"alice", "rita", "dana"}),
        MEETING_STAGES,
        _const({"note": f"(U) {MEETING_SENTINEL}"}),
        success=201,
        event=EventType.MEETING_REQUESTED,
    ),
    Endpoint(
        "record meeting",
        "post",
        CASE + "/meetings/{meeting}/record",
        OFFICE,
        ALL_STAGES,
        _const({"held_on": "2020-01-02", "outcome": f"(U) {OUTCOME_SENTINEL}"}),
        event=EventType.MEETING_RECORDED,
    ),
    Endpoint(
        "close",
        "post",
        CASE + "/close",
        OFFICE,
        frozenset({"replied"}),
        event=EventType.CASE_CLOSED,
    ),
    Endpoint("notes", "get", CASE + "/notes", OFFICE, ALL_STAGES),
    Endpoint(
        "add note",
        "post",
        CASE + "/notes",
        OFFICE,
        ALL_STAGES,
        _const({"text": f"(U) {NOTE_SENTINEL}"}),
        success=201,
        event=EventType.NOTE_ADDED,
    ),
    Endpoint("accesses", "get", "/api/v1/messages/{id}/accesses", frozenset({"alice"}), ALL_STAGES),
    Endpoint(
        "report",
        "post",
        "/api/v1/messages/{id}/reprisal-reports",
        frozenset({"alice", "bob"}),
        frozenset(STAGES),
        _const({"kind": "reprisal", "text": f"(U) {REPORT_SENTINEL}"}),
        success=201,
        event=EventType.REPRISAL_REPORTED,
        reprisal=True,
    ),
    Endpoint(
        "own reports",
        "get",
        "/api/v1/messages/{id}/reprisal-reports",
        frozenset({"alice", "bob"}),
        frozenset(STAGES),
        reprisal=True,
    ),
]


def knows(persona: str, stage: str) -> bool:
    """Who may know the message exists at this stage."""
    if persona in ("alice", "bob"):
        return True
    if stage == "draft":
        return False
    if persona in ("rita", "dana", "ian"):
        return True
    return persona == "sam" and stage in DISTRIBUTED_STAGES


def expected(ep: Endpoint, persona: str, stage: str) -> tuple[int, str | None]:
    if persona == "anon":
        return 401, "unauthenticated"
    if not knows(persona, stage):
        return 404, "not_found"
    if stage == "draft" and not ep.reprisal:
        return 409, "wrong_state"  # its drafters and invitees learn it is not submitted yet
    if persona not in ep.who:
        return 403, "forbidden"
    if stage not in ep.ok:
        return 409, "wrong_state"
    return ep.success, None


Call = Callable[[str, Endpoint, object], Any]


@pytest.fixture
def call(people: dict[str, User], api_for: Callable[[User], ApiClient]) -> Call:
    apis = {name: api_for(user) for name, user in people.items()}
    anon = Client()

    def request(persona: str, ep: Endpoint, memo_id: object) -> Any:
        """One request by `persona` about message `memo_id` (any string: ids may be bad)."""
        try:
            meeting = Meeting.objects.filter(
                case_id=uuid.UUID(str(memo_id)), held_on__isnull=True
            ).first()
        except ValueError:
            meeting = None
        path = ep.path.format(id=memo_id, meeting=meeting.id if meeting else uuid.uuid4())
        body = ep.body(people) if ep.body else {}
        if persona == "anon":
            if ep.method == "get":
                return anon.get(path)
            return anon.post(path, body, content_type="application/json")
        api = apis[persona]
        return api.get(path) if ep.method == "get" else api.post(path, body)

    return request


def make_case(people: dict[str, User], stage: str, *, meeting: bool = True) -> Memo:
    memo = build(people, stage)
    if meeting and stage != "draft":
        # An open meeting request, whatever the stage, for "record meeting" to find.
        Meeting.objects.create(case_id=memo.id, requested_by=people["alice"])
    return memo


def check_event(ep: Endpoint, persona: str, memo: Memo, people: dict[str, User], since: int) -> str:
    """'' if the one expected event was recorded, else what went wrong."""
    events = new_events(since)
    types = [EventType(e.type) for e in events]
    if types != [*ep.first, ep.event]:
        return f"expected {[*ep.first, ep.event]}, got {types}"
    event = events[-1]
    subject = str(memo.id)
    if ep.event is EventType.REPRISAL_REPORTED:
        subject = str(
            ReprisalReport.objects.filter(memo_id=memo.id, reporter=people[persona]).get().id
        )
    problems = []  # the type is checked above
    if event.actor_id != people[persona].id:
        problems.append("actor")
    if event.subject_id != subject:
        problems.append("subject")
    if not set(event.payload) <= PAYLOAD_KEYS[EventType(event.type)]:
        problems.append(f"payload {event.payload}")
    return ", ".join(problems)


@pytest.mark.parametrize("stage", STAGES)
def test_every_endpoint_for_every_persona(stage: str, people: dict[str, User], call: Call) -> None:
    wrong: list[str] = []
    shared = make_case(people, stage)  # reads and refusals change nothing: they share it
    for ep in ENDPOINTS:
        for persona in (*PERSONAS, "anon"):
            status, code = expected(ep, persona, stage)
            writes = status < 400 and ep.event is not None
            fresh = writes and ep.method == "post"
            memo = make_case(people, stage, meeting="{meeting}" in ep.path) if fresh else shared
            before = None if writes else review_snapshot()
            since = last_event_id()
            response = call(persona, ep, memo.id)
            got = (response.status_code, response.json().get("error", {}).get("code"))
            if got != (status, code):
                wrong.append(
                    f"{ep} / {persona}: expected {(status, code)}, got {got}: "
                    f"{response.content[:160]!r}"
                )
                continue
            if not writes:
                if review_snapshot() != before:
                    wrong.append(f"{ep} / {persona}: a {status} wrote something")
                continue
            problem = check_event(ep, persona, memo, people, since)
            if problem:
                wrong.append(f"{ep} / {persona}: {problem}")
    assert wrong == []
    assert_no_text_in_events_or_mail()


def test_unknown_and_malformed_ids_are_not_found_for_everyone(
    people: dict[str, User], call: Call
) -> None:
    memo = build(people, "replied")
    before = snapshot()
    for ep in ENDPOINTS:
        for bad in (uuid.uuid4(), "not-a-uuid", f"{memo.id}0"):
            # Everyone for an unknown id; the insiders for the malformed ones.
            for persona in PERSONAS if isinstance(bad, uuid.UUID) else ("alice", "dana", "sam"):
                response = call(persona, ep, bad)
                assert response.status_code == 404, (ep, persona, bad, response.content[:200])
                assert response.json()["error"]["code"] == "not_found"
            assert call("anon", ep, bad).status_code == 401
    assert snapshot() == before


def test_a_principal_who_may_see_the_case_may_not_acknowledge_it(
    people: dict[str, User], call: Call
) -> None:
    """The brief's example: a principal trying to acknowledge gets 403 (once the message
    is theirs to know; before distribution it does not exist for them: 404)."""
    acknowledge = next(ep for ep in ENDPOINTS if ep.name == "acknowledge")
    memo = build(people, "submitted")
    assert call("sam", acknowledge, memo.id).status_code == 404
    memo = build(people, "distributed")
    response = call("sam", acknowledge, memo.id)
    assert response.status_code == 403
    assert "review office" in response.json()["error"]["message"]


def test_the_recorded_opening_names_the_role(people: dict[str, User], call: Call) -> None:
    message = next(ep for ep in ENDPOINTS if ep.name == "message")
    memo = build(people, "distributed")
    for persona in ("rita", "dana", "sam", "alice", "bob"):
        since = last_event_id()
        assert call(persona, message, memo.id).status_code == 200
        (event,) = new_events(since)
        assert event.type == EventType.MESSAGE_OPENED
        assert event.payload == {"role": people[persona].role}
    assert Event.objects.filter(type=EventType.MESSAGE_OPENED).count() == 5


def test_cases_exist_only_for_submitted_messages(people: dict[str, User]) -> None:
    for stage in STAGES:
        memo = build(people, stage)
        assert Case.objects.filter(memo_id=memo.id).exists() == (stage != "draft")
        if stage in LADDER[LADDER.index("under_review") :]:
            assert ReplyVersion.objects.filter(case_id=memo.id).exists()


LISTS = {
    "/api/v1/review/cases": {"rita", "dana", "ian"},
    "/api/v1/review/reading-list": {"sam", "pia"},
    "/api/v1/review/reprisal-reports": {"dana", "ian"},
}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_lists_for_every_persona(
    path: str, people: dict[str, User], api_for: Callable[[User], ApiClient]
) -> None:
    """Lists are not secrets in themselves: a wrong role gets 403, anonymous 401."""
    build(people, "distributed")
    before = review_snapshot()
    for persona in PERSONAS:
        response = api_for(people[persona]).get(path)
        expected = 200 if persona in LISTS[path] else 403
        assert response.status_code == expected, (persona, response.content[:200])
        if expected == 403:
            assert response.json()["error"]["code"] == "forbidden"
    assert Client().get(path).status_code == 401
    snapshot_after = review_snapshot()
    # Creating each persona's API token is the only write (an event each).
    assert snapshot_after["events"] == before["events"] + len(PERSONAS)
    assert {k: v for k, v in snapshot_after.items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }
