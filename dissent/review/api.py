"""The JSON API of the review office.

Scheme (one resource per case; a case's id is its message's id):

* ``/api/v1/review/cases`` — the queue; ``/api/v1/review/cases/{id}`` — the case, and every
  step of the process as a POST beneath it (acknowledge, assign, scope, distribute,
  recipients, comments, start-review, reply-drafts, reply, rejoinder, meetings, close,
  notes); ``/message`` beneath it is the submitted text (each call is recorded as an
  opening, which the drafters see).
* ``/api/v1/review/reading-list`` — a principal's distributed messages.
* ``/api/v1/review/reprisal-reports`` — for the office head and auditors.
* ``/api/v1/messages/{id}/accesses`` and ``/api/v1/messages/{id}/reprisal-reports`` — the
  drafters' (and co-signers') side, beside the drafting API.

Handlers parse, reach the case through dissent.review.access (404 for whoever may not know
the message, 403 for a wrong role), call one action or query and shape the answer. Out of
turn (e.g. a reply before acknowledgment, a second reply, a second rejoinder) is 409
``wrong_state`` and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator

from dissent.accounts.models import User
from dissent.api.schemas import ERRORS
from dissent.lib.errors import Forbidden, InvalidInput
from dissent.lib.markdown import render
from dissent.lib.numbers import MAX_PAGE
from dissent.memos.states import State
from dissent.review import queries
from dissent.review.access import (
    OFFICE,
    CaseAccess,
    CaseNeed,
    Relation,
    access_case_for,
    access_meeting_for,
    access_memo_to_report,
    access_report_for,
    officer_by_id,
    principal_by_id,
    require_principal,
    require_queue_reader,
    require_reprisal_reader,
)
from dissent.review.actions import (
    do_acknowledge,
    do_add_internal_note,
    do_add_recipient,
    do_approve_and_send_reply,
    do_assign,
    do_close,
    do_comment,
    do_decide_scope,
    do_distribute,
    do_record_meeting,
    do_record_opening,
    do_rejoinder,
    do_report_reprisal,
    do_request_meeting,
    do_save_reply_draft,
    do_start_review,
)
from dissent.review.calendar import today
from dissent.review.content import REJOINDER_MAX_BYTES, REPLY_MAX_BYTES, TEXT_LIMITS, TextKind

router = Router(tags=["review"])
messages_router = Router(tags=["review: drafters and co-signers"])

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # Only YYYY-MM-DD: pydantic would otherwise take numbers as Unix timestamps.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("give a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _limit(chars: int, note: str = "", default: Any = ...) -> Any:
    # Documented here; enforced by review.content, which names the limit in its message.
    return Field(default, json_schema_extra={"maxLength": chars}, description=note or None)


# --------------------------------------------------------------------------- schemas


class PersonOut(Schema):
    id: UUID
    name: str


class DueOut(Schema):
    what: Literal["acknowledgment", "reply"]
    on: date
    latest: date | None = Field(None, description="For the reply: the outer limit.")
    working_days_left: int = Field(..., description="Negative once overdue.")
    overdue: bool


class DeadlinesOut(Schema):
    acknowledge_by: date
    reply_by: date
    reply_by_max: date


class QueueItemOut(Schema):
    id: UUID
    title: str | None = Field(None, description="The review office only; never auditors.")
    banner: str
    state: str
    scope: str
    received_at: datetime
    age_days: int
    age_working_days: int
    officer: PersonOut | None
    signature_count: int
    due: DueOut | None


class QueueOut(Schema):
    items: list[QueueItemOut]
    total: int = Field(..., description="Exact up to 10,000; see total_exact.")
    total_exact: bool = Field(..., description="False: more than `total` cases match.")
    page: int
    per_page: int


class QueueQuery(Schema):
    state: list[str] | None = Field(
        None, description="Repeat to give several; default: every open state."
    )
    due_by: IsoDate | None = Field(
        None, description="Only cases due on or before this date (overdue included)."
    )
    officer: str | None = Field(
        None, description='A review officer\'s id, "me", or "none" for unassigned cases.'
    )
    page: int = Field(1, ge=1, le=200, description="50 a page; the first 10,000 matches.")


class RecipientOut(Schema):
    user_id: UUID
    name: str
    label: str
    is_extra: bool
    reason: str
    added_at: datetime


class MeetingOut(Schema):
    id: UUID
    requested_by: str
    requested_at: datetime
    note: str
    held_on: date | None
    outcome: str
    recorded_by: str | None


class ReplyOut(Schema):
    number: int
    author: str
    created_at: datetime
    hash: str
    banner: str
    fully_marked: bool
    body: str
    html: str


class ReplyListOut(Schema):
    items: list[ReplyOut]


class RejoinderOut(Schema):
    author: str
    created_at: datetime
    hash: str
    banner: str
    body: str
    html: str


class CaseOut(Schema):
    id: UUID
    caption: str = "DISSENT CHANNEL"
    viewer: str = Field(..., description="How the caller relates to the case.")
    allowed_actions: list[str]
    state: str
    state_label: str
    profile: str
    scope: str
    scope_channel: str
    scope_note: str | None = Field(None, description="The office and the drafters.")
    title: str | None = Field(None, description="Never for auditors.")
    banner: str
    submitted_version: int
    hash: str
    received_at: datetime
    received_on: date
    age_days: int
    deadlines: DeadlinesOut
    due: DueOut | None
    officer: PersonOut | None = Field(None, description="The office and auditors.")
    acknowledged_at: datetime | None
    scope_decided_at: datetime | None
    distributed_at: datetime | None
    review_started_at: datetime | None
    replied_at: datetime | None
    rejoinder_at: datetime | None
    closed_at: datetime | None
    drafters: list[str] | None = Field(None, description="Never for auditors.")
    signature_count: int
    signers: list[str] | None = Field(
        None, description="Principals see names only if the drafters chose so; auditors never."
    )
    names_visible_to: str | None = Field(None, description="The office and the drafters.")
    recipients: list[RecipientOut] | None = Field(
        None, description="The office, the drafters and auditors."
    )
    meetings: list[MeetingOut] | None = Field(None, description="The office and the drafters.")
    reply: ReplyOut | None = Field(None, description="The sent reply (not for auditors).")
    rejoinder: RejoinderOut | None = Field(None, description="The office and the drafters.")


class HtmlOut(Schema):
    summary: str
    body: str
    recommendations: str


class MessageTextOut(Schema):
    id: UUID
    caption: str = "DISSENT CHANNEL"
    title: str
    summary: str
    body: str
    recommendations: str
    html: HtmlOut
    banner: str
    version: int
    hash: str
    submitted_at: datetime
    drafters: list[str]
    signature_count: int | None = Field(None, description="Not for co-signers.")
    signers: list[str] | None


class TimelineEntryOut(Schema):
    type: int
    label: str
    at: datetime
    actor: str | None
    actor_role: str | None


class TimelineOut(Schema):
    items: list[TimelineEntryOut]


class WrittenOut(Schema):
    id: int
    author: str
    at: datetime
    text: str


class WrittenListOut(Schema):
    items: list[WrittenOut]


class ReadingItemOut(Schema):
    id: UUID
    title: str
    banner: str
    state: str
    label: str
    is_extra: bool
    received_at: datetime
    distributed_at: datetime
    replied_at: datetime | None


class ReadingListOut(Schema):
    items: list[ReadingItemOut]
    total: int = Field(..., description="Exact up to 10,000; see total_exact.")
    total_exact: bool = Field(..., description="False: more than `total` messages.")
    page: int
    per_page: int


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)


class ReportOut(Schema):
    id: UUID
    message_id: UUID
    kind: str
    reporter: str
    created_at: datetime
    text: str


class ReportListOut(Schema):
    items: list[ReportOut]
    total: int
    page: int
    per_page: int


class OpeningOut(Schema):
    name: str
    role: str
    at: datetime


class AccessLogOut(Schema):
    items: list[OpeningOut]
    extra_recipients: list[RecipientOut]


class AssignIn(Schema):
    officer: str = Field(..., max_length=40, description='A review officer\'s id, or "me".')


class ScopeIn(Schema):
    decision: Literal["in_scope", "redirected", "not_eligible"]
    channel: Literal["grievance", "inspector_general", "eeo", "other"] | None = Field(
        None, description="Required when redirected."
    )
    note: str = _limit(
        TEXT_LIMITS[TextKind.SCOPE_NOTE],
        "Required for not_eligible (the reason) and for channel other (names it).",
        default="",
    )


class RecipientIn(Schema):
    principal: str = Field(..., max_length=40, description="The principal's user id.")
    reason: str = _limit(TEXT_LIMITS[TextKind.RECIPIENT_REASON], "Shown to the drafters.")


class TextIn(Schema):
    text: str = _limit(TEXT_LIMITS[TextKind.NOTE])


class ReplyDraftIn(Schema):
    base_version: int = Field(..., ge=0, description="The draft the edit started from; 0 first.")
    body: str = _limit(REPLY_MAX_BYTES, "Markdown with portion marks; at most 200 KB.")


class SendReplyIn(Schema):
    version: int = Field(..., ge=1, description="The reply draft the office head approves.")


class RejoinderIn(Schema):
    body: str = _limit(REJOINDER_MAX_BYTES, "Markdown, every paragraph portion-marked; 50 KB.")


class MeetingIn(Schema):
    note: str = _limit(TEXT_LIMITS[TextKind.MEETING_REQUEST], default="")


class MeetingRecordIn(Schema):
    held_on: IsoDate
    outcome: str = _limit(TEXT_LIMITS[TextKind.MEETING_OUTCOME])


class ReportIn(Schema):
    kind: Literal["reprisal", "unauthorized_disclosure"]
    text: str = _limit(TEXT_LIMITS[TextKind.REPORT])


# --------------------------------------------------------------------------- shaping


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _person(user: User | None) -> dict[str, object] | None:
    return {"id": user.id, "name": user.name} if user else None


def _due(due: queries.Due | None) -> dict[str, object] | None:
    if due is None:
        return None
    return {
        "what": due.what.value,
        "on": due.on,
        "latest": due.latest,
        "working_days_left": due.working_days_left,
        "overdue": due.overdue,
    }


def _reply(view: queries.ReplyView | None) -> dict[str, object] | None:
    return None if view is None else {**view.__dict__, "html": render(view.body)}


def _case(seen: CaseAccess) -> dict[str, object]:
    """The case after an action, fresh from the database: the action may just have changed it."""
    fresh = CaseAccess(queries.fresh_case(seen.case), seen.user, seen.relation, seen.recipient)
    return _case_out(fresh)


def _case_out(access: CaseAccess) -> dict[str, object]:
    case, relation = access.case, access.relation
    office = relation in OFFICE
    office_or_drafter = office or relation is Relation.DRAFTER
    version = case.memo.submitted_version
    assert version is not None
    rejoinder = queries.rejoinder_of(case) if office_or_drafter else None
    meetings = queries.meetings_of(case) if office_or_drafter else None
    return {
        "id": case.memo_id,
        "viewer": relation.value,
        "allowed_actions": queries.allowed_actions(access, meetings=meetings),
        "state": case.state,
        "state_label": State(case.state).label,
        "profile": case.profile,
        "scope": case.scope,
        "scope_channel": case.scope_channel,
        "scope_note": queries.scope_note(case) if office_or_drafter else None,
        "title": queries.submitted_text(access).title if relation is not Relation.AUDITOR else None,
        "banner": version.banner,
        "submitted_version": version.number,
        "hash": version.content_hash,
        "received_at": case.received_at,
        "received_on": case.received_on,
        "age_days": (today() - case.received_on).days,
        "deadlines": {
            "acknowledge_by": case.ack_due,
            "reply_by": case.reply_due,
            "reply_by_max": case.reply_due_max,
        },
        "due": _due(queries.due_of(case)),
        "officer": _person(case.officer) if office or relation is Relation.AUDITOR else None,
        **{
            name: getattr(case, name)
            for name in (
                "acknowledged_at",
                "scope_decided_at",
                "distributed_at",
                "review_started_at",
                "replied_at",
                "rejoinder_at",
                "closed_at",
            )
        },
        "drafters": queries.drafter_names(case) if relation is not Relation.AUDITOR else None,
        "signature_count": case.signature_count,
        "signers": queries.signer_names(access),
        "names_visible_to": case.memo.names_visible_to if office_or_drafter else None,
        "recipients": [r.__dict__ for r in queries.recipients_of(case)]
        if relation is not Relation.RECIPIENT
        else None,
        "meetings": None if meetings is None else [m.__dict__ for m in meetings],
        "reply": _reply(queries.sent_reply(case)) if relation is not Relation.AUDITOR else None,
        "rejoinder": {**rejoinder.__dict__, "html": render(rejoinder.body)} if rejoinder else None,
    }


def _case_access(request: HttpRequest, memo_id: str, need: CaseNeed) -> CaseAccess:
    return access_case_for(_user(request), memo_id, to=need)


# --------------------------------------------------------------------------- queue and case


@router.get("/cases", response={200: QueueOut, **ERRORS})
def queue(request: HttpRequest, query: Query[QueueQuery]) -> dict[str, object]:
    """Every submitted message with its age and what is due, soonest due first, 50 a page.
    The review office and auditors (auditors see no titles)."""
    user = _user(request)
    viewer = require_queue_reader(user)
    for state in query.state or []:
        if state not in State.values or state == State.DRAFT:
            raise InvalidInput(
                f"state {state!r} is not a state of a submitted message", field="state"
            )
    officer = None
    if query.officer == "me":
        officer = user.id
    elif query.officer not in (None, "none"):
        officer = officer_by_id(query.officer).id
    page = queries.queue(
        viewer,
        states=query.state,
        due_by=query.due_by,
        officer=officer,
        unassigned=query.officer == "none",
        page=query.page,
    )
    items = [
        {
            "id": item.case.memo_id,
            "title": item.title,
            "banner": item.banner,
            "state": item.case.state,
            "scope": item.case.scope,
            "received_at": item.case.received_at,
            "age_days": item.age_days,
            "age_working_days": item.age_working_days,
            "officer": _person(item.case.officer),
            "signature_count": item.case.signature_count,
            "due": _due(item.due),
        }
        for item in page.items
    ]
    return _listing(page, items)


@router.get("/cases/{memo_id}", response={200: CaseOut, **ERRORS})
def get_case(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """The case as the caller may see it: the office everything but the text (see
    /message), principals what was distributed to them, drafters their case, auditors
    metadata only."""
    return _case_out(_case_access(request, memo_id, CaseNeed.METADATA))


@router.get("/cases/{memo_id}/message", response={200: MessageTextOut, **ERRORS})
def get_message_text(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """The submitted text with banners. Every call is recorded as an opening (who, role,
    when) that the drafters see."""
    access = _case_access(request, memo_id, CaseNeed.TEXT)
    do_record_opening(access.memo, acting_user=access.user)
    content = queries.submitted_text(access)
    version = access.memo.submitted_version
    assert version is not None
    html = {name: render(getattr(content, name)) for name in ("summary", "body", "recommendations")}
    return {
        "id": access.memo.id,
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "recommendations": content.recommendations,
        "html": html,
        "banner": version.banner,
        "version": version.number,
        "hash": version.content_hash,
        "submitted_at": access.memo.submitted_at,
        "drafters": queries.drafter_names(access.case),
        "signature_count": None
        if access.relation is Relation.COSIGNER
        else access.case.signature_count,
        "signers": queries.signer_names(access),
    }


@router.get("/cases/{memo_id}/timeline", response={200: TimelineOut, **ERRORS})
def get_timeline(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """The case's events this caller may see (auditors: roles, not names)."""
    access = _case_access(request, memo_id, CaseNeed.METADATA)
    return {"items": [entry.__dict__ for entry in queries.timeline(access)]}


# --------------------------------------------------------------------------- intake


@router.post("/cases/{memo_id}/acknowledge", response={200: CaseOut, **ERRORS})
def acknowledge(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """Acknowledge receipt; the drafters get a notice (without content)."""
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    do_acknowledge(access.case, acting_user=access.user)
    return _case(access)


@router.post("/cases/{memo_id}/assign", response={200: CaseOut, **ERRORS})
def assign(request: HttpRequest, memo_id: str, payload: AssignIn) -> dict[str, object]:
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    officer = access.user if payload.officer == "me" else officer_by_id(payload.officer)
    do_assign(access.case, officer, acting_user=access.user)
    return _case(access)


@router.post("/cases/{memo_id}/scope", response={200: CaseOut, **ERRORS})
def decide_scope(request: HttpRequest, memo_id: str, payload: ScopeIn) -> dict[str, object]:
    """In scope (after acknowledgment), redirected to the named channel, or not eligible
    (with the reason). Drafters are told of a redirection or refusal."""
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    do_decide_scope(
        access.case,
        payload.decision,
        channel=payload.channel or "",
        note=payload.note,
        acting_user=access.user,
    )
    return _case(access)


@router.post("/cases/{memo_id}/distribute", response={200: CaseOut, **ERRORS})
def distribute(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """Send the message to the fixed distribution list."""
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    do_distribute(access.case, acting_user=access.user)
    return _case(access)


@router.post("/cases/{memo_id}/recipients", response={201: RecipientOut, **ERRORS})
def add_recipient(
    request: HttpRequest, memo_id: str, payload: RecipientIn
) -> Status[dict[str, object]]:
    """An extra recipient: the office head only, with a reason the drafters see."""
    access = _case_access(request, memo_id, CaseNeed.HEAD)
    principal = principal_by_id(payload.principal)
    do_add_recipient(access.case, principal, payload.reason, acting_user=access.user)
    added = next(r for r in queries.recipients_of(access.case) if r.user_id == principal.id)
    return Status(201, added.__dict__)


@router.get("/cases/{memo_id}/comments", response={200: WrittenListOut, **ERRORS})
def list_comments(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """The office reads all principals' comments; a principal reads their own."""
    access = _case_access(request, memo_id, CaseNeed.METADATA)
    if not (access.is_office or access.relation is Relation.RECIPIENT):
        raise Forbidden("only the review office and principals read comments")
    return {"items": [c.__dict__ for c in queries.comments_for(access)]}


@router.post("/cases/{memo_id}/comments", response={201: WrittenOut, **ERRORS})
def add_comment(request: HttpRequest, memo_id: str, payload: TextIn) -> Status[dict[str, object]]:
    """A principal's comment to the review office (the drafters do not see it)."""
    access = _case_access(request, memo_id, CaseNeed.COMMENT)
    comment = do_comment(access.case, payload.text, acting_user=access.user)
    written = next(c for c in queries.comments_for(access) if c.id == comment.id)
    return Status(201, written.__dict__)


# --------------------------------------------------------------------------- reply


@router.post("/cases/{memo_id}/start-review", response={200: CaseOut, **ERRORS})
def start_review(request: HttpRequest, memo_id: str) -> dict[str, object]:
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    do_start_review(access.case, acting_user=access.user)
    return _case(access)


@router.get("/cases/{memo_id}/reply-drafts", response={200: ReplyListOut, **ERRORS})
def list_reply_drafts(request: HttpRequest, memo_id: str) -> dict[str, object]:
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    return {"items": [_reply(v) for v in queries.reply_drafts(access.case)]}


@router.post("/cases/{memo_id}/reply-drafts", response={201: ReplyOut, **ERRORS})
def save_reply_draft(
    request: HttpRequest, memo_id: str, payload: ReplyDraftIn
) -> Status[dict[str, object] | None]:
    """Save a reply draft on top of `base_version`. Another officer's save since gives 409
    "conflict" and saves nothing."""
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    version = do_save_reply_draft(
        access.case, payload.body, base_version=payload.base_version, acting_user=access.user
    )
    saved = next(v for v in queries.reply_drafts(access.case) if v.number == version.number)
    return Status(201, _reply(saved))


@router.post("/cases/{memo_id}/reply", response={200: CaseOut, **ERRORS})
def send_reply(request: HttpRequest, memo_id: str, payload: SendReplyIn) -> dict[str, object]:
    """The office head approves draft `version` and sends it; there is one reply."""
    access = _case_access(request, memo_id, CaseNeed.HEAD)
    do_approve_and_send_reply(access.case, version=payload.version, acting_user=access.user)
    return _case(access)


@router.post("/cases/{memo_id}/rejoinder", response={201: RejoinderOut, **ERRORS})
def rejoinder(
    request: HttpRequest, memo_id: str, payload: RejoinderIn
) -> Status[dict[str, object]]:
    """The drafters' one answer to the reply, before the case closes."""
    access = _case_access(request, memo_id, CaseNeed.DRAFTER)
    do_rejoinder(access.case, payload.body, acting_user=access.user)
    view = queries.rejoinder_of(access.case)
    assert view is not None
    return Status(201, {**view.__dict__, "html": render(view.body)})


# --------------------------------------------------------------------------- meetings, close


@router.post("/cases/{memo_id}/meetings", response={201: MeetingOut, **ERRORS})
def request_meeting(
    request: HttpRequest, memo_id: str, payload: MeetingIn
) -> Status[dict[str, object]]:
    """A drafter or the office asks for a meeting (one open request at a time)."""
    access = _case_access(request, memo_id, CaseNeed.MEETING)
    meeting = do_request_meeting(access.case, payload.note, acting_user=access.user)
    view = next(m for m in queries.meetings_of(access.case) if m.id == meeting.id)
    return Status(201, view.__dict__)


@router.post("/cases/{memo_id}/meetings/{meeting_id}/record", response={200: MeetingOut, **ERRORS})
def record_meeting(
    request: HttpRequest, memo_id: str, meeting_id: str, payload: MeetingRecordIn
) -> dict[str, object]:
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    meeting = access_meeting_for(access, meeting_id)
    do_record_meeting(
        meeting, held_on=payload.held_on, outcome=payload.outcome, acting_user=access.user
    )
    view = next(m for m in queries.meetings_of(access.case) if m.id == meeting.id)
    return view.__dict__


@router.post("/cases/{memo_id}/close", response={200: CaseOut, **ERRORS})
def close(request: HttpRequest, memo_id: str) -> dict[str, object]:
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    do_close(access.case, acting_user=access.user)
    return _case(access)


@router.get("/cases/{memo_id}/notes", response={200: WrittenListOut, **ERRORS})
def list_notes(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """The office's internal notes (never shown outside the office)."""
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    return {"items": [n.__dict__ for n in queries.notes_of(access.case)]}


@router.post("/cases/{memo_id}/notes", response={201: WrittenOut, **ERRORS})
def add_note(request: HttpRequest, memo_id: str, payload: TextIn) -> Status[dict[str, object]]:
    access = _case_access(request, memo_id, CaseNeed.OFFICE)
    note = do_add_internal_note(access.case, payload.text, acting_user=access.user)
    written = next(n for n in queries.notes_of(access.case) if n.id == note.id)
    return Status(201, written.__dict__)


# --------------------------------------------------------------------------- principals


@router.get("/reading-list", response={200: ReadingListOut, **ERRORS})
def reading_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    """The messages distributed to the calling principal, most recent first."""
    user = _user(request)
    require_principal(user)
    page = queries.reading_list(user, page=query.page)
    items = [
        {
            "id": item.case.memo_id,
            "title": item.title,
            "banner": item.banner,
            "state": item.case.state,
            "label": item.label,
            "is_extra": item.is_extra,
            "received_at": item.case.received_at,
            "distributed_at": item.distributed_at,
            "replied_at": item.case.replied_at,
        }
        for item in page.items
    ]
    return _listing(page, items)


def _listing(page: queries.Page[Any], items: Sequence[object]) -> dict[str, object]:
    """One page of a list, as every list of this API answers it."""
    return {
        "items": items,
        "total": page.total,
        "total_exact": page.total_exact,
        "page": page.page,
        "per_page": page.per_page,
    }


# --------------------------------------------------------------------------- reports


def _report(view: queries.ReportView) -> dict[str, object]:
    return {
        "id": view.id,
        "message_id": view.memo_id,
        "kind": view.kind,
        "reporter": view.reporter,
        "created_at": view.created_at,
        "text": view.text,
    }


@router.get("/reprisal-reports", response={200: ReportListOut, **ERRORS})
def list_reports(request: HttpRequest, query: Query[PageQuery]) -> dict[str, object]:
    """Reports of reprisal or unauthorized disclosure: the office head and auditors only."""
    require_reprisal_reader(_user(request))
    page = queries.reprisal_reports(page=query.page)
    return {
        "items": [_report(r) for r in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }


@router.get("/reprisal-reports/{report_id}", response={200: ReportOut, **ERRORS})
def get_report(request: HttpRequest, report_id: str) -> dict[str, object]:
    return _report(queries.report_view(access_report_for(_user(request), report_id)))


# --------------------------------------------------------------------------- drafters' side


@messages_router.get("/{memo_id}/accesses", response={200: AccessLogOut, **ERRORS})
def accesses(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """Access transparency, for the drafters: every opening of the submitted text (who,
    role, when, newest first) and every extra recipient with the office head's reason."""
    access = _case_access(request, memo_id, CaseNeed.DRAFTER)
    return {
        "items": [o.__dict__ for o in queries.access_log(access.memo)],
        "extra_recipients": [r.__dict__ for r in queries.recipients_of(access.case) if r.is_extra],
    }


@messages_router.post("/{memo_id}/reprisal-reports", response={201: ReportOut, **ERRORS})
def report_reprisal(
    request: HttpRequest, memo_id: str, payload: ReportIn
) -> Status[dict[str, object]]:
    """Report reprisal or unauthorized disclosure linked to this message, at any time (a
    drafter or an invited co-signer). It reaches the office head and auditors only."""
    user = _user(request)
    memo = access_memo_to_report(user, memo_id)
    report = do_report_reprisal(memo, payload.kind, payload.text, acting_user=user)
    return Status(201, _report(queries.report_view(report)))


@messages_router.get("/{memo_id}/reprisal-reports", response={200: ReportListOut, **ERRORS})
def own_reports(request: HttpRequest, memo_id: str) -> dict[str, object]:
    """The caller's own reports about this message."""
    user = _user(request)
    memo = access_memo_to_report(user, memo_id)
    items = [_report(r) for r in queries.own_reports(memo, user)]
    return {"items": items, "total": len(items), "page": 1, "per_page": max(1, len(items))}
