"""Demo cases (`dissent demo`): neutral, fictional messages brought to every state after
submission — acknowledged, distributed, under review, replied, closed, redirected and not
eligible — through the same actions as the pages, so their events, deadlines and hashes are
real. Also puts sam on the distribution list as "Secretary"."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from dissent.accounts.models import User
from dissent.memos import actions as memo_actions
from dissent.memos import content as memo_text
from dissent.memos.models import Memo, Version
from dissent.review import actions
from dissent.review.models import Case, DistributionListEntry

# In order: each stage includes the steps of those before it.
LADDER = ("acknowledged", "distributed", "under_review", "replied", "closed")


@dataclass(frozen=True)
class DemoCase:
    title: str
    summary: str
    body: str
    recommendations: str
    stage: str  # one of LADDER, "redirected" or "not_eligible"
    drafter: str = "alice"
    signers: tuple[str, ...] = ("bob", "carol")
    names: str = "office"  # who may see the co-signers' names

    def content(self) -> memo_text.MemoContent:
        return memo_text.clean(self.title, self.summary, self.body, self.recommendations)


REPLY = (
    "(U) The review office thanks the drafters for a carefully argued message.\n\n"
    "(U) The policy owners will review the schedule at their next quarterly meeting and "
    "report back to the drafters within sixty days."
)
REJOINDER = "(U) We welcome the review and ask that field offices be consulted before it ends."

CASES = [
    DemoCase(
        title="Publish the criteria for regional travel approvals",
        summary="(U) Travel requests are approved or refused without stated criteria; "
        "publishing them would make decisions consistent across offices.",
        body="(U) Offices in the same region reach different decisions on similar travel "
        "requests.\n\n(U) Staff cannot plan field work without knowing the rules applied.",
        recommendations="(U) Publish the approval criteria and a target response time.",
        stage="acknowledged",
    ),
    DemoCase(
        title="Restore the language-training budget for mid-career officers",
        summary="(U) Cutting mid-career language training saves little and weakens posts "
        "that depend on officers who speak the local language.",
        body="(U) The training budget for mid-career officers was halved this year.\n\n"
        "(SBU) Two posts report that interpreters now attend routine meetings that "
        "officers once handled alone.",
        recommendations="(U) Restore the budget for one year and measure the effect.",
        stage="distributed",
        names="principals",
    ),
    DemoCase(
        title="Extend public comment periods for fictional harbor regulations",
        summary="(U) A ten-day comment period is too short for the small businesses most "
        "affected by the proposed harbor rules.",
        body="(U) The proposed rules change mooring fees for small operators.\n\n"
        "(U) Most operators learned of the proposal after the comment period had closed.",
        recommendations="(U) Reopen comments for thirty days and hold one public session.",
        stage="under_review",
    ),
    DemoCase(
        title="Keep the shared archive of field reports searchable",
        summary="(U) Moving the archive of field reports to offline storage ends the only "
        "way staff can find earlier reporting on a topic.",
        body="(U) The archive is to move to offline storage next quarter.\n\n"
        "(U) Analysts search it daily when preparing briefings.",
        recommendations="(U) Keep the last ten years online and searchable.",
        stage="replied",
        signers=("bob",),
    ),
    DemoCase(
        title="Consult field offices before reorganizing regional desks",
        summary="(U) The planned merger of two regional desks was decided without asking "
        "the field offices it serves.",
        body="(U) Field offices rely on desk officers who know their region.\n\n"
        "(U) A short consultation would surface problems before they are built in.",
        recommendations="(U) Hold a two-week consultation before the merger is final.",
        stage="closed",
    ),
    DemoCase(
        title="My performance rating did not reflect my assignments",
        summary="(U) I disagree with the rating I received this cycle.",
        body="(U) The rating does not reflect the two assignments I completed this year.",
        recommendations="(U) Review my rating.",
        stage="redirected",
        signers=(),
    ),
    DemoCase(
        title="Comments on a draft speech circulated for clearance",
        summary="(U) Edits to a speech draft that is still in clearance.",
        body="(U) The draft speech overstates the results of the pilot program.",
        recommendations="(U) Soften the third paragraph.",
        stage="not_eligible",
        signers=(),
    ),
]


def _fresh(memo: Memo) -> Memo:
    return Memo.objects.get(id=memo.id)


def _case(memo: Memo) -> Case:
    return Case.objects.select_related("memo").get(memo_id=memo.id)


def _submit(demo: DemoCase, people: dict[str, User]) -> Memo:
    drafter = people[demo.drafter]
    memo = memo_actions.do_create_memo(demo.content(), acting_user=drafter)
    if demo.signers:
        emails = [people[name].email for name in demo.signers]
        memo_actions.do_invite(memo, emails, acting_user=drafter)
        for name in demo.signers:
            memo_actions.do_sign(_fresh(memo), version=1, acting_user=people[name])
    return memo_actions.do_submit(
        _fresh(memo), version=1, names_visible_to=demo.names, acting_user=drafter
    )


def _advance(memo: Memo, demo: DemoCase, people: dict[str, User]) -> None:
    rita, dana = people["rita"], people["dana"]
    if demo.stage == "redirected":
        actions.do_redirect(_case(memo), "grievance", acting_user=rita)
        return
    actions.do_acknowledge(_case(memo), acting_user=rita)
    actions.do_assign(_case(memo), rita, acting_user=rita)
    if demo.stage == "not_eligible":
        actions.do_mark_not_eligible(
            _case(memo),
            "(U) A draft still in clearance is not a policy dissent; raise the edits with "
            "the clearing office.",
            acting_user=rita,
        )
        return
    steps = LADDER[1 : LADDER.index(demo.stage) + 1]
    if steps:
        actions.do_decide_scope(_case(memo), "in_scope", acting_user=rita)
    for step in steps:
        if step == "distributed":
            actions.do_distribute(_case(memo), acting_user=rita)
        elif step == "under_review":
            actions.do_start_review(_case(memo), acting_user=rita)
            actions.do_save_reply_draft(_case(memo), REPLY, base_version=0, acting_user=rita)
        elif step == "replied":
            actions.do_comment(
                _case(memo),
                "(U) Worth a discussion at the next staff meeting.",
                acting_user=people["sam"],
            )
            actions.do_approve_and_send_reply(_case(memo), version=1, acting_user=dana)
            actions.do_rejoinder(_case(memo), REJOINDER, acting_user=people[demo.drafter])
        elif step == "closed":
            actions.do_close(_case(memo), acting_user=rita)


def seed_distribution_list(sam: User) -> None:
    if not DistributionListEntry.objects.filter(principal=sam).exists():
        actions.do_add_distribution_entry(sam, "Secretary", position=1, acting_user=None)


def seed_cases() -> list[Memo]:
    """Create each demo case once. Idempotent: a case whose first version (same text, same
    drafter) exists already is left alone, so a second `dissent demo` adds nothing."""
    names = ("alice", "bob", "carol", "rita", "dana", "sam")
    people = {
        u.email.split("@")[0]: u
        for u in User.objects.filter(email__in=[f"{n}@example.org" for n in names])
    }
    if len(people) < len(names):
        raise RuntimeError("seed the personas before the demo cases")
    seed_distribution_list(people["sam"])
    created = []
    for demo in CASES:
        drafter = people[demo.drafter]
        digest = memo_text.content_hash(demo.content())
        if Version.objects.filter(number=1, author=drafter, content_hash=digest).exists():
            continue
        with transaction.atomic():
            memo = _submit(demo, people)
            _advance(memo, demo, people)
        created.append(memo)
    return created
