"""One message from submission to closure through the JSON API: what each role sees at each
step, the event each step records, and that no text reaches an event or an e-mail."""

from __future__ import annotations

from typing import Any

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import PAYLOAD_KEYS, EventType
from dissent.memos.models import Memo
from dissent.memos.states import State
from dissent.review.models import Case
from tests.conftest import ApiClient
from tests.memos.helpers import BODY_SENTINEL, TITLE_SENTINEL, last_event_id, new_events
from tests.review.helpers import (
    COMMENT_SENTINEL,
    NOTE_SENTINEL,
    OUTCOME_SENTINEL,
    REASON_SENTINEL,
    REJOINDER,
    REJOINDER_SENTINEL,
    REPLY,
    REPLY_SENTINEL,
    assert_no_text_in_events_or_mail,
    build,
    submitted,
)

REVIEW = "/api/v1/review"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    return response.json()  # type: ignore[no-any-return]


def one_event(since: int, type: EventType, actor: User, memo: Memo, **payload: object) -> Event:
    events = new_events(since)
    assert [EventType(e.type) for e in events] == [type]
    event = events[0]
    assert event.actor_id == actor.id and event.subject_id == str(memo.id)
    assert set(event.payload) <= PAYLOAD_KEYS[type]
    for key, value in payload.items():
        assert event.payload[key] == value, (key, event.payload)
    return event


def test_from_submission_to_closure(
    apis: dict[str, ApiClient],
    alice: User,
    bob: User,
    rita: User,
    dana: User,
    sam: User,
    pia: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    memo = submitted(alice, bob, names="principals")
    case = f"{REVIEW}/cases/{memo.id}"

    # The queue shows the new message with its title and what is due.
    queue = ok(apis["rita"].get(f"{REVIEW}/cases"))
    (item,) = queue["items"]
    assert item["id"] == str(memo.id) and TITLE_SENTINEL in item["title"]
    assert item["state"] == "submitted" and item["due"]["what"] == "acknowledgment"
    assert item["signature_count"] == 1 and item["officer"] is None
    # Auditors see the same row without the title.
    (audited,) = ok(apis["ian"].get(f"{REVIEW}/cases"))["items"]
    assert audited["title"] is None and audited["due"] == item["due"]

    since = last_event_id()
    detail = ok(apis["rita"].post(f"{case}/assign", {"officer": "me"}))
    assert detail["officer"]["name"] == rita.name
    one_event(since, EventType.OFFICER_ASSIGNED, rita, memo, officer=str(rita.id), previous=None)

    since = last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        detail = ok(apis["rita"].post(f"{case}/acknowledge"))
    assert detail["state"] == "acknowledged" and detail["acknowledged_at"]
    assert "decide_scope" in detail["allowed_actions"]
    one_event(since, EventType.ACKNOWLEDGED, rita, memo, late=False)

    since = last_event_id()
    detail = ok(apis["rita"].post(f"{case}/scope", {"decision": "in_scope"}))
    assert detail["scope"] == "in_scope" and detail["allowed_actions"][0] == "distribute"
    one_event(since, EventType.SCOPE_DECIDED, rita, memo, decision="in_scope", channel=None)

    # Before distribution, sam does not know the message; afterwards it is on his list.
    assert apis["sam"].get(case).status_code == 404
    since = last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        detail = ok(apis["rita"].post(f"{case}/distribute"))
    assert detail["state"] == "distributed"
    assert [(r["name"], r["label"], r["is_extra"]) for r in detail["recipients"]] == [
        (sam.name, "Secretary", False)
    ]
    assert [EventType(e.type) for e in new_events(since)] == [
        EventType.RECIPIENT_ADDED,
        EventType.DISTRIBUTED,
    ]
    reading = ok(apis["sam"].get(f"{REVIEW}/reading-list"))
    assert [i["id"] for i in reading["items"]] == [str(memo.id)]
    assert TITLE_SENTINEL in reading["items"][0]["title"]
    assert ok(apis["pia"].get(f"{REVIEW}/reading-list"))["items"] == []

    # Sam reads it (recorded), sees co-signer names (the drafters chose so), comments.
    text = ok(apis["sam"].get(f"{case}/message"))
    assert BODY_SENTINEL in text["body"] and text["signers"] == [bob.name]
    assert text["caption"] == "DISSENT CHANNEL" and text["banner"] == "UNCLASSIFIED"
    since = last_event_id()
    ok(apis["sam"].post(f"{case}/comments", {"text": f"(U) {COMMENT_SENTINEL}"}), 201)
    one_event(since, EventType.COMMENT_ADDED, sam, memo)
    comments = ok(apis["rita"].get(f"{case}/comments"))["items"]
    assert [c["author"] for c in comments] == [sam.name]

    # The office head adds pia with a reason; the drafters see her and the reason.
    since = last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        added = ok(
            apis["dana"].post(
                f"{case}/recipients",
                {"principal": str(pia.id), "reason": f"(U) {REASON_SENTINEL}"},
            ),
            201,
        )
    assert added["is_extra"] and REASON_SENTINEL in added["reason"]
    one_event(since, EventType.RECIPIENT_ADDED, dana, memo, user=str(pia.id), extra=True)
    log = ok(apis["alice"].get(f"/api/v1/messages/{memo.id}/accesses"))
    assert [r["name"] for r in log["extra_recipients"]] == [pia.name]
    assert [(o["name"], o["role"]) for o in log["items"]] == [(sam.name, "principal")]

    since = last_event_id()
    ok(apis["rita"].post(f"{case}/start-review"))
    one_event(since, EventType.REVIEW_STARTED, rita, memo)

    since = last_event_id()
    draft = ok(apis["rita"].post(f"{case}/reply-drafts", {"base_version": 0, "body": REPLY}), 201)
    assert draft["number"] == 1 and draft["fully_marked"] and draft["banner"] == "UNCLASSIFIED"
    one_event(since, EventType.REPLY_DRAFT_SAVED, rita, memo, version=1, hash=draft["hash"])
    assert Event.objects.get(id=since + 1).commitment  # the log gets a commitment, not text
    # Drafters do not see drafts; the office head approves and sends version 1.
    assert apis["alice"].get(f"{case}/reply-drafts").status_code == 403
    assert ok(apis["alice"].get(case))["reply"] is None
    since = last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        detail = ok(apis["dana"].post(f"{case}/reply", {"version": 1}))
    assert detail["state"] == "replied" and detail["replied_at"]
    one_event(since, EventType.REPLY_SENT, dana, memo, version=1, late=False)

    # The drafters read the reply, ask for a meeting, answer once.
    mine = ok(apis["alice"].get(case))
    assert REPLY_SENTINEL in mine["reply"]["body"] and mine["allowed_actions"] == [
        "rejoinder",
        "request_meeting",
        "report_reprisal",
    ]
    meeting = ok(apis["alice"].post(f"{case}/meetings", {"note": ""}), 201)
    since = last_event_id()
    ok(
        apis["rita"].post(
            f"{case}/meetings/{meeting['id']}/record",
            {
                "held_on": str(Case.objects.get(memo_id=memo.id).received_on),
                "outcome": f"(U) {OUTCOME_SENTINEL}",
            },
        )
    )
    one_event(since, EventType.MEETING_RECORDED, rita, memo, meeting=meeting["id"])
    since = last_event_id()
    rejoinder = ok(apis["alice"].post(f"{case}/rejoinder", {"body": REJOINDER}), 201)
    assert REJOINDER_SENTINEL in rejoinder["body"]
    one_event(since, EventType.REJOINDER_SUBMITTED, alice, memo, hash=rejoinder["hash"])

    ok(apis["rita"].post(f"{case}/notes", {"text": f"(U) {NOTE_SENTINEL}"}), 201)
    assert [n["text"] for n in ok(apis["dana"].get(f"{case}/notes"))["items"]] == [
        f"(U) {NOTE_SENTINEL}"
    ]

    since = last_event_id()
    with django_capture_on_commit_callbacks(execute=True):
        detail = ok(apis["rita"].post(f"{case}/close"))
    assert detail["state"] == "closed" and detail["closed_at"]
    one_event(since, EventType.CASE_CLOSED, rita, memo)
    memo.refresh_from_db()
    assert memo.state == State.CLOSED

    # What each reader sees of the closed case.
    audit = ok(apis["ian"].get(case))
    assert audit["title"] is None and audit["drafters"] is None and audit["signers"] is None
    assert audit["reply"] is None and audit["rejoinder"] is None and audit["scope_note"] is None
    assert audit["signature_count"] == 1 and audit["state"] == "closed"
    assert all(entry["actor"] is None for entry in ok(apis["ian"].get(f"{case}/timeline"))["items"])
    principal = ok(apis["sam"].get(case))
    assert principal["recipients"] is None and principal["meetings"] is None
    assert REPLY_SENTINEL in principal["reply"]["body"] and principal["rejoinder"] is None
    office = ok(apis["rita"].get(case))
    assert REJOINDER_SENTINEL in office["rejoinder"]["body"]
    labels = [e["label"] for e in ok(apis["alice"].get(f"{case}/timeline"))["items"]]
    assert labels[0] == "submitted" and labels[-1] == "case closed"
    assert "internal note added" not in labels and "principal's comment added" not in labels
    office_labels = [e["label"] for e in ok(apis["rita"].get(f"{case}/timeline"))["items"]]
    assert "internal note added" in office_labels
    assert_no_text_in_events_or_mail()


def test_names_stay_with_the_office_when_the_drafters_choose_so(
    apis: dict[str, ApiClient], alice: User, bob: User, rita: User, dana: User
) -> None:
    people = {"alice": alice, "bob": bob, "rita": rita, "dana": dana}
    memo = build(people, "distributed", names="office")
    principal = ok(apis["sam"].get(f"{REVIEW}/cases/{memo.id}/message"))
    assert principal["signers"] is None and principal["signature_count"] == 1
    assert principal["drafters"] == [alice.name]
    office = ok(apis["rita"].get(f"{REVIEW}/cases/{memo.id}/message"))
    assert office["signers"] == [bob.name]
    drafter = ok(apis["alice"].get(f"{REVIEW}/cases/{memo.id}/message"))
    assert drafter["signers"] == [bob.name]
    # A co-signer reads the text but, as on the drafting side, not who else signed or how many.
    cosigner = ok(apis["bob"].get(f"{REVIEW}/cases/{memo.id}/message"))
    assert cosigner["signers"] is None and cosigner["signature_count"] is None


def test_a_redirected_message_names_the_channel_to_its_drafters(
    apis: dict[str, ApiClient], alice: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    memo = submitted(alice, bob)
    with django_capture_on_commit_callbacks(execute=True):
        detail = ok(
            apis["rita"].post(
                f"{REVIEW}/cases/{memo.id}/scope",
                {"decision": "redirected", "channel": "eeo", "note": "(U) Please use EEO."},
            )
        )
    assert detail["state"] == "redirected" and detail["due"] is None
    mine = ok(apis["alice"].get(f"{REVIEW}/cases/{memo.id}"))
    assert mine["scope_channel"] == "eeo" and mine["scope_note"] == "(U) Please use EEO."
    assert [m.to for m in mail.outbox] == [[alice.email]]  # drafters only, not co-signers
    # It leaves the default queue (open cases) but can be asked for.
    assert ok(apis["rita"].get(f"{REVIEW}/cases"))["items"] == []
    listed = ok(apis["rita"].get(f"{REVIEW}/cases", state="redirected"))["items"]
    assert [i["id"] for i in listed] == [str(memo.id)]


def test_reading_a_case_reads_its_row_once_and_an_action_answers_it_fresh(
    people: dict[str, User], apis: dict[str, ApiClient]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    memo = build(people, "distributed")
    with CaptureQueriesContext(connection) as done:
        seen = apis["rita"].get(f"{REVIEW}/cases/{memo.id}").json()
    case_reads = [q for q in done.captured_queries if 'FROM "review_case"' in q["sql"]]
    assert len(case_reads) == 1, [q["sql"] for q in case_reads]
    assert seen["state"] == State.DISTRIBUTED
    # After an action the answer is the case as stored now, not as it was reached.
    started = apis["rita"].post(f"{REVIEW}/cases/{memo.id}/start-review", {}).json()
    assert started["state"] == State.UNDER_REVIEW
    assert started["review_started_at"] is not None
    assert "save_reply_draft" in started["allowed_actions"]
