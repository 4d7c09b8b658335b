"""What administrators manage for the review office in the admin: office closures (which
move the running deadlines of open cases) and the fixed distribution list. Both go through
the actions, so each change is an event; nobody but administrators gets in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.review.actions import do_acknowledge, do_add_closure, do_remove_closure
from dissent.review.models import Closure, DistributionListEntry
from tests.review.helpers import build, case_of, submitted

NY = ZoneInfo("America/New_York")


def admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_adds_and_removes_a_closure_and_deadlines_follow(
    ada: User, alice: User, rita: User
) -> None:
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=NY), tick=False):
        waiting = submitted(alice)  # acknowledgment due Tue 10 March
        acknowledged = submitted(alice)
        do_acknowledge(case_of(acknowledged), acting_user=rita)
    before = case_of(acknowledged)
    client = admin_client(ada)
    response = client.post(
        "/admin/review/closure/add/", {"date": "2026-03-09", "reason": "Snow", "_save": "Save"}
    )
    assert response.status_code == 302, response.content[:500]
    closure = Closure.objects.get()
    assert (closure.date, closure.reason, closure.created_by) == (date(2026, 3, 9), "Snow", ada)
    moved = case_of(waiting)
    assert moved.ack_due == date(2026, 3, 11) and moved.next_due == date(2026, 3, 11)
    assert moved.reply_due == date(2026, 4, 20)
    after = case_of(acknowledged)
    assert after.ack_due == before.ack_due  # met already: history stays as it was
    assert after.reply_due == date(2026, 4, 20) and after.next_due == after.reply_due
    event = Event.objects.get(type=EventType.CLOSURE_ADDED)
    assert (event.actor_id, event.payload) == (ada.id, {"date": "2026-03-09", "cases": 2})

    response = client.post(f"/admin/review/closure/{closure.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Closure.objects.exists()
    assert case_of(waiting).ack_due == date(2026, 3, 10)
    assert case_of(acknowledged).reply_due == date(2026, 4, 17)
    removed = Event.objects.get(type=EventType.CLOSURE_REMOVED)
    assert removed.payload == {"date": "2026-03-09", "cases": 2}


def test_closures_outside_a_case_window_or_after_the_reply_move_nothing(
    alice: User, bob: User, rita: User, dana: User, sam: User, distribution_list: None
) -> None:
    people = dict(alice=alice, bob=bob, rita=rita, dana=dana, sam=sam)
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=NY), tick=False):
        replied = build(people, "replied")
        waiting = submitted(alice)
    before_replied, before_waiting = case_of(replied), case_of(waiting)
    do_add_closure(date(2026, 3, 20), "A local holiday", acting_user=None)
    assert case_of(replied).reply_due == before_replied.reply_due  # answered already
    assert case_of(waiting).ack_due == before_waiting.ack_due  # after its acknowledgment
    assert case_of(waiting).reply_due == date(2026, 4, 20)
    assert case_of(waiting).reply_due_max == date(2026, 6, 2)
    closure = do_add_closure(date(2026, 12, 1), "Far away", acting_user=None)
    assert case_of(waiting).reply_due_max == date(2026, 6, 2)
    assert Event.objects.filter(type=EventType.CLOSURE_ADDED).last().payload["cases"] == 0
    do_remove_closure(closure, acting_user=None)
    assert Event.objects.filter(type=EventType.CLOSURE_REMOVED).get().payload["cases"] == 0


def test_an_administrator_manages_the_distribution_list(ada: User, sam: User, rita: User) -> None:
    client = admin_client(ada)
    response = client.post(
        "/admin/review/distributionlistentry/add/",
        {"principal": str(sam.id), "label": "Secretary", "position": "1", "_save": "Save"},
    )
    assert response.status_code == 302, response.content[:500]
    entry = DistributionListEntry.objects.get()
    assert (entry.principal, entry.label) == (sam, "Secretary")
    # Only active principals may be chosen.
    refused = client.post(
        "/admin/review/distributionlistentry/add/",
        {"principal": str(rita.id), "label": "Officer", "position": "2", "_save": "Save"},
    )
    assert refused.status_code == 200 and DistributionListEntry.objects.count() == 1
    client.post(
        f"/admin/review/distributionlistentry/{entry.id}/change/",
        {"label": "Secretary of State", "position": "1", "_save": "Save"},
    )
    assert DistributionListEntry.objects.get().label == "Secretary of State"
    client.post(f"/admin/review/distributionlistentry/{entry.id}/delete/", {"post": "yes"})
    assert not DistributionListEntry.objects.exists()
    changes = Event.objects.filter(type=EventType.DISTRIBUTION_LIST_CHANGED).order_by("id")
    assert [(e.actor_id, e.payload["change"]) for e in changes] == [
        (ada.id, "added"),
        (ada.id, "changed"),
        (ada.id, "removed"),
    ]
    assert {e.payload["user"] for e in changes} == {str(sam.id)}


def test_nobody_but_administrators_opens_these_pages(rita: User, dana: User, ian: User) -> None:
    for user in (rita, dana, ian):
        client = admin_client(user)
        for path in ("/admin/review/closure/", "/admin/review/distributionlistentry/"):
            response = client.get(path)
            assert response.status_code in (302, 403), (user, path, response.status_code)
            assert b"Snow" not in response.content
