"""What the review office's HTML pages show, assembled read-only from cases the caller reached
through dissent.review.access. No state changes here (openings are recorded by the views,
through actions.do_record_opening); text only through the content modules.

Cost does not grow with the archive: every list is one indexed range per segment, counts are
bounded (`Tally`: "1,000+" past COUNT_CAP) and only the rows of one page are decoded.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.lib import markdown
from dissent.lib.errors import InvalidInput
from dissent.lib.numbers import page_number
from dissent.lib.workdays import working_days_between
from dissent.memos import content as memo_text
from dissent.memos.access import MemoAccess
from dissent.memos.models import Memo, Version
from dissent.memos.pages import RenderedVersion, render_version
from dissent.memos.states import State
from dissent.review import queries
from dissent.review.access import (
    OFFICE,
    CaseAccess,
    CaseNeed,
    Relation,
    access_case_for,
)
from dissent.review.calendar import closure_dates, local_date, today
from dissent.review.models import Case, DistributionListEntry, Recipient
from dissent.review.states import Channel, DueKind, Scope, due_kind

PAGE_SIZE = 50
COUNT_CAP = 1000  # counts past this read "1,000+": a bounded index scan, at any size
SIGNER_NAMES_SHOWN = 500
ACCESS_LOG_SHOWN = 200

# States in which something is due (Case.next_due is set exactly in these).
DUE_STATES = frozenset(s for s in State if due_kind(s) is not None)
STATE_FILTERS: dict[str, str] = {
    "open": "Open cases",
    "all": "All cases",
    **{s.value: s.label for s in State if s != State.DRAFT},
}
DUE_FILTERS = {"": "Any", "overdue": "Overdue", "today": "Due today", "week": "Due this week"}
SORTS = {"due": "Soonest due first", "-due": "Latest due first"}


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class Tally:
    """A count that stops at a cap: `more` says the real number is higher."""

    n: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.n:,}+" if self.more else f"{self.n:,}"

    def __bool__(self) -> bool:
        return self.n > 0


def tally(rows: QuerySet[Any], cap: int = COUNT_CAP) -> Tally:
    """COUNT over at most `cap` + 1 rows (a LIMITed subquery), never the whole table."""
    return tallies({"rows": rows}, cap)["rows"]


def tallies(named: dict[str, QuerySet[Any]], cap: int = COUNT_CAP) -> dict[str, Tally]:
    """Several bounded counts in one round trip: SELECT (SELECT COUNT(*) FROM (... LIMIT
    cap + 1)), ... Each subquery is the ORM's own SQL for `rows`, ordering included: a
    list's count then walks the very index that orders the list, and none reads more than
    cap + 1 index entries."""
    parts: list[str] = []
    params: list[Any] = []
    empty: set[str] = set()
    for name, rows in named.items():
        if rows.query.is_empty():
            empty.add(name)
            continue
        # The ORM's own SQL, values passed apart as parameters: nothing here is user text.
        sql, values = rows.values("pk").query.sql_with_params()
        limit = int(cap) + 1
        parts.append(f"(SELECT COUNT(*) FROM ({sql} LIMIT {limit}) bounded_{len(parts)})")  # noqa: S608
        params.extend(values)
    counts: list[int] = []
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            counts = list(cursor.fetchone())
    found = iter(counts)
    result = {}
    for name in named:
        n = 0 if name in empty else next(found)
        result[name] = Tally(cap, True) if n > cap else Tally(n)
    return result


def week_end(day: date) -> date:
    """The Sunday that ends `day`'s week."""
    return day + timedelta(days=6 - day.weekday())


# --------------------------------------------------------------------------- display helpers


def _days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"


def due_phrase(due: queries.Due | None) -> str:
    """ "Reply due 2026-12-20 (12 working days left)", "Acknowledgment overdue: ..."."""
    if due is None:
        return "Nothing due"
    what = "Acknowledgment" if due.what == DueKind.ACKNOWLEDGMENT else "Reply"
    on = due.on.isoformat()
    if due.overdue:
        ago = f", {_days(-due.working_days_left)} ago" if due.working_days_left < 0 else ""
        return f"{what} overdue: was due {on}{ago}"
    if due.working_days_left <= 0:
        return f"{what} due today, {on}"
    return f"{what} due {on} ({_days(due.working_days_left)} left)"


def due_tag(due: queries.Due | None) -> str:
    if due is None:
        return ""
    if due.overdue:
        return "Overdue"
    return "Today" if due.working_days_left <= 0 else due.on.isoformat()


def due_class(due: queries.Due | None) -> str:
    """The tag colour for a due date (the words always say it too)."""
    if due is None:
        return "bg-base-dark"
    if due.overdue:
        return "bg-secondary-dark"
    if due.working_days_left <= 1:
        return "bg-gold text-ink"
    return "bg-primary"


def state_class(state: str) -> str:
    if state == State.CLOSED:
        return "bg-base-dark"
    if state in (State.REDIRECTED, State.NOT_ELIGIBLE):
        return "bg-accent-cool-darker"
    if state == State.REPLIED:
        return "bg-primary-dark"
    return "bg-primary"


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilters:
    state: str = "open"
    due: str = ""
    officer: str = ""  # "", "me", "none", or a user id (checked by access.officer_by_id)
    sort: str = "due"
    page: int = 1

    def query(self, **changes: object) -> str:
        """The query string of these filters with `changes` (for links; page 1 unless said)."""
        values = {"state": self.state, "due": self.due, "officer": self.officer, "sort": self.sort}
        values.update({"page": 1, **changes})  # type: ignore[dict-item]
        defaults = {"state": "open", "due": "", "officer": "", "sort": "due", "page": 1}
        parts = [f"{k}={v}" for k, v in values.items() if v != defaults[k]]
        return "?" + "&".join(parts) if parts else "?"


def parse_queue_filters(params: Mapping[str, str]) -> QueueFilters:
    state = params.get("state") or "open"
    if state not in STATE_FILTERS:
        raise InvalidInput(
            f"state {state[:30]!r} is not a state of a submitted message", field="state"
        )
    due = params.get("due") or ""
    if due not in DUE_FILTERS:
        raise InvalidInput("due must be overdue, today or week", field="due")
    sort = params.get("sort") or "due"
    if sort not in SORTS:
        raise InvalidInput("sort must be due or -due", field="sort")
    officer = (params.get("officer") or "").strip()
    if officer not in ("", "me", "none"):
        try:
            officer = str(uuid.UUID(officer))
        except ValueError:
            raise InvalidInput(
                "officer must be me, none or an officer's id", field="officer"
            ) from None
    return QueueFilters(state, due, officer, sort, page_number(params.get("page")))


@dataclass(frozen=True)
class QueueRow:
    """One case as the queue shows it, every text ready (50 rows: the template only prints)."""

    memo_id: uuid.UUID
    url: str
    title: str
    banner: str
    state: str
    state_label: str
    state_class: str
    due: queries.Due | None
    due_tag: str
    due_class: str
    due_text: str
    received_iso: str
    received_on: str
    age: str
    officer: str
    signature_count: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: Tally
    page: int
    per_page: int
    has_next: bool

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)

    @property
    def pages(self) -> int | None:
        """The number of pages, when the total is known exactly."""
        return None if self.total.more else max(1, -(-self.total.n // self.per_page))


# What a queue row reads, as plain values (no model instances): the case's dates and counts,
# and the submitted version's text (for the title) and banner. Officers come by id after.
_ROW_VALUES = (
    "memo_id",
    "state",
    "received_at",
    "received_on",
    "ack_due",
    "reply_due",
    "reply_due_max",
    "signature_count",
    "officer_id",
    "memo__submitted_version__content",
    "memo__submitted_version__banner",
)


def _segments(
    filters: QueueFilters, officer_id: uuid.UUID | str, day: date
) -> tuple[QuerySet[Case], QuerySet[Case]]:
    """The queue is two indexed ranges shown one after the other: cases with something due
    (by due date) and cases with nothing due (newest first). Each filter keeps both ranges
    on an index of Case, so page 1 reads ~50 index entries whatever the archive's size."""
    rows = Case.objects.all()
    if officer_id == "none":
        rows = rows.filter(officer__isnull=True)
    elif isinstance(officer_id, uuid.UUID):
        rows = rows.filter(officer_id=officer_id)
    due = rows.filter(next_due__isnull=False)
    state = filters.state
    # Nothing is due exactly in the states after the reply and the intake exits: those are
    # read by state (index state, received_at), never by scanning every case without a date.
    if state == "open":
        undue = rows.filter(state=State.REPLIED)
    elif state == "all":
        undue = rows.filter(next_due__isnull=True)
    elif state in DUE_STATES:
        due, undue = due.filter(state=state), rows.none()
    else:
        due, undue = due.none(), rows.filter(state=state)
    if filters.due == "overdue":
        due = due.filter(next_due__lt=day)
    elif filters.due == "today":
        due = due.filter(next_due=day)
    elif filters.due == "week":
        due = due.filter(next_due__gte=day, next_due__lte=week_end(day))
    if filters.due:
        undue = undue.none()
    order = ("next_due", "received_at", "memo_id")
    if filters.sort == "-due":
        order = ("-next_due", "-received_at", "-memo_id")
    return due.order_by(*order), undue.order_by("-received_at", "-memo_id")


def _case_url(memo_id: object) -> str:
    return reverse("review:case", args=[str(memo_id)])


def queue_page(
    viewer: Relation,
    filters: QueueFilters,
    officer_id: uuid.UUID | str,
    *,
    per_page: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue. `officer_id`: an officer's id, "none" (unassigned) or ""."""
    day, closures = today(), closure_dates()
    due, undue = _segments(filters, officer_id, day)
    counts = tallies({"due": due, "undue": undue})
    due_count, undue_count = counts["due"], counts["undue"]
    start = (filters.page - 1) * per_page
    want = per_page + 1  # one more than shown: is there a next page?
    if due_count.more and start + want > due_count.n:
        due_count = Tally(due.count())  # a deep page: where the due range ends, exactly
    due, undue = (qs.values(*_ROW_VALUES) for qs in (due, undue))
    if start >= due_count.n:
        found = list(undue[start - due_count.n : start - due_count.n + want])
    else:
        found = list(due[start : start + want])
        if len(found) < want:
            found += list(undue[: want - len(found)])
    found, has_next = found[:per_page], len(found) > per_page
    officers = User.objects.in_bulk({r["officer_id"] for r in found if r["officer_id"]})
    # One reverse() for the page; the ids are UUIDs, safe in a path.
    blank = "00000000-0000-0000-0000-000000000000"
    url = _case_url(blank)
    rows = []
    for r in found:
        received, state = r["received_on"], r["state"]
        due_now = queries.due_from(
            state, r["ack_due"], r["reply_due"], r["reply_due_max"], on=day, closures=closures
        )
        content = r["memo__submitted_version__content"]
        if viewer in OFFICE and content is not None:
            title = memo_text.decode(content).title
        else:
            title = f"Message received {received.isoformat()}"
        officer = officers.get(r["officer_id"])
        rows.append(
            QueueRow(
                memo_id=r["memo_id"],
                url=url.replace(blank, str(r["memo_id"])),
                title=title,
                banner=r["memo__submitted_version__banner"] or "",
                state=state,
                state_label=str(State(state).label),
                state_class=state_class(state),
                due=due_now,
                due_tag=due_tag(due_now),
                due_class=due_class(due_now),
                due_text=due_phrase(due_now),
                received_iso=r["received_at"].isoformat(),
                received_on=received.isoformat(),
                age=f"{_days(working_days_between(received, day, closures))} ago",
                officer=officer.name if officer else "Unassigned",
                signature_count=r["signature_count"],
            )
        )
    total = Tally(due_count.n + undue_count.n, due_count.more or undue_count.more)
    return QueuePage(rows, total, filters.page, per_page, has_next)


@dataclass(frozen=True)
class QueueSummary:
    """What is due at a glance, each a bounded count."""

    overdue: Tally
    due_today: Tally
    due_this_week: Tally
    awaiting_acknowledgment: Tally
    unassigned: Tally  # with something due and nobody assigned
    mine: Tally | None  # for members of the office: assigned to them, with something due
    today: date
    week_end: date


def queue_summary(user: User) -> QueueSummary:
    """Five or six bounded counts, in one query."""
    day = today()
    cases = Case.objects.order_by()
    # Every count is a range of an index that holds open cases only where it is read
    # (next_due is set exactly while something is due), so none grows with the archive.
    wanted = {
        "overdue": cases.filter(next_due__lt=day),
        "due_today": cases.filter(next_due=day),
        "due_this_week": cases.filter(next_due__gte=day, next_due__lte=week_end(day)),
        "awaiting_acknowledgment": cases.filter(state=State.SUBMITTED),
        "unassigned": cases.filter(officer__isnull=True, next_due__isnull=False),
    }
    if user.role in (Role.REVIEW_OFFICER, Role.OFFICE_HEAD):
        wanted["mine"] = cases.filter(officer=user, next_due__isnull=False)
    counts = tallies(wanted)
    return QueueSummary(
        overdue=counts["overdue"],
        due_today=counts["due_today"],
        due_this_week=counts["due_this_week"],
        awaiting_acknowledgment=counts["awaiting_acknowledgment"],
        unassigned=counts["unassigned"],
        mine=counts.get("mine"),
        today=day,
        week_end=week_end(day),
    )


def office_members() -> list[User]:
    """Everyone a case may be assigned to."""
    return list(
        User.objects.filter(
            is_active=True, role__in=[Role.REVIEW_OFFICER, Role.OFFICE_HEAD]
        ).order_by("display_name", "email")
    )


# --------------------------------------------------------------------------- the message text


def rendered_message(access: CaseAccess) -> RenderedVersion:
    """The submitted text as a reader sees it (the caller recorded the opening), rendered as
    the drafters' own page renders a version."""
    version = access.memo.submitted_version
    assert version is not None  # a case exists only for a submitted message
    return render_version(version)


@dataclass(frozen=True)
class Signatures:
    count: int
    names: list[str] | None  # None: the viewer sees the count only
    shown: int


def signatures(access: CaseAccess) -> Signatures:
    names = queries.signer_names(access)
    count = access.case.signature_count
    if names is None:
        return Signatures(count, None, 0)
    return Signatures(count, names[:SIGNER_NAMES_SHOWN], min(len(names), SIGNER_NAMES_SHOWN))


@dataclass(frozen=True)
class Rendered:
    """A reply or rejoinder with its HTML, rendered when a template first asks for it: the
    case page holds the latest reply draft for its number and text, and shows it rendered
    only to the office head who may approve it."""

    view: Any  # queries.ReplyView | queries.RejoinderView

    @functools.cached_property
    def html(self) -> str:
        return markdown.render(self.view.body)


def _rendered(view: Any) -> Rendered | None:
    return None if view is None else Rendered(view)


def sent_reply(case: Case) -> Rendered | None:
    return _rendered(queries.sent_reply(case))


def message_title(memo: Memo) -> str:
    """The title of the message's current text (a draft's too), for its drafters' forms."""
    return memo_text.read(Version.objects.get(memo=memo, number=memo.version_count)).title


# --------------------------------------------------------------------------- the case page


@dataclass
class CasePage:
    """Everything the case page shows to a member of the office or an auditor."""

    access: CaseAccess
    actions: frozenset[str]
    due: queries.Due | None
    message: RenderedVersion | None  # None for auditors (never text)
    signatures: Signatures
    drafters: list[str] | None
    scope_note: str
    recipients: list[queries.RecipientView]
    meetings: list[queries.MeetingView]
    timeline: list[queries.TimelineEntry]
    sent_reply: Rendered | None
    rejoinder: Rendered | None
    notes: list[queries.Written] = field(default_factory=list)
    comments: list[queries.Written] = field(default_factory=list)
    drafts: list[queries.ReplyView] = field(default_factory=list)
    latest_draft: Rendered | None = None
    officers: list[User] = field(default_factory=list)
    principals: list[User] = field(default_factory=list)
    distribution_list: list[DistributionListEntry] = field(default_factory=list)

    @property
    def case(self) -> Case:
        return self.access.case

    @property
    def memo(self) -> Memo:
        return self.access.memo

    @property
    def is_office(self) -> bool:
        return self.access.is_office

    @property
    def is_head(self) -> bool:
        return self.access.relation is Relation.HEAD

    @property
    def open_meeting(self) -> queries.MeetingView | None:
        return next((m for m in self.meetings if m.held_on is None), None)

    @property
    def channel_label(self) -> str:
        return channel_label(self.case)


def case_page(access: CaseAccess) -> CasePage:
    """The caller reached the case through access.py in this request (after any action), so
    `access.case` is current. Lists that cannot hold anything yet are not queried."""
    case, office = access.case, access.is_office
    meetings = queries.meetings_of(case) if office else []
    actions = frozenset(queries.allowed_actions(access, meetings=meetings if office else None))
    page = CasePage(
        access=access,
        actions=actions,
        due=queries.due_of(case),
        message=rendered_message(access) if access.may(CaseNeed.TEXT) else None,
        signatures=signatures(access),
        drafters=queries.drafter_names(case) if office else None,
        scope_note=queries.scope_note(case) if office else "",
        recipients=queries.recipients_of(case),
        meetings=meetings,
        timeline=queries.timeline(access),
        sent_reply=_rendered(queries.sent_reply(case)) if office else None,
        rejoinder=_rendered(queries.rejoinder_of(case)) if office and case.rejoinder_at else None,
    )
    if not office:
        return page
    page.notes = queries.notes_of(case)
    page.comments = queries.comments_for(access) if case.distributed_at else []
    page.drafts = queries.reply_drafts(case) if case.reply_version_count else []
    page.latest_draft = _rendered(page.drafts[-1]) if page.drafts else None
    if "assign" in actions:
        page.officers = office_members()
    if "add_recipient" in actions:
        taken = {r.user_id for r in page.recipients}
        principals = User.objects.filter(is_active=True, role=Role.PRINCIPAL)
        page.principals = [p for p in principals.order_by("display_name") if p.id not in taken]
    if "distribute" in actions:
        page.distribution_list = list(
            DistributionListEntry.objects.select_related("principal").filter(
                principal__is_active=True
            )
        )
    return page


# --------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class ReadingRow:
    case: Case
    url: str
    title: str
    banner: str
    sent_as: str
    distributed_iso: str
    distributed_on: str
    state_label: str


@dataclass(frozen=True)
class ReadingPage:
    rows: list[ReadingRow]
    total: Tally
    page: int
    per_page: int
    has_next: bool


_READING_FIELDS = (
    "label",
    "is_extra",
    "added_at",
    "case",
    "case__state",
    "case__memo",
    "case__memo__submitted_version",
    "case__memo__submitted_version__content",
    "case__memo__submitted_version__banner",
)


def reading_page(user: User, page: int, *, per_page: int = PAGE_SIZE) -> ReadingPage:
    """What was distributed to this principal, most recent first: one range of the index
    (user, added_at), one page of rows, a bounded count."""
    mine = Recipient.objects.filter(user=user)
    start = (page - 1) * per_page
    chosen = list(
        mine.select_related("case__memo__submitted_version")
        .only(*_READING_FIELDS)
        .order_by("-added_at", "-id")[start : start + per_page + 1]
    )
    url = reverse("review:reading", args=["00000000-0000-0000-0000-000000000000"])
    rows = []
    for recipient in chosen[:per_page]:
        case = recipient.case
        version = case.memo.submitted_version
        assert version is not None
        rows.append(
            ReadingRow(
                case=case,
                url=url.replace("00000000-0000-0000-0000-000000000000", str(case.memo_id)),
                title=memo_text.read(version).title,
                banner=version.banner,
                sent_as="Extra recipient, added by the review office head"
                if recipient.is_extra
                else recipient.label,
                distributed_iso=recipient.added_at.isoformat(),
                distributed_on=local_date(recipient.added_at).isoformat(),
                state_label=str(State(case.state).label),
            )
        )
    return ReadingPage(rows, tally(mine), page, per_page, len(chosen) > per_page)


@dataclass(frozen=True)
class PrincipalReading:
    access: CaseAccess
    message: RenderedVersion
    drafters: list[str]
    signatures: Signatures
    comments: list[queries.Written]
    may_comment: bool


def principal_reading(access: CaseAccess) -> PrincipalReading:
    return PrincipalReading(
        access=access,
        message=rendered_message(access),
        drafters=queries.drafter_names(access.case),
        signatures=signatures(access),
        comments=queries.comments_for(access),
        may_comment="comment" in queries.allowed_actions(access),
    )


# --------------------------------------------------------------------------- drafters


@dataclass
class DrafterPanel:
    """The review side of a message, on its drafters' page; co-signers see the report link
    and their own reports only."""

    memo: Memo
    is_drafter: bool
    own_reports: list[queries.ReportView]
    access: CaseAccess | None = None
    actions: frozenset[str] = frozenset()
    due: queries.Due | None = None
    scope_note: str = ""
    channel_label: str = ""
    recipients: list[queries.RecipientView] = field(default_factory=list)
    openings: list[queries.Opening] = field(default_factory=list)
    openings_total: Tally = Tally(0)
    meetings: list[queries.MeetingView] = field(default_factory=list)
    reply: Rendered | None = None
    rejoinder: Rendered | None = None

    @property
    def case(self) -> Case | None:
        return self.access.case if self.access else None

    @property
    def extra_recipients(self) -> list[queries.RecipientView]:
        return [r for r in self.recipients if r.is_extra]


def drafter_panel(seen: MemoAccess) -> DrafterPanel:
    memo, user = seen.memo, seen.user
    panel = DrafterPanel(
        memo=memo, is_drafter=seen.is_drafter, own_reports=queries.own_reports(memo, user)
    )
    if memo.state == State.DRAFT or not seen.is_drafter:
        return panel
    access = access_case_for(user, memo.id, to=CaseNeed.DRAFTER)
    case = access.case
    panel.access = access
    panel.meetings = queries.meetings_of(case)
    panel.actions = frozenset(queries.allowed_actions(access, meetings=panel.meetings))
    panel.due = queries.due_of(case)
    panel.scope_note = queries.scope_note(case)
    panel.channel_label = channel_label(case)
    panel.recipients = queries.recipients_of(case)
    # The log grows with every reading: show the latest, count the rest up to the cap.
    panel.openings = queries.access_log(memo, limit=ACCESS_LOG_SHOWN)
    panel.openings_total = tally(queries.openings_of(memo))
    panel.reply = _rendered(queries.sent_reply(case))
    panel.rejoinder = _rendered(queries.rejoinder_of(case))
    return panel


def scope_label(case: Case) -> str:
    return Scope(case.scope).label


def channel_label(case: Case) -> str:
    """Where a redirected message belongs; "" for any other."""
    return Channel(case.scope_channel).label if case.scope_channel else ""
