"""Read-only questions about cases, for the review pages and the API (no state changes).

Functions that return text take a CaseAccess the caller got from dissent.review.access with
the right need; none of them records anything — opening the message text is recorded by
actions.do_record_opening, which the door that shows the text calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from django.db.models import QuerySet

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.lib.errors import InvalidInput
from dissent.lib.workdays import working_days_between
from dissent.memos import content as memo_text
from dissent.memos.models import Drafter, Memo, SubmittedSignature
from dissent.memos.states import NamesVisibleTo, State
from dissent.review import content as text
from dissent.review.access import OFFICE, CaseAccess, Relation
from dissent.review.calendar import closure_dates, today
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
from dissent.review.states import MEETING_STATES, OPEN_STATES, WITH_PRINCIPALS, DueKind, Scope
from dissent.review.states import due_kind as _due_kind

T = TypeVar("T")
PAGE_SIZE = 50
QUEUE_COUNT_CAP = 10_000
READING_COUNT_CAP = 10_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    total_exact: bool = True  # False: there are more than `total` (see the *_COUNT_CAPs)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# --------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Due:
    """What the office owes next on a case, and by when."""

    what: DueKind
    on: date
    latest: date | None  # the reply's outer limit (60 working days); None for acknowledgment
    working_days_left: int  # from today; negative once overdue
    overdue: bool


def due_of(
    case: Case, *, on: date | None = None, closures: frozenset[date] | None = None
) -> Due | None:
    return due_from(
        case.state,
        case.ack_due,
        case.reply_due,
        case.reply_due_max,
        on=on or today(),
        closures=closure_dates() if closures is None else closures,
    )


def due_from(
    state: str,
    ack_due: date,
    reply_due: date,
    reply_due_max: date,
    *,
    on: date,
    closures: frozenset[date],
) -> Due | None:
    """What is due in `state` given the case's stored dates (read as plain values by the
    queue page, from a Case by due_of)."""
    kind = _due_kind(state)
    if kind is None:
        return None
    due_on = ack_due if kind is DueKind.ACKNOWLEDGMENT else reply_due
    return Due(
        what=kind,
        on=due_on,
        latest=reply_due_max if kind is DueKind.REPLY else None,
        working_days_left=working_days_between(on, due_on, closures),
        overdue=on > due_on,
    )


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueItem:
    case: Case
    title: str | None  # None for auditors: they never see text
    banner: str
    age_days: int
    age_working_days: int
    due: Due | None


def queue(
    viewer: Relation,
    *,
    states: Sequence[str] | None = None,
    due_by: date | None = None,
    officer: uuid.UUID | None = None,
    unassigned: bool = False,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Page[QueueItem]:
    """The intake and review queue. Cases with something due come first, soonest due first;
    then the rest, newest first. `due_by` keeps cases due on or before that date (overdue
    included); `states` defaults to the open states. Every filter and both orders run on an
    index of Case, so a page costs the same at 100 or 100,000 messages; matches are counted
    up to QUEUE_COUNT_CAP (beyond it `total_exact` is False and paging stops there)."""
    page = max(1, page)
    start, end = (page - 1) * per_page, page * per_page
    if start >= QUEUE_COUNT_CAP:
        raise InvalidInput(
            f"only the first {QUEUE_COUNT_CAP:,} matches can be paged through; narrow the "
            "filters (state, due date, officer)",
            field="page",
        )
    wanted = list(states or OPEN_STATES)
    # Case.next_due is set exactly in the states where something is due (actions._move), so
    # the two parts split by state: each part's filter then reads only its own index range,
    # and neither scans the archive of closed cases to find the open ones (or the reverse).
    due_states = [s for s in wanted if _due_kind(s) is not None]
    other_states = [s for s in wanted if _due_kind(s) is None]
    rows = Case.objects.all()
    if officer is not None:
        rows = rows.filter(officer_id=officer)
    elif unassigned:
        rows = rows.filter(officer__isnull=True)
    # No join on the officer here: SQLite would otherwise start from the users table and
    # sort every match. Officers of the page are fetched by id below.
    rows = rows.select_related("memo__submitted_version")
    due_rows = rows.filter(state__in=due_states, next_due__isnull=False)
    if due_by is not None:
        due_rows = due_rows.filter(next_due__lte=due_by)
    due_rows = due_rows.order_by("next_due", "received_at", "memo_id")
    other_rows = rows.filter(state__in=other_states).order_by("-received_at", "-memo_id")
    if due_by is not None or not other_states:
        other_rows = other_rows.none()
    if not due_states:
        due_rows = due_rows.none()
    # Counting stops at the cap: a count over an ever-growing archive would make every page
    # slower as the years go by.
    due_total = due_rows[: QUEUE_COUNT_CAP + 1].count()
    total = due_total
    if total <= QUEUE_COUNT_CAP:
        total += other_rows[: QUEUE_COUNT_CAP + 1 - due_total].count()
    cases = list(due_rows[start:end]) if start < due_total else []
    if len(cases) < per_page:
        cases += list(other_rows[max(0, start - due_total) : end - due_total])
    day, closures = today(), closure_dates()
    officers = User.objects.in_bulk({case.officer_id for case in cases if case.officer_id})
    items = []
    for case in cases:
        case.officer = officers.get(case.officer_id)  # type: ignore[assignment]
        version = case.memo.submitted_version
        received = case.received_on
        items.append(
            QueueItem(
                case=case,
                title=memo_text.read(version).title if viewer in OFFICE and version else None,
                banner=version.banner if version else "",
                age_days=(day - received).days,
                age_working_days=working_days_between(received, day, closures),
                due=due_of(case, on=day, closures=closures),
            )
        )
    exact = total <= QUEUE_COUNT_CAP
    return Page(
        items=items,
        total=min(total, QUEUE_COUNT_CAP),
        page=page,
        per_page=per_page,
        total_exact=exact,
    )


# --------------------------------------------------------------------------- one case


def fresh_case(case: Case) -> Case:
    """The case as stored now (an action may just have changed it)."""
    return Case.objects.select_related("memo", "memo__submitted_version", "officer").get(
        memo_id=case.memo_id
    )


def submitted_text(access: CaseAccess) -> memo_text.MemoContent:
    """The exact submitted text. The caller must record the opening (do_record_opening)."""
    version = access.memo.submitted_version
    assert version is not None  # a case exists only for a submitted message
    return memo_text.read(version)


def scope_note(case: Case) -> str:
    return text.read_text(text.TextKind.SCOPE_NOTE, case.scope_note)


def drafter_names(case: Case) -> list[str]:
    rows = Drafter.objects.filter(memo_id=case.memo_id).select_related("user")
    return [d.user.name for d in rows.order_by("-is_owner", "added_at")]


def signer_names(access: CaseAccess) -> list[str] | None:
    """Co-signers of the submitted version, by name — or None where the viewer may see only
    the count: auditors and co-signers always (the drafting side shows invitees no one
    else's signature either), principals unless the drafters chose to show them."""
    if access.relation in (Relation.AUDITOR, Relation.COSIGNER):
        return None
    if (
        access.relation is Relation.RECIPIENT
        and access.memo.names_visible_to != NamesVisibleTo.PRINCIPALS
    ):
        return None
    rows = SubmittedSignature.objects.filter(memo_id=access.case.memo_id).select_related("user")
    return [s.user.name for s in rows.order_by("signed_at", "id")]


@dataclass(frozen=True)
class RecipientView:
    user_id: uuid.UUID
    name: str
    label: str
    is_extra: bool
    reason: str  # the office head's reason for an extra recipient; "" otherwise
    added_at: datetime


def recipients_of(case: Case) -> list[RecipientView]:
    rows = Recipient.objects.filter(case=case).select_related("user").order_by("added_at", "id")
    return [
        RecipientView(
            user_id=r.user_id,
            name=r.user.name,
            label=r.label,
            is_extra=r.is_extra,
            reason=text.read_text(text.TextKind.RECIPIENT_REASON, r.reason),
            added_at=r.added_at,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class MeetingView:
    id: uuid.UUID
    requested_by: str
    requested_at: datetime
    note: str
    held_on: date | None
    outcome: str
    recorded_by: str | None


def meetings_of(case: Case) -> list[MeetingView]:
    rows = Meeting.objects.filter(case=case).select_related("requested_by", "recorded_by")
    return [
        MeetingView(
            id=m.id,
            requested_by=m.requested_by.name,
            requested_at=m.requested_at,
            note=text.read_text(text.TextKind.MEETING_REQUEST, m.request_note),
            held_on=m.held_on,
            outcome=text.read_text(text.TextKind.MEETING_OUTCOME, m.outcome),
            recorded_by=m.recorded_by.name if m.recorded_by else None,
        )
        for m in rows.order_by("requested_at")
    ]


@dataclass(frozen=True)
class Written:
    """A comment or an internal note."""

    id: int
    author: str
    at: datetime
    text: str


def comments_for(access: CaseAccess) -> list[Written]:
    """The office reads every comment; a principal reads their own."""
    rows: QuerySet[Comment] = Comment.objects.filter(case=access.case).select_related("author")
    if access.relation not in OFFICE:
        rows = rows.filter(author=access.user)
    return [
        Written(c.id, c.author.name, c.created_at, text.read_text(text.TextKind.COMMENT, c.text))
        for c in rows
    ]


def notes_of(case: Case) -> list[Written]:
    rows = InternalNote.objects.filter(case=case).select_related("author")
    return [
        Written(n.id, n.author.name, n.created_at, text.read_text(text.TextKind.NOTE, n.text))
        for n in rows
    ]


@dataclass(frozen=True)
class ReplyView:
    number: int
    author: str
    created_at: datetime
    hash: str
    banner: str
    fully_marked: bool
    body: str


def _reply_view(version: ReplyVersion) -> ReplyView:
    return ReplyView(
        number=version.number,
        author=version.author.name,
        created_at=version.created_at,
        hash=version.content_hash,
        banner=version.banner,
        fully_marked=version.fully_marked,
        body=text.read_reply(version.content),
    )


def reply_drafts(case: Case) -> list[ReplyView]:
    """Every saved draft of the reply, oldest first (the office only)."""
    rows = ReplyVersion.objects.filter(case=case).select_related("author").order_by("number")
    return [_reply_view(v) for v in rows]


def sent_reply(case: Case) -> ReplyView | None:
    if case.sent_reply_id is None:
        return None
    return _reply_view(ReplyVersion.objects.select_related("author").get(id=case.sent_reply_id))


@dataclass(frozen=True)
class RejoinderView:
    author: str
    created_at: datetime
    hash: str
    banner: str
    body: str


def rejoinder_of(case: Case) -> RejoinderView | None:
    row = Rejoinder.objects.filter(case=case).select_related("author").first()
    if row is None:
        return None
    return RejoinderView(
        author=row.author.name,
        created_at=row.created_at,
        hash=row.content_hash,
        banner=row.banner,
        body=text.read_rejoinder(row.content),
    )


# --------------------------------------------------------------------------- transparency


@dataclass(frozen=True)
class Opening:
    name: str
    role: str
    at: datetime


def openings_of(memo: Memo) -> QuerySet[Event]:
    """The recorded openings of the submitted text, newest first (index event_subject_idx)."""
    return Event.objects.filter(subject_id=str(memo.id), type=EventType.MESSAGE_OPENED).order_by(
        "-id"
    )


def access_log(memo: Memo, *, limit: int | None = None) -> list[Opening]:
    """Every opening of the submitted text (or the latest `limit`): who, in which role, when
    (newest first)."""
    rows = openings_of(memo).select_related("actor")
    return [
        Opening(
            name=e.actor.name if e.actor else "unknown",
            role=str(e.payload.get("role", "")),
            at=e.at,
        )
        for e in (rows if limit is None else rows[:limit])
    ]


# Which events each reader sees on a case's timeline (openings have their own list).
_PUBLIC = {
    EventType.SUBMITTED,
    EventType.ACKNOWLEDGED,
    EventType.SCOPE_DECIDED,
    EventType.DISTRIBUTED,
    EventType.REVIEW_STARTED,
    EventType.REPLY_SENT,
    EventType.CASE_CLOSED,
}
_DRAFTERS = _PUBLIC | {
    EventType.RECIPIENT_ADDED,
    EventType.REJOINDER_SUBMITTED,
    EventType.MEETING_REQUESTED,
    EventType.MEETING_RECORDED,
}
_OFFICE = _DRAFTERS | {
    EventType.OFFICER_ASSIGNED,
    EventType.COMMENT_ADDED,
    EventType.REPLY_DRAFT_SAVED,
    EventType.NOTE_ADDED,
}
TIMELINE_TYPES: dict[Relation, frozenset[EventType]] = {
    Relation.HEAD: frozenset(_OFFICE),
    Relation.OFFICER: frozenset(_OFFICE),
    Relation.AUDITOR: frozenset(_OFFICE | {EventType.MESSAGE_OPENED}),
    Relation.DRAFTER: frozenset(_DRAFTERS),
    Relation.RECIPIENT: frozenset(_PUBLIC - {EventType.SCOPE_DECIDED}),
    Relation.COSIGNER: frozenset(),
}


@dataclass(frozen=True)
class TimelineEntry:
    type: int
    label: str
    at: datetime
    actor: str | None  # None for auditors: they see roles, not names
    actor_role: str | None


def timeline(access: CaseAccess) -> list[TimelineEntry]:
    types = TIMELINE_TYPES[access.relation]
    rows = Event.objects.filter(
        subject_id=str(access.case.memo_id), type__in=[int(t) for t in types]
    ).select_related("actor")
    hide_names = access.relation is Relation.AUDITOR
    return [
        TimelineEntry(
            type=e.type,
            label=EventType(e.type).label,
            at=e.at,
            actor=None if hide_names or e.actor is None else e.actor.name,
            actor_role=e.actor.role if e.actor else None,
        )
        for e in rows.order_by("id")
    ]


# --------------------------------------------------------------------------- what may be done


def allowed_actions(
    access: CaseAccess, *, meetings: Sequence[MeetingView] | None = None
) -> list[str]:
    """The actions this viewer may take on the case now (names of the do_* actions without
    the prefix), so pages show only the buttons that will work. `meetings`: the case's
    meetings, when the caller has read them already (else asked here, if they matter)."""
    case, relation = access.case, access.relation
    state = case.state
    actions: list[str] = []
    open_meeting = False
    if relation in OFFICE or relation is Relation.DRAFTER:
        if meetings is None:
            open_meeting = Meeting.objects.filter(case=case, held_on__isnull=True).exists()
        else:
            open_meeting = any(m.held_on is None for m in meetings)
    if relation in OFFICE:
        if state == State.SUBMITTED:
            actions += ["acknowledge", "redirect", "mark_not_eligible"]
        if state == State.ACKNOWLEDGED and case.scope == Scope.PENDING:
            actions += ["decide_scope", "redirect", "mark_not_eligible"]
        if state == State.ACKNOWLEDGED and case.scope == Scope.IN_SCOPE:
            actions.append("distribute")
        if state == State.DISTRIBUTED:
            actions.append("start_review")
        if state == State.UNDER_REVIEW:
            actions.append("save_reply_draft")
            if relation is Relation.HEAD and case.reply_version_count:
                actions.append("approve_and_send_reply")
        if state in WITH_PRINCIPALS and relation is Relation.HEAD:
            actions.append("add_recipient")
        if state == State.REPLIED:
            actions.append("close")
        if state in OPEN_STATES:
            actions.append("assign")
        if state in MEETING_STATES and not open_meeting:
            actions.append("request_meeting")
        if open_meeting:
            actions.append("record_meeting")
        actions.append("add_internal_note")
    elif relation is Relation.RECIPIENT:
        if state in WITH_PRINCIPALS:
            actions.append("comment")
    elif relation is Relation.DRAFTER:
        if state == State.REPLIED and case.rejoinder_at is None:
            actions.append("rejoinder")
        if state in MEETING_STATES and not open_meeting:
            actions.append("request_meeting")
    if relation in (Relation.DRAFTER, Relation.COSIGNER):
        actions.append("report_reprisal")
    return actions


# --------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class ReadingItem:
    case: Case
    title: str
    banner: str
    label: str
    is_extra: bool
    distributed_at: datetime


def reading_list(user: User, *, page: int = 1, per_page: int = PAGE_SIZE) -> Page[ReadingItem]:
    """What was distributed to this principal, most recent first: one range of the index
    (user, added_at), counted up to READING_COUNT_CAP like the queue (beyond it
    `total_exact` is False), so a long-serving principal's list costs the same as a new one's."""
    rows = Recipient.objects.filter(user=user).order_by("-added_at", "-id")
    page = max(1, page)
    start = (page - 1) * per_page
    counted = rows[: READING_COUNT_CAP + 1].count()
    chosen = rows.select_related("case", "case__memo__submitted_version")[start : start + per_page]
    items = []
    for recipient in chosen:
        version = recipient.case.memo.submitted_version
        assert version is not None
        items.append(
            ReadingItem(
                case=recipient.case,
                title=memo_text.read(version).title,
                banner=version.banner,
                label=recipient.label,
                is_extra=recipient.is_extra,
                distributed_at=recipient.added_at,
            )
        )
    return Page(
        items=items,
        total=min(counted, READING_COUNT_CAP),
        page=page,
        per_page=per_page,
        total_exact=counted <= READING_COUNT_CAP,
    )


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class ReportView:
    id: uuid.UUID
    memo_id: uuid.UUID
    kind: str
    reporter: str
    created_at: datetime
    text: str


def report_view(report: ReprisalReport) -> ReportView:
    return ReportView(
        id=report.id,
        memo_id=report.memo_id,
        kind=report.kind,
        reporter=report.reporter.name,
        created_at=report.created_at,
        text=text.read_text(text.TextKind.REPORT, report.text),
    )


def reprisal_reports(*, page: int = 1, per_page: int = PAGE_SIZE) -> Page[ReportView]:
    """All reports, newest first: for the office head and auditors only (the caller checks
    with access.require_reprisal_reader)."""
    rows = ReprisalReport.objects.select_related("reporter")
    page = max(1, page)
    start = (page - 1) * per_page
    items = [report_view(r) for r in rows.order_by("-created_at", "id")[start : start + per_page]]
    return Page(items=items, total=rows.count(), page=page, per_page=per_page)


def own_reports(memo: Memo, user: User) -> list[ReportView]:
    rows = ReprisalReport.objects.filter(memo=memo, reporter=user).select_related("reporter")
    return [report_view(r) for r in rows.order_by("-created_at", "id")]
