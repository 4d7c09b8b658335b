"""Reports of reprisal or unauthorized disclosure: any drafter or invited co-signer may file
one about the message at any time (drafts included); only the office head, the auditors and
the reporter may read it. There is no chain-of-command role, so it can reach nobody else."""

from __future__ import annotations

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.review.models import ReprisalReport
from tests.conftest import ApiClient
from tests.review.helpers import REPORT_SENTINEL, assert_no_text_in_events_or_mail, build

REPORTS = "/api/v1/review/reprisal-reports"


def test_a_co_signer_reports_on_a_draft_and_only_head_auditor_and_reporter_read_it(
    people: dict[str, User], apis: dict[str, ApiClient]
) -> None:
    memo = build(people, "draft")
    filed = apis["bob"].post(
        f"/api/v1/messages/{memo.id}/reprisal-reports",
        {"kind": "unauthorized_disclosure", "text": f"(U) {REPORT_SENTINEL}"},
    )
    assert filed.status_code == 201, filed.content
    report = filed.json()
    assert report["kind"] == "unauthorized_disclosure" and report["reporter"] == "Bob"
    assert report["message_id"] == str(memo.id)

    for reader in ("dana", "ian"):
        listing = apis[reader].get(REPORTS).json()
        assert [r["id"] for r in listing["items"]] == [report["id"]]
        assert REPORT_SENTINEL in listing["items"][0]["text"]
        assert apis[reader].get(f"{REPORTS}/{report['id']}").status_code == 200
    for other in ("alice", "oscar", "rita", "sam", "pia", "ada"):
        assert apis[other].get(REPORTS).status_code == 403, other
        assert apis[other].get(f"{REPORTS}/{report['id']}").status_code == 404, other
    assert apis["bob"].get(REPORTS).status_code == 403
    assert apis["bob"].get(f"{REPORTS}/{report['id']}").json()["text"] == f"(U) {REPORT_SENTINEL}"
    # The drafter does not see her co-signer's report; each sees their own.
    mine = apis["alice"].get(f"/api/v1/messages/{memo.id}/reprisal-reports").json()
    assert mine["items"] == []
    his = apis["bob"].get(f"/api/v1/messages/{memo.id}/reprisal-reports").json()
    assert [r["id"] for r in his["items"]] == [report["id"]]

    event = Event.objects.get(type=EventType.REPRISAL_REPORTED)
    assert event.subject_id == report["id"]  # not the message: its timeline never shows it
    assert event.payload == {"kind": "unauthorized_disclosure", "message": str(memo.id)}
    assert_no_text_in_events_or_mail()


def test_who_may_file_a_report(people: dict[str, User], apis: dict[str, ApiClient]) -> None:
    memo = build(people, "distributed")
    url = f"/api/v1/messages/{memo.id}/reprisal-reports"
    body = {"kind": "reprisal", "text": "(U) It happened."}
    for persona, status in (
        ("alice", 201),
        ("bob", 201),
        ("oscar", 404),
        ("pia", 404),
        ("ada", 404),
        ("rita", 403),
        ("dana", 403),
        ("ian", 403),
        ("sam", 403),
    ):
        response = apis[persona].post(url, body)
        assert response.status_code == status, (persona, response.content)
    assert ReprisalReport.objects.count() == 2
    bad = apis["alice"].post(url, {"kind": "complaint", "text": "(U) x"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "kind"
    empty = apis["alice"].post(url, {"kind": "reprisal", "text": " "})
    assert empty.status_code == 400 and empty.json()["error"]["field"] == "text"
    assert ReprisalReport.objects.count() == 2
    for persona in ("alice", "rita", "dana", "sam"):
        labels = [e["label"] for e in apis[persona].get(f"/api/v1/review/cases/{memo.id}/timeline")
                  .json()["items"]]  # fmt: skip
        assert "reprisal or disclosure reported" not in labels, persona
