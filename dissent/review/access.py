"""The single chokepoint for reaching a submitted message from the review side.

It wraps the drafting side's rules (dissent.memos.access: drafts are known to their drafters
and invitees only) and adds the review readers:

| relation       | who                                    | may know the case exists      |
| -------------- | -------------------------------------- | ----------------------------- |
| office head    | role office_head                       | every submitted message       |
| review officer | role review_officer                    | every submitted message       |
| auditor        | role auditor                           | every submitted message       |
| principal      | role principal with a Recipient row    | messages distributed to them  |
| drafter        | a Drafter row                          | their own messages            |
| co-signer      | an Invitation row (any answer)         | messages they were invited to |

Anyone else — other staff, principals the message was not distributed to, administrators —
gets NotFound, exactly as for an id that never existed. Someone who may know the case but
not do the thing asked gets Forbidden. What each need admits is `ALLOWED` below; auditors
are never admitted to TEXT.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from dissent.accounts.access import parse_uuid
from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.lib.errors import Forbidden, InvalidInput, NotFound, TransitionError
from dissent.memos.models import Drafter, Invitation, Memo
from dissent.review.models import Case, Meeting, Recipient, ReprisalReport


class CaseNeed(enum.Enum):
    METADATA = "metadata"  # state, dates, deadlines, counts, recipients: never text
    TEXT = "text"  # the submitted message's text (opening it is recorded)
    OFFICE = "office"  # intake, assignment, distribution, reply drafts, meetings, notes, closure
    HEAD = "head"  # extra recipients; approving and sending the reply
    COMMENT = "comment"  # a principal's comment to the review office
    DRAFTER = "drafter"  # rejoinder, access log
    MEETING = "meeting"  # asking for a meeting: the office or the drafters


class Relation(enum.StrEnum):
    HEAD = "office_head"
    OFFICER = "review_officer"
    AUDITOR = "auditor"
    RECIPIENT = "principal"
    DRAFTER = "drafter"
    COSIGNER = "co-signer"


OFFICE = frozenset({Relation.HEAD, Relation.OFFICER})
ALLOWED: dict[CaseNeed, frozenset[Relation]] = {
    CaseNeed.METADATA: OFFICE | {Relation.AUDITOR, Relation.RECIPIENT, Relation.DRAFTER},
    CaseNeed.TEXT: OFFICE | {Relation.RECIPIENT, Relation.DRAFTER, Relation.COSIGNER},
    CaseNeed.OFFICE: OFFICE,
    CaseNeed.HEAD: frozenset({Relation.HEAD}),
    CaseNeed.COMMENT: frozenset({Relation.RECIPIENT}),
    CaseNeed.DRAFTER: frozenset({Relation.DRAFTER}),
    CaseNeed.MEETING: OFFICE | {Relation.DRAFTER},
}
REFUSALS: dict[CaseNeed, str] = {
    CaseNeed.METADATA: "co-signers follow the message on its own page, not the review record",
    CaseNeed.TEXT: "your role may see this case's record but never the message text",
    CaseNeed.OFFICE: "only the review office can do this",
    CaseNeed.HEAD: "only the review office head can do this",
    CaseNeed.COMMENT: "only principals the message was distributed to can comment",
    CaseNeed.DRAFTER: "only the message's drafters can do this",
    CaseNeed.MEETING: "only the message's drafters or the review office can ask for a meeting",
}


@dataclass(frozen=True)
class CaseAccess:
    case: Case
    user: User
    relation: Relation
    recipient: Recipient | None = None

    @property
    def memo(self) -> Memo:
        return self.case.memo

    @property
    def is_office(self) -> bool:
        return self.relation in OFFICE

    def may(self, need: CaseNeed) -> bool:
        return self.relation in ALLOWED[need]


def _usable(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _relation(user: User, case: Case) -> tuple[Relation | None, Recipient | None]:
    role = user.role
    if role == Role.OFFICE_HEAD:
        return Relation.HEAD, None
    if role == Role.REVIEW_OFFICER:
        return Relation.OFFICER, None
    if role == Role.AUDITOR:
        return Relation.AUDITOR, None
    if role == Role.PRINCIPAL:
        recipient = Recipient.objects.filter(case=case, user=user).first()
        if recipient is not None:
            return Relation.RECIPIENT, recipient
    if Drafter.objects.filter(memo_id=case.memo_id, user=user).exists():
        return Relation.DRAFTER, None
    if Invitation.objects.filter(memo_id=case.memo_id, user=user).exists():
        return Relation.COSIGNER, None
    return None, None


def _knows_draft(user: User, memo_id: uuid.UUID) -> bool:
    return (
        Drafter.objects.filter(memo_id=memo_id, user=user).exists()
        or Invitation.objects.filter(memo_id=memo_id, user=user).exists()
    )


def access_case_for(user: User, memo_id: object, *, to: CaseNeed = CaseNeed.METADATA) -> CaseAccess:
    """The case of message `memo_id` (a case's id is its message's id) if `user` may `to`."""
    if not _usable(user):
        raise NotFound("no such message")
    memo_uuid = parse_uuid(memo_id, "message")
    case = (
        Case.objects.select_related("memo", "memo__submitted_version", "officer")
        .filter(memo_id=memo_uuid)
        .first()
    )
    if case is None:
        if _knows_draft(user, memo_uuid):
            raise TransitionError("this message has not been submitted yet")
        raise NotFound("no such message")
    relation, recipient = _relation(user, case)
    if relation is None:
        raise NotFound("no such message")
    if relation not in ALLOWED[to]:
        raise Forbidden(REFUSALS[to])
    return CaseAccess(case=case, user=user, relation=relation, recipient=recipient)


def access_meeting_for(access: CaseAccess, meeting_id: object) -> Meeting:
    try:
        return Meeting.objects.get(id=parse_uuid(meeting_id, "meeting"), case=access.case)
    except Meeting.DoesNotExist:
        raise NotFound("no such meeting") from None


def access_memo_to_report(user: User, memo_id: object) -> Memo:
    """The message a reprisal or disclosure report is about: its drafters and invited
    co-signers may report at any time, drafts included."""
    if not _usable(user):
        raise NotFound("no such message")
    memo_uuid = parse_uuid(memo_id, "message")
    memo = Memo.objects.filter(id=memo_uuid).first()
    if memo is None:
        raise NotFound("no such message")
    if _knows_draft(user, memo_uuid):
        return memo
    case = Case.objects.filter(memo_id=memo_uuid).first()
    if case is not None and _relation(user, case)[0] is not None:
        raise Forbidden("only the message's drafters and co-signers can file this report")
    raise NotFound("no such message")


def may_read_reprisal_reports(user: User) -> bool:
    """The office head and auditors. Nobody in a drafter's chain of command: no such role
    exists here."""
    return _usable(user) and user.role in (Role.OFFICE_HEAD, Role.AUDITOR)


def require_reprisal_reader(user: User) -> None:
    if not may_read_reprisal_reports(user):
        raise Forbidden("only the review office head and auditors can read these reports")


def access_report_for(user: User, report_id: object) -> ReprisalReport:
    """A report is visible to the office head, auditors and the person who filed it."""
    if not _usable(user):
        raise NotFound("no such report")
    report = (
        ReprisalReport.objects.select_related("reporter")
        .filter(id=parse_uuid(report_id, "report"))
        .first()
    )
    if report is None or not (may_read_reprisal_reports(user) or report.reporter_id == user.id):
        raise NotFound("no such report")
    return report


def require_queue_reader(user: User) -> Relation:
    """The queue: the office (with titles) and auditors (metadata only)."""
    if _usable(user):
        if user.role == Role.OFFICE_HEAD:
            return Relation.HEAD
        if user.role == Role.REVIEW_OFFICER:
            return Relation.OFFICER
        if user.role == Role.AUDITOR:
            return Relation.AUDITOR
    raise Forbidden("only the review office and auditors can see the queue")


def require_principal(user: User) -> None:
    if not (_usable(user) and user.role == Role.PRINCIPAL):
        raise Forbidden("only principals have a reading list")


def _user_id(value: object, field: str) -> uuid.UUID:
    try:
        return parse_uuid(value, field)
    except NotFound:
        raise InvalidInput(f"{field} must be a user id", field=field) from None


def officer_by_id(user_id: object) -> User:
    """An active member of the review office, to assign a case to."""
    user = User.objects.filter(
        id=_user_id(user_id, "officer"),
        is_active=True,
        role__in=[Role.REVIEW_OFFICER, Role.OFFICE_HEAD],
    ).first()
    if user is None:
        raise InvalidInput("no active review officer has this id", field="officer")
    return user


def principal_by_id(user_id: object) -> User:
    """An active principal, to add as an extra recipient."""
    user = User.objects.filter(
        id=_user_id(user_id, "principal"), is_active=True, role=Role.PRINCIPAL
    ).first()
    if user is None:
        raise InvalidInput("no active principal has this id", field="principal")
    return user
