"""`dissent demo` seeds neutral, fictional messages in every state, once."""

from __future__ import annotations

import io

from django.core.management import call_command

from dissent.accounts.demo import seed_personas
from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.memos.access import drafted_by, invitations_for
from dissent.memos.demo import MESSAGES, seed_messages
from dissent.memos.models import Memo, Version
from dissent.memos.queries import signature_counts
from dissent.memos.states import InvitationStatus, State


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


def test_demo_command_seeds_messages_and_a_rerun_keeps_them(db: None) -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "Demo messages added: 4" in out.getvalue()
    again = io.StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "Demo messages added: 0" in again.getvalue()
    from dissent.review.demo import CASES  # the demo's review cases are messages too

    assert Memo.objects.count() == 4 + len(CASES)
