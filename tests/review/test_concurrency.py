"""Races through the real API on real threads, each with its own database connection: the
conditional updates of dissent.review.actions must give one acknowledgment, one reply and
one rejoinder on SQLite (IMMEDIATE transactions) and PostgreSQL (row locks) alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.memos.models import Memo
from dissent.review.models import Case, Rejoinder, ReplyVersion
from tests.concurrency import racing_api as api
from tests.concurrency import together
from tests.review.helpers import REJOINDER, REPLY, REPLY2, build

pytestmark = pytest.mark.django_db(transaction=True)
REVIEW = "/api/v1/review/cases"


def statuses(responses: list[Any]) -> list[tuple[int, str | None]]:
    return sorted((r.status_code, r.json().get("error", {}).get("code")) for r in responses)


def events(memo: Memo, type: EventType) -> int:
    return Event.objects.filter(subject_id=str(memo.id), type=type).count()


def test_two_officers_acknowledging_at_once_acknowledge_once(people: dict[str, User]) -> None:
    memo = build(people, "submitted")
    as_rita, as_dana = api(people["rita"]), api(people["dana"])
    mail.outbox.clear()
    results = together(
        lambda: as_rita.post(f"{REVIEW}/{memo.id}/acknowledge"),
        lambda: as_dana.post(f"{REVIEW}/{memo.id}/acknowledge"),
    )
    assert statuses(results) == [(200, None), (409, "wrong_state")]
    assert events(memo, EventType.ACKNOWLEDGED) == 1
    case = Case.objects.get(memo_id=memo.id)
    event = Event.objects.get(subject_id=str(memo.id), type=EventType.ACKNOWLEDGED)
    assert case.state == "acknowledged" and case.acknowledged_by_id == event.actor_id
    assert Memo.objects.get(id=memo.id).state == "acknowledged"
    # One notice, after the winner's commit; the loser rolled back and sent none.
    assert [m.to for m in mail.outbox] == [[people["alice"].email]]


def test_two_officers_saving_the_first_reply_draft_at_once_lose_nothing(
    people: dict[str, User],
) -> None:
    memo = build(people, "distributed")
    as_rita, as_dana = api(people["rita"]), api(people["dana"])
    as_rita.post(f"{REVIEW}/{memo.id}/start-review")
    results = together(
        lambda: as_rita.post(
            f"{REVIEW}/{memo.id}/reply-drafts", {"base_version": 0, "body": REPLY}
        ),
        lambda: as_dana.post(
            f"{REVIEW}/{memo.id}/reply-drafts", {"base_version": 0, "body": REPLY2}
        ),
    )
    assert statuses(results) == [(201, None), (409, "conflict")]
    assert ReplyVersion.objects.filter(case_id=memo.id).count() == 1
    assert events(memo, EventType.REPLY_DRAFT_SAVED) == 1
    assert Case.objects.get(memo_id=memo.id).reply_version_count == 1


def test_the_head_sending_the_reply_twice_at_once_sends_it_once(people: dict[str, User]) -> None:
    memo = build(people, "under_review")
    first, second = api(people["dana"]), api(people["dana"])
    results = together(
        lambda: first.post(f"{REVIEW}/{memo.id}/reply", {"version": 1}),
        lambda: second.post(f"{REVIEW}/{memo.id}/reply", {"version": 1}),
    )
    assert statuses(results) == [(200, None), (409, "wrong_state")]
    assert events(memo, EventType.REPLY_SENT) == 1
    assert Case.objects.get(memo_id=memo.id).state == "replied"


def test_a_rejoinder_sent_twice_at_once_is_stored_once(people: dict[str, User]) -> None:
    memo = build(people, "replied")
    first, second = api(people["alice"]), api(people["alice"])
    results = together(
        lambda: first.post(f"{REVIEW}/{memo.id}/rejoinder", {"body": REJOINDER}),
        lambda: second.post(f"{REVIEW}/{memo.id}/rejoinder", {"body": REJOINDER}),
    )
    assert statuses(results) == [(201, None), (409, "wrong_state")]
    assert Rejoinder.objects.filter(case_id=memo.id).count() == 1
    assert events(memo, EventType.REJOINDER_SUBMITTED) == 1
