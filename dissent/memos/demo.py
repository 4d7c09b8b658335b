"""Demo messages (`dissent demo`): neutral, fictional texts in every state the code supports,
written through the same actions as the pages, so their events and hashes are real."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from dissent.accounts.models import User
from dissent.memos import actions
from dissent.memos import content as text
from dissent.memos.models import Memo, Version


@dataclass(frozen=True)
class DemoMessage:
    drafter: str
    title: str
    summary: str
    body: str
    recommendations: str
    # What happens after creation, given the message and the personas by short name.
    then: Callable[[Memo, dict[str, User]], None]

    def content(self, **changes: str) -> text.MemoContent:
        fields = {
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "recommendations": self.recommendations,
            **changes,
        }
        return text.clean(**fields)


def _current(memo: Memo) -> Memo:
    return Memo.objects.get(id=memo.id)


def _sign(memo: Memo, user: User) -> None:
    memo = _current(memo)
    actions.do_sign(memo, version=memo.version_count, acting_user=user)


def _save(memo: Memo, user: User, content: text.MemoContent) -> None:
    memo = _current(memo)
    actions.do_save_version(memo, content, base_version=memo.version_count, acting_user=user)


def _nothing(memo: Memo, people: dict[str, User]) -> None:
    """A draft nobody else has seen yet."""


def _circulating(memo: Memo, people: dict[str, User]) -> None:
    """Carol signed version 1, then the text changed; Bob signed the current version."""
    alice = people["alice"]
    actions.do_invite(memo, [people["bob"].email, people["carol"].email], acting_user=alice)
    _sign(memo, people["carol"])
    _save(memo, alice, VISA.content(body=VISA.body + VISA_ADDENDUM))
    _sign(memo, people["bob"])


def _submitted(memo: Memo, people: dict[str, User]) -> None:
    alice = people["alice"]
    actions.do_invite(memo, [people["bob"].email, people["carol"].email], acting_user=alice)
    _sign(memo, people["bob"])
    _sign(memo, people["carol"])
    memo = _current(memo)
    actions.do_submit(
        memo, version=memo.version_count, names_visible_to="office", acting_user=alice
    )


def _bob_invites_alice(memo: Memo, people: dict[str, User]) -> None:
    """Bob's draft: Alice is asked to co-sign, Carol declined."""
    actions.do_invite(
        memo, [people["alice"].email, people["carol"].email], acting_user=people["bob"]
    )
    actions.do_decline(_current(memo), acting_user=people["carol"])


RETENTION = DemoMessage(
    drafter="alice",
    title="Shorten the retention period for routine consular correspondence",
    summary="(U) The ten-year retention rule for routine consular correspondence costs more "
    "to store than the records are worth; a five-year period would serve every legal need.",
    body="(U) The current records schedule keeps all routine consular correspondence for "
    "ten years, including appointment reminders and general inquiries.\n\n"
    "(U) Storage and review costs have grown each year, and retrieval requests for "
    "records older than five years are rare.\n\n"
    "(SBU) Internal estimates put the annual storage cost above the budget of the "
    "records office itself.",
    recommendations="(U) Adopt a five-year period for routine correspondence and keep the "
    "ten-year period for case files.",
    then=_nothing,
)

VISA = DemoMessage(
    drafter="alice",
    title="Clear the visa processing backlog with a temporary interview pool",
    summary="(U) Applicants at three posts wait months for interviews; a shared pool of "
    "interviewing officers would cut the wait without new hiring.",
    body="(U) Waiting times for routine visa interviews at three fictional posts have "
    "passed 180 days.\n\n"
    "(CUI//SP-PRVCY) Sample case notes show applicants rebooking repeatedly; names are "
    "withheld here.\n\n"
    "(U) Posts with shorter queues have officers available for part of each week.",
    recommendations="(U) Create a temporary interview pool shared across posts for six "
    "months, then review the waiting times.",
    then=_circulating,
)
VISA_ADDENDUM = "\n\n(U) A pilot at one post halved its waiting time in eight weeks."

TRANSLATION = DemoMessage(
    drafter="alice",
    title="Rebid the translation-services contract with quality measures",
    summary="(U) The renewed translation-services contract has no quality measures; the "
    "next award should include them.",
    body="(U) The translation-services contract was renewed without any measure of "
    "accuracy or turnaround.\n\n"
    "(SBU) Offices report re-translating documents in house, which the contract was "
    "meant to avoid.",
    recommendations="(U) Add accuracy sampling and turnaround targets to the next "
    "solicitation, and publish the results to offices.",
    then=_submitted,
)

LIBRARY = DemoMessage(
    drafter="bob",
    title="Keep the regional reference libraries open to local staff",
    summary="(U) Closing the regional reference libraries to locally employed staff "
    "removes a resource they rely on for their daily work.",
    body="(U) A new access rule limits the regional reference libraries to direct-hire "
    "employees.\n\n"
    "(U) Locally employed staff prepare much of the research those libraries support.",
    recommendations="(U) Restore library access for all staff with a building pass.",
    then=_bob_invites_alice,
)

MESSAGES = [RETENTION, VISA, TRANSLATION, LIBRARY]


def seed_messages() -> list[Memo]:
    """Create each demo message once. Idempotent: a message whose first version (same text,
    same drafter) exists already is left alone, so a second `dissent demo` adds nothing."""
    people = {
        u.email.split("@")[0]: u
        for u in User.objects.filter(
            email__in=[f"{n}@example.org" for n in ("alice", "bob", "carol")]
        )
    }
    if len(people) < 3:
        raise RuntimeError("seed the personas (alice, bob, carol) before the demo messages")
    created = []
    for message in MESSAGES:
        drafter = people[message.drafter]
        first = message.content()
        if Version.objects.filter(
            number=1, author=drafter, content_hash=text.content_hash(first)
        ).exists():
            continue
        with transaction.atomic():
            memo = actions.do_create_memo(first, acting_user=drafter)
            message.then(memo, people)
        created.append(memo)
    return created
