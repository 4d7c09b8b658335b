"""`dissent demo` seeds neutral, fictional messages in every state, once."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

from dissent.accounts.demo import seed_personas
from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.memos.access import drafted_by, invitations_for
from dissent.memos.demo import MESSAGES, seed_messages
from dissent.memos.models import Memo, Version
from dissent.memos.queries import signature_counts
from dissent.memos.states import InvitationStatus, State
from dissent.notifications.notices import link


def test_demo_messages_cover_every_state_once(db: None) -> None:
    seed_personas("demo-password-for-tests")
    created = seed_messages()
    assert len(created) == len(MESSAGES) == Memo.objects.count()
    alice, bob, carol = (
        User.objects.get(email=f"{n}@example.org") for n in ("alice", "bob", "carol")
    )
    mine = list(drafted_by(alice))
    assert len(mine) == 3
    states = sorted(m.state for m in mine)
    assert states == [State.DRAFT, State.DRAFT, State.SUBMITTED]
    counts = sorted(
        (signature_counts(m)["signed_current"], signature_counts(m)["signed_earlier"]) for m in mine
    )
    assert counts == [(0, 0), (1, 1), (2, 0)]  # quiet draft, circulating, submitted
    submitted = next(m for m in mine if m.state == State.SUBMITTED)
    assert submitted.submitted_signatures.count() == 2
    assert [i.status for i in invitations_for(alice)] == [InvitationStatus.INVITED]
    assert {i.status for i in invitations_for(carol)} == {
        InvitationStatus.SIGNED,
        InvitationStatus.DECLINED,
    }
    assert invitations_for(bob).count() == 2
    assert all(v.fully_marked for v in Version.objects.all())
    assert {v.banner for v in Version.objects.all()} >= {
        "UNCLASSIFIED",
        "SENSITIVE BUT UNCLASSIFIED",
        "CUI//SP-PRVCY",
    }

    events = Event.objects.count()
    assert seed_messages() == []  # a second run adds nothing
    assert Memo.objects.count() == len(MESSAGES) and Event.objects.count() == events


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """`dissent demo` sets DISSENT_BASE_URL and settings.BASE_URL for its port when no base
    URL is configured: both are put back after the test."""
    monkeypatch.setenv("DISSENT_BASE_URL", "")
    monkeypatch.setattr(settings, "BASE_URL", settings.BASE_URL)
    return monkeypatch


def test_demo_command_seeds_messages_and_a_rerun_keeps_them(
    db: None, demo_env: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "Demo messages added: 4" in out.getvalue()
    again = io.StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "Demo messages added: 0" in again.getvalue()
    from dissent.review.demo import CASES  # the demo's review cases are messages too

    assert Memo.objects.count() == 4 + len(CASES)


def test_demo_on_another_port_links_to_that_port(db: None, demo_env: pytest.MonkeyPatch) -> None:
    """`make demo PORT=8123`: e-mail notices must not send people to localhost:8000."""
    out = io.StringIO()
    call_command("demo", "--no-serve", "--port", "8123", stdout=out)
    assert "Open http://localhost:8123/" in out.getvalue()
    assert link("/messages/") == "http://localhost:8123/messages/"
    assert os.environ["DISSENT_BASE_URL"] == "http://localhost:8123"  # for the server it starts


def test_demo_keeps_a_configured_base_url(db: None, demo_env: pytest.MonkeyPatch) -> None:
    demo_env.setenv("DISSENT_BASE_URL", "https://dissent.example.org")
    demo_env.setattr(settings, "BASE_URL", "https://dissent.example.org")
    call_command("demo", "--no-serve", "--port", "8123", stdout=io.StringIO())
    assert link("/messages/") == "https://dissent.example.org/messages/"
