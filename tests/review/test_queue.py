"""The queue and the deadlines stored on each case: receipt date in the organization's time
zone, what is due and when, filters, order, paging, and who may see it. The clock is moved
with time-machine, never slept on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.lib.errors import InvalidInput
from dissent.memos.models import Memo
from dissent.review import queries
from dissent.review.access import Relation
from dissent.review.actions import do_acknowledge, do_assign
from dissent.review.models import Case
from tests.conftest import ApiClient
from tests.memos.helpers import TITLE_SENTINEL
from tests.review.helpers import build, case_of, submitted

NY = ZoneInfo("America/New_York")
QUEUE = "/api/v1/review/cases"
READING = "/api/v1/review/reading-list"


def at(*args: int) -> Any:
    """Freeze the clock at a wall-clock time in Washington."""
    return time_machine.travel(datetime(*args, tzinfo=NY), tick=False)


def test_receipt_late_on_friday_evening_counts_from_friday(alice: User) -> None:
    # 23:30 in Washington is already Saturday in UTC: the organization's date is what counts.
    with at(2026, 3, 6, 23, 30):
        memo = submitted(alice)
    case = case_of(memo)
    assert case.received_on == date(2026, 3, 6)
    assert case.ack_due == date(2026, 3, 10)  # Monday is day 1, Tuesday day 2
    assert case.reply_due == date(2026, 4, 17)
    assert case.reply_due_max == date(2026, 6, 1)  # Memorial Day, 25 May, skipped
    assert case.next_due == case.ack_due and case.profile == "state"


def test_receipt_on_a_saturday_or_a_holiday_counts_from_that_day(alice: User) -> None:
    with at(2026, 3, 7, 10, 0):
        saturday = case_of(submitted(alice))
    assert (saturday.received_on, saturday.ack_due) == (date(2026, 3, 7), date(2026, 3, 10))
    with at(2026, 7, 3, 9, 0):  # Independence Day observed
        holiday = case_of(submitted(alice))
    assert holiday.ack_due == date(2026, 7, 7)


def test_the_eu_profile_runs_feedback_from_the_acknowledgment(
    alice: User, rita: User, settings: SettingsWrapper
) -> None:
    settings.DEADLINE_PROFILE = "eu"
    with at(2026, 5, 29, 12, 0):
        memo = submitted(alice)
    case = case_of(memo)
    assert case.profile == "eu"
    assert (case.ack_due, case.reply_due) == (date(2026, 6, 5), date(2026, 9, 5))
    with at(2026, 5, 31, 12, 0):
        case = do_acknowledge(case, acting_user=rita)
    assert case.reply_due == case.reply_due_max == date(2026, 8, 31)
    assert case.next_due == date(2026, 8, 31)
    settings.DEADLINE_PROFILE = "state"  # a case keeps the profile it was received under
    assert case_of(memo).profile == "eu"


def test_a_late_acknowledgment_is_recorded_as_late(alice: User, rita: User) -> None:
    with at(2026, 3, 9, 9, 0):
        memo = submitted(alice)
    with at(2026, 3, 12, 9, 0):  # due on the 11th
        do_acknowledge(case_of(memo), acting_user=rita)
    event = Event.objects.get(subject_id=str(memo.id), type=EventType.ACKNOWLEDGED)
    assert event.payload == {"due": "2026-03-11", "late": True}


@pytest.fixture
def three(alice: User, rita: User, dana: User) -> list[Memo]:
    """Three messages received on different days; the oldest is acknowledged and assigned
    to dana (its reply is due next), the other two wait for acknowledgment."""
    with at(2026, 3, 2, 10, 0):
        oldest = submitted(alice)
    with at(2026, 3, 4, 10, 0):
        middle = submitted(alice)
    with at(2026, 3, 5, 10, 0):
        newest = submitted(alice)
    with at(2026, 3, 3, 10, 0):
        do_acknowledge(case_of(oldest), acting_user=rita)
        do_assign(case_of(oldest), dana, acting_user=rita)
    return [oldest, middle, newest]


def ids(items: list[Any]) -> list[str]:
    return [str(item.case.memo_id) if hasattr(item, "case") else item["id"] for item in items]


def test_the_queue_puts_what_is_due_soonest_first(
    three: list[Memo], rita: User, api_for: Callable[[User], ApiClient]
) -> None:
    oldest, middle, newest = three
    with at(2026, 3, 9, 9, 0):
        body = api_for(rita).get(QUEUE).json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 50
    assert ids(body["items"]) == [str(middle.id), str(newest.id), str(oldest.id)]
    first, second, third = body["items"]
    assert first["due"] == {
        "what": "acknowledgment",
        "on": "2026-03-06",
        "latest": None,
        "working_days_left": -1,
        "overdue": True,
    }
    assert (first["age_days"], first["age_working_days"]) == (5, 3)
    assert TITLE_SENTINEL in first["title"] and first["state"] == "submitted"
    assert second["due"]["on"] == "2026-03-09" and second["due"]["overdue"] is False
    assert second["due"]["working_days_left"] == 0
    assert third["due"]["what"] == "reply" and third["due"]["on"] == "2026-04-13"
    assert third["due"]["latest"] == "2026-05-26"  # 60 working days, Memorial Day skipped
    assert third["officer"]["name"] == "Dana" and third["state"] == "acknowledged"


def test_queue_filters(
    three: list[Memo], rita: User, dana: User, api_for: Callable[[User], ApiClient]
) -> None:
    oldest, middle, newest = three
    as_rita, as_dana = api_for(rita), api_for(dana)
    with at(2026, 3, 9, 9, 0):
        assert ids(as_rita.get(QUEUE, due_by="2026-03-06").json()["items"]) == [str(middle.id)]
        assert ids(as_rita.get(QUEUE, due_by="2026-03-09").json()["items"]) == [
            str(middle.id),
            str(newest.id),
        ]
        assert ids(as_rita.get(QUEUE, state="acknowledged").json()["items"]) == [str(oldest.id)]
        both = as_rita.client.get(
            QUEUE,
            {"state": ["acknowledged", "submitted"]},
            HTTP_AUTHORIZATION=f"Bearer {as_rita.token}",
        )
        assert both.json()["total"] == 3
        assert ids(as_dana.get(QUEUE, officer="me").json()["items"]) == [str(oldest.id)]
        assert ids(as_rita.get(QUEUE, officer=str(dana.id)).json()["items"]) == [str(oldest.id)]
        assert as_rita.get(QUEUE, officer="me").json()["items"] == []
        assert ids(as_rita.get(QUEUE, officer="none").json()["items"]) == [
            str(middle.id),
            str(newest.id),
        ]
        assert as_rita.get(QUEUE, state="closed").json() == {
            "items": [],
            "total": 0,
            "total_exact": True,
            "page": 1,
            "per_page": 50,
        }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "draft"}, "state"),
        ({"state": "pending"}, "state"),
        ({"due_by": "next week"}, "due_by"),
        ({"due_by": "1773000000"}, "due_by"),
        ({"due_by": "2026-02-30"}, "due_by"),
        ({"page": "0"}, "page"),
        ({"officer": "someone"}, "officer"),
    ],
)
def test_bad_queue_filters_are_refused(
    rita: User, api_for: Callable[[User], ApiClient], params: dict[str, str], field: str
) -> None:
    response = api_for(rita).get(QUEUE, **params)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field


def test_paging_keeps_the_order_across_both_parts(three: list[Memo], rita: User) -> None:
    oldest, middle, newest = three
    Case.objects.filter(memo_id=newest.id).update(state="closed", next_due=None)
    states = ["submitted", "acknowledged", "closed"]
    with at(2026, 3, 9, 9, 0):
        pages = [
            queries.queue(Relation.OFFICER, states=states, page=n, per_page=2) for n in (1, 2, 3)
        ]
    assert [ids(p.items) for p in pages] == [[str(middle.id), str(oldest.id)], [str(newest.id)], []]
    assert {p.total for p in pages} == {3} and pages[0].pages == 2


def test_who_may_see_the_queue(
    three: list[Memo],
    alice: User,
    rita: User,
    dana: User,
    ian: User,
    sam: User,
    ada: User,
    api_for: Callable[[User], ApiClient],
) -> None:
    for user in (rita, dana):
        assert api_for(user).get(QUEUE).json()["total"] == 3
    audited = api_for(ian).get(QUEUE).json()
    assert audited["total"] == 3 and all(item["title"] is None for item in audited["items"])
    for user in (alice, sam, ada):
        response = api_for(user).get(QUEUE)
        assert response.status_code == 403, user
        assert response.json()["error"]["code"] == "forbidden"
    from django.test import Client

    assert Client().get(QUEUE).status_code == 401


def test_counting_stops_at_the_cap_and_so_does_paging(
    three: list[Memo], rita: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive's size must not make every page slower: matches are counted up to a cap."""
    monkeypatch.setattr(queries, "QUEUE_COUNT_CAP", 2)
    with at(2026, 3, 9, 9, 0):
        first = queries.queue(Relation.OFFICER, per_page=1)
        assert (first.total, first.total_exact) == (2, False)
        assert len(queries.queue(Relation.OFFICER, per_page=1, page=2).items) == 1
        with pytest.raises(InvalidInput) as refused:
            queries.queue(Relation.OFFICER, per_page=1, page=3)
        assert refused.value.field == "page" and "narrow the filters" in refused.value.message
        exact = queries.queue(Relation.OFFICER, states=["acknowledged"])
        assert (exact.total, exact.total_exact) == (1, True)


def test_the_reading_list_counts_up_to_its_cap(
    people: dict[str, User],
    api_for: Callable[[User], ApiClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A principal's list grows over the years: like the queue, it is counted up to a cap."""
    memos = [build(people, "distributed") for _ in range(3)]
    as_sam = api_for(people["sam"])
    body = as_sam.get(READING).json()
    assert (body["total"], body["total_exact"]) == (3, True)
    assert [i["id"] for i in body["items"]] == [str(m.id) for m in reversed(memos)]
    monkeypatch.setattr(queries, "READING_COUNT_CAP", 2)
    body = as_sam.get(READING).json()
    assert (body["total"], body["total_exact"]) == (2, False)
    assert len(body["items"]) == 3  # the count is capped, not the list
    assert [
        i.case.memo_id for i in queries.reading_list(people["sam"], page=2, per_page=2).items
    ] == [memos[0].id]
