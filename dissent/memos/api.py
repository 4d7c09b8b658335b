"""The JSON API for drafters and co-signers: /api/v1/messages. Handlers parse, reach the
message through dissent.memos.access, call one action or query, and shape the answer.

Ids are taken as plain strings and parsed by access: a malformed id is 404, like an unknown
one and like a message the caller may not know about. Text limits are content.clean's
(documented here as maxLength) so the API and the pages refuse with the same words; Django's
DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) bounds the whole request before any of this runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from dissent.accounts.models import User
from dissent.api.schemas import ERRORS
from dissent.lib.markdown import render
from dissent.lib.numbers import MAX_PAGE
from dissent.memos import content as text
from dissent.memos.access import MemoAccess, Need, access_memo_for, drafted_by, invitations_for
from dissent.memos.actions import (
    MAX_INVITES_PER_REQUEST,
    do_add_codrafter,
    do_create_memo,
    do_decline,
    do_invite,
    do_save_version,
    do_sign,
    do_submit,
    do_withdraw,
)
from dissent.memos.diff import diff_contents
from dissent.memos.models import Drafter, Invitation, Memo, Version
from dissent.memos.queries import (
    SIGNATURE_PAGE_SIZE,
    current_version,
    current_versions,
    drafter_list,
    invitation_state,
    signature_counts,
    signature_counts_for,
    signature_page,
    version_by_number,
    version_list,
)
from dissent.review.actions import do_record_opening

router = Router(tags=["messages"])

EMAIL_MAX_CHARS = 254
Email = Annotated[str, Field(max_length=EMAIL_MAX_CHARS)]


def _limit(chars: int, note: str = "", default: Any = ...) -> Any:
    # Documented here, enforced by content.clean (which names the limit in its message).
    return Field(default, json_schema_extra={"maxLength": chars}, description=note or None)


# --------------------------------------------------------------------------- schemas


class MemoIn(Schema):
    title: str = _limit(text.TITLE_MAX_CHARS, "One line, at most 300 characters.")
    summary: str = _limit(text.SUMMARY_MAX_CHARS, default="")
    body: str = _limit(
        text.BODY_MAX_BYTES, "Markdown with portion marks; at most 200 KB of UTF-8.", default=""
    )
    recommendations: str = _limit(text.RECOMMENDATIONS_MAX_CHARS, default="")


class MemoPatch(Schema):
    base_version: int = Field(..., ge=1, description="The version the edit started from.")
    title: str | None = _limit(text.TITLE_MAX_CHARS, default=None)
    summary: str | None = _limit(text.SUMMARY_MAX_CHARS, default=None)
    body: str | None = _limit(text.BODY_MAX_BYTES, default=None)
    recommendations: str | None = _limit(text.RECOMMENDATIONS_MAX_CHARS, default=None)


class InviteIn(Schema):
    emails: list[Email] = Field(..., min_length=1, max_length=MAX_INVITES_PER_REQUEST)


class CodrafterIn(Schema):
    email: Email


class SignIn(Schema):
    version: int = Field(..., ge=1, description="The version the signer read.")


class SubmitIn(Schema):
    version: int = Field(..., ge=1, description="The version the drafter reviewed.")
    names_visible_to: Literal["office", "principals"] = "office"


class CountsOut(Schema):
    invited: int
    signed_current: int
    signed_earlier: int
    pending: int
    declined: int
    withdrawn: int


class InvitationOut(Schema):
    status: str = Field(
        ..., description="invited, signed, signed an earlier version, declined or withdrawn"
    )
    signed_version: int | None
    signed_at: datetime | None
    invited_at: datetime
    responded_at: datetime | None


class DrafterOut(Schema):
    id: UUID
    name: str
    email: str
    is_owner: bool


class HtmlOut(Schema):
    summary: str
    body: str
    recommendations: str


class MemoSummaryOut(Schema):
    id: UUID
    title: str
    state: str
    role: Literal["drafter", "invitee"]
    version: int
    banner: str
    updated_at: datetime
    counts: CountsOut | None = Field(None, description="Drafters only.")
    invitation: InvitationOut | None = Field(None, description="Invitees only.")


class MemoListOut(Schema):
    items: list[MemoSummaryOut]


class MemoOut(Schema):
    id: UUID
    caption: str = "DISSENT CHANNEL"
    title: str
    summary: str
    body: str
    recommendations: str
    html: HtmlOut
    state: str
    role: Literal["drafter", "invitee"]
    version: int
    hash: str
    banner: str
    fully_marked: bool
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    submitted_version: int | None
    names_visible_to: str | None = Field(None, description="Drafters only.")
    drafters: list[DrafterOut]
    counts: CountsOut | None = Field(None, description="Drafters only.")
    invitation: InvitationOut | None = Field(None, description="Invitees only.")


class VersionOut(Schema):
    number: int
    hash: str
    author: str
    created_at: datetime
    banner: str
    fully_marked: bool


class VersionListOut(Schema):
    items: list[VersionOut]


class VersionTextOut(VersionOut):
    title: str
    summary: str
    body: str
    recommendations: str
    html: HtmlOut


class DiffLineOut(Schema):
    op: Literal["same", "added", "removed"]
    text: str


class FieldDiffOut(Schema):
    field: str
    changed: bool
    lines: list[DiffLineOut]


class DiffOut(Schema):
    from_version: int
    to_version: int
    fields: list[FieldDiffOut]


class InviteReportOut(Schema):
    invited: list[str]
    already_invited: list[str]
    not_found: list[str]
    not_allowed: list[str]


class SignatureRowOut(Schema):
    user_id: UUID
    name: str
    email: str
    status: str
    signed_version: int | None
    signed_at: datetime | None


class SignaturePageOut(Schema):
    items: list[SignatureRowOut]
    total: int
    page: int
    per_page: int
    counts: CountsOut


# --------------------------------------------------------------------------- shaping


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _invitation(invitation: Invitation, memo: Memo) -> dict[str, object]:
    signed = invitation.signed_version
    return {
        "status": invitation_state(invitation, memo),
        "signed_version": signed.number if signed else None,
        "signed_at": invitation.signed_at,
        "invited_at": invitation.invited_at,
        "responded_at": invitation.responded_at,
    }


def _own_invitation(access: MemoAccess) -> dict[str, object]:
    """The caller's invitation as it is now, after the action."""
    memo = Memo.objects.get(id=access.memo.id)
    invitation = Invitation.objects.select_related("signed_version").get(
        memo=memo, user=access.user
    )
    return _invitation(invitation, memo)


def _html(content: text.MemoContent) -> dict[str, str]:
    return {name: render(getattr(content, name)) for name in ("summary", "body", "recommendations")}


def _version(version: Version) -> dict[str, object]:
    return {
        "number": version.number,
        "hash": version.content_hash,
        "author": version.author.name,
        "created_at": version.created_at,
        "banner": version.banner,
        "fully_marked": version.fully_marked,
    }


def _drafter(drafter: Drafter) -> dict[str, object]:
    return {
        "id": drafter.user.id,
        "name": drafter.user.name,
        "email": drafter.user.email,
        "is_owner": drafter.is_owner,
    }


def _detail(access: MemoAccess) -> dict[str, object]:
    memo = Memo.objects.get(id=access.memo.id)  # fresh: the action may just have changed it
    version = current_version(memo)
    content = text.read(version)
    invitation = (
        Invitation.objects.select_related("signed_version").get(id=access.invitation.id)
        if access.invitation
        else None
    )
    submitted = memo.submitted_version
    return {
        "id": memo.id,
        **{name: getattr(content, name) for name in text.FIELDS},
        "html": _html(content),
        "state": memo.state,
        "role": "drafter" if access.is_drafter else "invitee",
        "version": version.number,
        "hash": version.content_hash,
        "banner": version.banner,
        "fully_marked": version.fully_marked,
        "created_at": memo.created_at,
        "updated_at": memo.updated_at,
        "submitted_at": memo.submitted_at,
        "submitted_version": submitted.number if submitted else None,
        "names_visible_to": memo.names_visible_to if access.is_drafter and submitted else None,
        "drafters": [_drafter(d) for d in drafter_list(memo)],
        "counts": signature_counts(memo) if access.is_drafter else None,
        "invitation": _invitation(invitation, memo) if invitation else None,
    }


def _summary(
    memo: Memo,
    version: Version,
    *,
    counts: dict[str, int] | None = None,
    invitation: Invitation | None = None,
) -> dict[str, object]:
    """A drafter's row carries the counts, an invitee's their invitation."""
    return {
        "id": memo.id,
        "title": text.read(version).title,
        "state": memo.state,
        "role": "drafter" if invitation is None else "invitee",
        "version": version.number,
        "banner": version.banner,
        "updated_at": memo.updated_at,
        "counts": counts,
        "invitation": _invitation(invitation, memo) if invitation else None,
    }


# --------------------------------------------------------------------------- messages


@router.get("", response={200: MemoListOut, **ERRORS})
def list_messages(request: HttpRequest) -> dict[str, object]:
    """Messages the caller drafts or is invited to co-sign, most recently changed first."""
    user = _user(request)
    drafted = list(drafted_by(user))
    invitations = list(invitations_for(user))
    versions = current_versions(drafted + [inv.memo for inv in invitations])
    counts = signature_counts_for(drafted)
    items = [_summary(m, versions[m.id], counts=counts[m.id]) for m in drafted]
    items += [_summary(i.memo, versions[i.memo_id], invitation=i) for i in invitations]
    items.sort(key=lambda item: item["updated_at"], reverse=True)  # type: ignore[arg-type,return-value]
    return {"items": items}


@router.post("", response={201: MemoOut, **ERRORS})
def create_message(request: HttpRequest, payload: MemoIn) -> Status[dict[str, object]]:
    user = _user(request)
    memo = do_create_memo(text.clean(**payload.dict()), acting_user=user)
    return Status(201, _detail(access_memo_for(user, memo.id)))


@router.get("/{memo_id}", response={200: MemoOut, **ERRORS})
def get_message(request: HttpRequest, memo_id: str) -> dict[str, object]:
    access = access_memo_for(_user(request), memo_id)
    do_record_opening(access.memo, acting_user=access.user)  # access transparency
    return _detail(access)


@router.patch("/{memo_id}", response={200: MemoOut, **ERRORS})
def save_message(request: HttpRequest, memo_id: str, payload: MemoPatch) -> dict[str, object]:
    """Save a new version on top of `base_version`; fields left out keep their text. A
    co-drafter's save since `base_version` gives 409 "conflict" and saves nothing."""
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    current = text.read(current_version(access.memo))
    given = payload.dict(exclude={"base_version"})
    content = text.clean(
        **{
            name: given[name] if given[name] is not None else getattr(current, name)
            for name in text.FIELDS
        }
    )
    do_save_version(
        access.memo, content, base_version=payload.base_version, acting_user=access.user
    )
    return _detail(access)


# --------------------------------------------------------------------------- versions


@router.get("/{memo_id}/versions", response={200: VersionListOut, **ERRORS})
def list_versions(request: HttpRequest, memo_id: str) -> dict[str, object]:
    access = access_memo_for(_user(request), memo_id)
    return {"items": [_version(v) for v in version_list(access.memo)]}


@router.get("/{memo_id}/versions/{number}", response={200: VersionTextOut, **ERRORS})
def get_version(request: HttpRequest, memo_id: str, number: int) -> dict[str, object]:
    access = access_memo_for(_user(request), memo_id)
    version = version_by_number(access.memo, number)
    content = text.read(version)
    return {
        **_version(version),
        **{name: getattr(content, name) for name in text.FIELDS},
        "html": _html(content),
    }


@router.get("/{memo_id}/diff", response={200: DiffOut, **ERRORS})
def diff_versions(
    request: HttpRequest, memo_id: str, from_: int = Query(..., alias="from"), to: int = Query(...)
) -> dict[str, object]:
    access = access_memo_for(_user(request), memo_id)
    old = text.read(version_by_number(access.memo, from_))
    new = text.read(version_by_number(access.memo, to))
    return {"from_version": from_, "to_version": to, "fields": diff_contents(old, new)}


# --------------------------------------------------------------------------- drafters


@router.post("/{memo_id}/invite", response={200: InviteReportOut, **ERRORS})
def invite(request: HttpRequest, memo_id: str, payload: InviteIn) -> object:
    """Invite co-signers by e-mail (at most 2,000 a request). The answer says who was
    invited, who already was, who was not found and who may not co-sign (drafters, other
    roles); nobody is invited twice."""
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    return do_invite(access.memo, payload.emails, acting_user=access.user)


@router.post("/{memo_id}/codrafters", response={201: DrafterOut, **ERRORS})
def add_codrafter(
    request: HttpRequest, memo_id: str, payload: CodrafterIn
) -> Status[dict[str, object]]:
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    drafter = do_add_codrafter(access.memo, payload.email, acting_user=access.user)
    return Status(201, _drafter(drafter))


class SignatureQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    q: str = Field("", max_length=200, description="Part of a name or e-mail address.")


@router.get("/{memo_id}/signatures", response={200: SignaturePageOut, **ERRORS})
def signatures(
    request: HttpRequest, memo_id: str, query: Query[SignatureQuery]
) -> dict[str, object]:
    """The drafters' signature panel: 50 rows a page, searchable, with exact counts."""
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    items, total = signature_page(access.memo, page=query.page, query=query.q.strip())
    return {
        "items": items,
        "total": total,
        "page": query.page,
        "per_page": SIGNATURE_PAGE_SIZE,
        "counts": signature_counts(access.memo),
    }


@router.post("/{memo_id}/submit", response={200: MemoOut, **ERRORS})
def submit(request: HttpRequest, memo_id: str, payload: SubmitIn) -> dict[str, object]:
    """Freeze `version` and hand the message to the review office; the signatures on exactly
    that version go with it."""
    access = access_memo_for(_user(request), memo_id, to=Need.DRAFT)
    do_submit(
        access.memo,
        version=payload.version,
        names_visible_to=payload.names_visible_to,
        acting_user=access.user,
    )
    return _detail(access)


# --------------------------------------------------------------------------- co-signers


@router.post("/{memo_id}/sign", response={200: InvitationOut, **ERRORS})
def sign(request: HttpRequest, memo_id: str, payload: SignIn) -> dict[str, object]:
    access = access_memo_for(_user(request), memo_id, to=Need.SIGN)
    invitation = do_sign(access.memo, version=payload.version, acting_user=access.user)
    return _invitation(invitation, invitation.memo)


@router.post("/{memo_id}/decline", response={200: InvitationOut, **ERRORS})
def decline(request: HttpRequest, memo_id: str) -> dict[str, object]:
    access = access_memo_for(_user(request), memo_id, to=Need.SIGN)
    do_decline(access.memo, acting_user=access.user)
    return _own_invitation(access)


@router.post("/{memo_id}/withdraw", response={200: InvitationOut, **ERRORS})
def withdraw(request: HttpRequest, memo_id: str) -> dict[str, object]:
    access = access_memo_for(_user(request), memo_id, to=Need.SIGN)
    do_withdraw(access.memo, acting_user=access.user)
    return _own_invitation(access)
