"""What the HTML pages show, assembled read-only from messages the caller already reached
through dissent.memos.access. No state changes here; message text only via content.read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from dissent.accounts.eligibility import filing_refusal
from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.lib import markdown
from dissent.memos import content as text
from dissent.memos.access import MemoAccess, drafted_by, invitations_for
from dissent.memos.models import Invitation, Memo, Version
from dissent.memos.queries import (
    SIGNATURE_PAGE_SIZE,
    current_versions,
    signature_counts,
    signature_counts_for,
    signature_page,
    version_by_number,
    version_list,
)
from dissent.memos.states import InvitationStatus, State

TIMELINE_LIMIT = 200
# What co-signers see of a message's history: that it changed and when, not who did what.
_INVITEE_TIMELINE = {EventType.MEMO_CREATED, EventType.VERSION_SAVED, EventType.SUBMITTED}
_MEMO_EVENTS = [t for t in EventType if 100 <= t.value < 200]


@dataclass
class MessageRow:
    memo: Memo
    title: str
    version: Version
    counts: dict[str, int]


def message_rows(user: User) -> list[MessageRow]:
    """ "My messages", newest first, with exact signature counts (one query for all)."""
    memos = list(drafted_by(user).order_by("-updated_at"))
    versions = current_versions(memos)
    counts = signature_counts_for(memos)
    return [
        MessageRow(
            memo=m,
            title=text.read(versions[m.id]).title,
            version=versions[m.id],
            counts=counts[m.id],
        )
        for m in memos
    ]


@dataclass
class InvitationRow:
    invitation: Invitation
    title: str
    version: Version
    status: str
    needs_confirmation: bool


def invitation_status(invitation: Invitation, memo: Memo) -> tuple[str, bool]:
    """The invitee's status in words, and whether they must confirm a changed text."""
    signed = invitation.signed_version
    if invitation.status == InvitationStatus.SIGNED and signed is not None:
        if signed.number == memo.version_count:
            return f"You signed version {signed.number}", False
        if memo.state != State.DRAFT:
            return (
                f"You signed version {signed.number}; version {memo.version_count} was submitted"
            ), False
        return (
            f"Needs your confirmation: you signed version {signed.number}, the text is "
            f"now version {memo.version_count}"
        ), True
    if memo.state != State.DRAFT:
        return (
            f"Submitted without your signature ({invitation.get_status_display().lower()})",
            False,
        )
    return {
        InvitationStatus.INVITED: "Awaiting your answer",
        InvitationStatus.DECLINED: "You declined",
        InvitationStatus.WITHDRAWN: "You withdrew your signature",
    }.get(InvitationStatus(invitation.status), invitation.status), False


def invitation_rows(user: User) -> list[InvitationRow]:
    invitations = list(invitations_for(user).order_by("-invited_at"))
    versions = current_versions([inv.memo for inv in invitations])
    rows = []
    for inv in invitations:
        version = versions[inv.memo_id]
        status, confirm = invitation_status(inv, inv.memo)
        rows.append(
            InvitationRow(
                invitation=inv,
                title=text.read(version).title,
                version=version,
                status=status,
                needs_confirmation=confirm,
            )
        )
    return rows


@dataclass
class TimelineEntry:
    at: datetime
    label: str
    actor: str
    detail: str


def timeline(memo: Memo, viewer: User, *, with_names: bool) -> tuple[list[TimelineEntry], int]:
    """The message's events in order (the latest TIMELINE_LIMIT), and how many there are.
    Only drafters see who did what; co-signers see when the text changed and their own acts."""
    events = Event.objects.filter(subject_id=str(memo.id), type__in=_MEMO_EVENTS)
    if not with_names:
        events = events.filter(Q(type__in=_INVITEE_TIMELINE) | Q(actor=viewer))
    total = events.count()
    rows = list(events.select_related("actor").order_by("-id")[:TIMELINE_LIMIT])[::-1]
    user_ids = {r.payload.get("user") for r in rows if with_names and r.payload.get("user")}
    names = {str(u.id): u.name for u in User.objects.filter(id__in=user_ids)}
    entries = []
    for event in rows:
        if event.actor_id == viewer.id:
            actor = "You"
        else:
            actor = event.actor.name if with_names and event.actor else ""
        details = []
        if "version" in event.payload:
            details.append(f"version {event.payload['version']}")
        if with_names and event.payload.get("user"):
            details.append(names.get(event.payload["user"], "a former colleague"))
        if "signatures" in event.payload:
            details.append(f"{event.payload['signatures']} signatures")
        entries.append(
            TimelineEntry(
                at=event.at, label=event.get_type_display(), actor=actor, detail=", ".join(details)
            )
        )
    return entries, total


@dataclass
class RenderedVersion:
    version: Version
    content: text.MemoContent
    summary_html: str
    body_html: str
    recommendations_html: str


def render_version(version: Version) -> RenderedVersion:
    content = text.read(version)
    # markdown.render sanitises (nh3 allow-list): the only HTML templates mark safe.
    return RenderedVersion(
        version=version,
        content=content,
        summary_html=markdown.render(content.summary),
        body_html=markdown.render(content.body),
        recommendations_html=markdown.render(content.recommendations),
    )


@dataclass
class SignaturePanel:
    counts: dict[str, int]
    items: list[dict[str, object]]
    total: int
    page: int
    pages: int
    query: str
    submitted_count: int | None = None

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def signature_panel(memo: Memo, *, page: int, query: str) -> SignaturePanel:
    query = query.strip()[:100]
    items, total = signature_page(memo, page=page, query=query)
    pages = max(1, -(-total // SIGNATURE_PAGE_SIZE))
    if page > pages:  # a page number past the end (the list shrank): show the last page
        page = pages
        items, total = signature_page(memo, page=page, query=query)
    submitted = memo.submitted_signatures.count() if memo.state != State.DRAFT else None
    return SignaturePanel(
        counts=signature_counts(memo),
        items=items,
        total=total,
        page=page,
        pages=pages,
        query=query,
        submitted_count=submitted,
    )


@dataclass
class MessagePage:
    """Everything the message page shows to one reader."""

    access: MemoAccess
    shown: RenderedVersion
    current_number: int
    versions: list[Version]
    timeline: list[TimelineEntry]
    timeline_total: int
    invitee_status: str = ""
    needs_confirmation: bool = False
    panel: SignaturePanel | None = None
    submit_refusal: str | None = None

    @property
    def memo(self) -> Memo:
        return self.access.memo

    @property
    def is_current(self) -> bool:
        return self.shown.version.number == self.current_number

    @property
    def is_draft(self) -> bool:
        return self.memo.state == State.DRAFT


def message_page(
    access: MemoAccess, *, version: int | None, page: int = 1, query: str = ""
) -> MessagePage:
    memo = access.memo
    number = version or memo.version_count
    entries, total = timeline(memo, access.user, with_names=access.is_drafter)
    result = MessagePage(
        access=access,
        shown=render_version(version_by_number(memo, number)),
        current_number=memo.version_count,
        versions=version_list(memo),
        timeline=entries,
        timeline_total=total,
    )
    if access.invitation is not None:
        result.invitee_status, result.needs_confirmation = invitation_status(
            access.invitation, memo
        )
    if access.is_drafter:
        result.panel = signature_panel(memo, page=page, query=query)
        refusal = filing_refusal(access.user)
        if refusal is None and not result.versions[-1].fully_marked:
            refusal = (
                "Some paragraphs have no portion mark. Start every paragraph of the "
                "summary, body and recommendations with a mark such as (U), save, "
                "then submit."
            )
        result.submit_refusal = refusal
    return result
