"""Inviting co-signers by e-mail in bulk: the report says exactly who was invited, who
already was, who was not found and who may not co-sign; nobody is invited twice."""

from __future__ import annotations

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.ledger.models import LogEntry
from dissent.memos.models import Invitation
from tests.memos.helpers import (
    Api,
    add_codrafter,
    assert_event,
    error,
    invite,
    last_event_id,
    make_memo,
    new_events,
    snapshot,
    url,
)


def _people(prefix: str, n: int, role: Role = Role.STAFF, active: bool = True) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"{prefix}{i:04}@example.org", role=role, is_active=active) for i in range(n)
    )


def test_inviting_a_thousand_addresses(alice: User, cora: User, api_for: Api) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    staff = _people("staff", 700)
    officers = _people("officer", 20, Role.REVIEW_OFFICER)
    gone = _people("gone", 10, active=False)
    earlier = staff[:50]
    invite(memo, alice, *earlier)
    unknown = [f"nobody{i:04}@example.org" for i in range(200)]
    # 1,000 lines: 700 staff (50 of them invited before), 20 officers, 10 deactivated,
    # 2 drafters, 200 unknown, and 68 repeats of earlier lines in other spellings.
    emails = (
        [u.email for u in staff]
        + [u.email for u in officers]
        + [u.email for u in gone]
        + [alice.email, cora.email]
        + unknown
    )
    repeats = [f"  {e.upper()} " for e in emails[100:168]]
    lines = emails + repeats
    assert len(lines) == 1000

    as_alice = api_for(alice)
    since = last_event_id()
    response = as_alice.post(url(memo, "/invite"), {"emails": lines})
    assert response.status_code == 200, response.content[:300]
    report = response.json()
    assert sorted(report["invited"]) == sorted(u.email for u in staff[50:])
    assert sorted(report["already_invited"]) == sorted(u.email for u in earlier)
    assert sorted(report["not_found"]) == sorted(unknown)
    assert sorted(report["not_allowed"]) == sorted(
        [u.email for u in officers + gone] + [alice.email, cora.email]
    )
    assert Invitation.objects.filter(memo=memo).count() == 700
    events = new_events(since)
    assert len(events) == 650
    # Recorded in bulk, and each one is in the tamper-evident log.
    assert LogEntry.objects.filter(event__in=events).count() == 650
    assert {e.payload["user"] for e in events} == {str(u.id) for u in staff[50:]}
    assert_event(events[0], EventType.INVITED, alice, memo, user=events[0].payload["user"])

    # the same list again invites nobody
    before = snapshot()
    second = as_alice.post(url(memo, "/invite"), {"emails": lines}).json()
    assert second["invited"] == [] and len(second["already_invited"]) == 700
    assert snapshot() == before
    assert Event.objects.filter(type=EventType.INVITED, subject_id=str(memo.id)).count() == 700


def test_the_limit_is_two_thousand_addresses_a_request(alice: User, api_for: Api) -> None:
    memo = make_memo(alice)
    api = api_for(alice)
    before = snapshot()
    response = api.post(
        url(memo, "/invite"), {"emails": [f"p{i}@example.org" for i in range(2001)]}
    )
    assert response.status_code == 400
    err = error(response)
    assert err["field"] == "emails" and "2000" in err["message"]
    for bad in (
        {"emails": []},
        {"emails": "bob@example.org"},
        {},
        {"emails": ["x" * 250 + "@example.org"]},
        {"emails": ["  ", ""]},
    ):
        refused = api.post(url(memo, "/invite"), bad)
        assert refused.status_code == 400, bad
        assert error(refused)["field"].startswith("emails"), bad
    assert snapshot() == before
