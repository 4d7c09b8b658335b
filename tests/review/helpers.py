"""Shared by the review tests: cases built at each stage through the real actions, texts
carrying sentinels that must never reach an event or an e-mail, and a snapshot of
everything a review action may write."""

from __future__ import annotations

import json
from typing import Any

from django.core import mail

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.memos.actions import do_sign, do_submit
from dissent.memos.models import Memo
from dissent.review.actions import (
    do_acknowledge,
    do_approve_and_send_reply,
    do_close,
    do_decide_scope,
    do_distribute,
    do_mark_not_eligible,
    do_redirect,
    do_save_reply_draft,
    do_start_review,
)
from dissent.review.models import (
    Case,
    Comment,
    InternalNote,
    Meeting,
    Recipient,
    Rejoinder,
    ReplyVersion,
    ReprisalReport,
)
from tests.memos.helpers import SENTINELS as MEMO_SENTINELS
from tests.memos.helpers import invite, make_memo
from tests.memos.helpers import snapshot as memo_snapshot

REPLY_SENTINEL = "Okapi-reply-3e1f"
REPLY2_SENTINEL = "Okapi-reply-two-77aa"
REJOINDER_SENTINEL = "Tapir-rejoinder-8d21"
NOTE_SENTINEL = "Pangolin-note-44b0"
COMMENT_SENTINEL = "Axolotl-comment-a7c3"
REASON_SENTINEL = "Narwhal-reason-0f9e"
OUTCOME_SENTINEL = "Wombat-outcome-61d5"
REPORT_SENTINEL = "Quoll-report-2c88"
SCOPE_SENTINEL = "Dugong-scope-7a14"
MEETING_SENTINEL = "Kinkajou-meeting-19b3"
SENTINELS = (
    *MEMO_SENTINELS,
    REPLY_SENTINEL,
    REPLY2_SENTINEL,
    REJOINDER_SENTINEL,
    NOTE_SENTINEL,
    COMMENT_SENTINEL,
    REASON_SENTINEL,
    OUTCOME_SENTINEL,
    REPORT_SENTINEL,
    SCOPE_SENTINEL,
    MEETING_SENTINEL,
)

REPLY = f"(U) We have read your message {REPLY_SENTINEL}.\n\n(U) Thank you for writing."
REPLY2 = f"(U) A better reply {REPLY2_SENTINEL}.\n\n(U) Thank you for writing."
REJOINDER = f"(U) We answer the reply {REJOINDER_SENTINEL}."

# Where a case can be, in order, and the intake exits. "in_scope" is ACKNOWLEDGED with the
# scope decided; "under_review" has one reply draft saved (version 1).
LADDER = (
    "submitted",
    "acknowledged",
    "in_scope",
    "distributed",
    "under_review",
    "replied",
    "closed",
)
STAGES = ("draft", *LADDER, "redirected", "not_eligible")
OPEN_STAGES = frozenset(LADDER[:-1])
DISTRIBUTED_STAGES = frozenset(("distributed", "under_review", "replied", "closed"))


def submitted(alice: User, bob: User | None = None, *, names: str = "office") -> Memo:
    """A message by alice, co-signed by bob, submitted."""
    memo = make_memo(alice)
    if bob is not None:
        invite(memo, alice, bob)
        memo.refresh_from_db()
        do_sign(memo, version=1, acting_user=bob)
    memo.refresh_from_db()
    do_submit(memo, version=1, names_visible_to=names, acting_user=alice)
    memo.refresh_from_db()
    return memo


def case_of(memo: Memo) -> Case:
    return Case.objects.select_related("memo").get(memo_id=memo.id)


def build(people: dict[str, User], stage: str, *, names: str = "office") -> Memo:
    """A message by alice with bob's signature, brought to `stage` by rita (officer) and
    dana (office head) through the actions. The distribution list must hold sam."""
    alice, bob, rita, dana = people["alice"], people["bob"], people["rita"], people["dana"]
    if stage == "draft":
        memo = make_memo(alice)
        invite(memo, alice, bob)
        return memo
    memo = submitted(alice, bob, names=names)
    if stage == "redirected":
        do_redirect(case_of(memo), "eeo", f"(U) {SCOPE_SENTINEL}", acting_user=rita)
        return _fresh(memo)
    steps = LADDER[1 : LADDER.index(stage) + 1] if stage in LADDER else ("acknowledged",)
    for step in steps:
        case = case_of(memo)
        if step == "acknowledged":
            do_acknowledge(case, acting_user=rita)
        elif step == "in_scope":
            do_decide_scope(case, "in_scope", acting_user=rita)
        elif step == "distributed":
            do_distribute(case, acting_user=rita)
        elif step == "under_review":
            do_start_review(case, acting_user=rita)
            do_save_reply_draft(case_of(memo), REPLY, base_version=0, acting_user=rita)
        elif step == "replied":
            do_approve_and_send_reply(case, version=1, acting_user=dana)
        elif step == "closed":
            do_close(case, acting_user=rita)
    if stage == "not_eligible":
        do_mark_not_eligible(case_of(memo), f"(U) {SCOPE_SENTINEL}", acting_user=rita)
    return _fresh(memo)


def _fresh(memo: Memo) -> Memo:
    memo.refresh_from_db()
    return memo


def snapshot() -> dict[str, Any]:
    """Everything a review action may write, to prove a refused one wrote nothing."""
    return {
        **memo_snapshot(),
        **review_snapshot(),
    }


def review_snapshot() -> dict[str, Any]:
    """The review tables only (and the event count): cheaper, for loops of requests."""
    return {
        "events": Event.objects.count(),
        "memo_states": sorted(Memo.objects.values_list("id", "state")),
        "cases": sorted(
            Case.objects.values_list(
                "memo_id",
                "state",
                "scope",
                "officer_id",
                "next_due",
                "reply_version_count",
                "sent_reply_id",
                "rejoinder_at",
                "closed_at",
            )
        ),
        "replies": ReplyVersion.objects.count(),
        "rejoinders": Rejoinder.objects.count(),
        "recipients": sorted(Recipient.objects.values_list("case_id", "user_id")),
        "comments": Comment.objects.count(),
        "notes": InternalNote.objects.count(),
        "meetings": sorted(Meeting.objects.values_list("id", "held_on")),
        "reports": ReprisalReport.objects.count(),
    }


def assert_no_text_in_events_or_mail() -> None:
    """No event payload and no e-mail anywhere carries text somebody wrote."""
    dump = json.dumps([e.payload for e in Event.objects.all()])
    dump += "".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
    for sentinel in SENTINELS:
        assert sentinel not in dump, sentinel
