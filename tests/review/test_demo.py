"""`dissent demo` adds a case in every state after submission, once, through the actions."""

from __future__ import annotations

import io

from django.core.management import call_command

from dissent.accounts.demo import seed_personas
from dissent.events.models import Event
from dissent.memos.demo import seed_messages
from dissent.memos.states import State
from dissent.review.demo import CASES, seed_cases
from dissent.review.models import Case, DistributionListEntry, Recipient, Rejoinder


def test_demo_cases_cover_every_state_after_submission_once(db: None) -> None:
    seed_personas("demo-password-for-tests")
    seed_messages()
    created = seed_cases()
    assert len(created) == len(CASES)
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(State) - {State.DRAFT}  # the drafting demo's own is "submitted"
    entry = DistributionListEntry.objects.get()
    assert (entry.principal.email, entry.label) == ("sam@example.org", "Secretary")
    # distributed, under review, replied, closed
    assert Recipient.objects.filter(user=entry.principal).count() == 4
    assert Rejoinder.objects.count() == 2  # the replied and the closed case
    redirected = Case.objects.get(state=State.REDIRECTED)
    assert redirected.scope_channel == "grievance"
    replied = Case.objects.filter(state__in=[State.REPLIED, State.CLOSED])
    assert not replied.filter(sent_reply__isnull=True).exists()

    events = Event.objects.count()
    assert seed_cases() == []  # a second run adds nothing
    assert Event.objects.count() == events and Case.objects.count() == len(CASES) + 1


def test_demo_command_reports_the_cases(db: None) -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert f"Demo review cases added: {len(CASES)}" in out.getvalue()
    again = io.StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "Demo review cases added: 0" in again.getvalue()
