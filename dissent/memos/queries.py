"""Read-only questions about messages, for pages and the API (no state changes here)."""

from __future__ import annotations

from django.db.models import Count, F, Q

from dissent.lib.errors import NotFound
from dissent.memos.models import Drafter, Invitation, Memo, Version
from dissent.memos.states import InvitationStatus


def signature_counts_for(memos: list[Memo]) -> dict[object, dict[str, int]]:
    """Exact counts for the drafters' panel, for each message, in one query."""
    signed = Q(invitations__status=InvitationStatus.SIGNED)
    current = Q(invitations__signed_version__number=F("version_count"))
    counts = {
        "invited": Count("invitations"),
        "signed_current": Count("invitations", filter=signed & current),
        "signed_earlier": Count("invitations", filter=signed & ~current),
        "pending": Count("invitations", filter=Q(invitations__status=InvitationStatus.INVITED)),
        "declined": Count("invitations", filter=Q(invitations__status=InvitationStatus.DECLINED)),
        "withdrawn": Count("invitations", filter=Q(invitations__status=InvitationStatus.WITHDRAWN)),
    }
    rows = Memo.objects.filter(id__in=[m.id for m in memos]).values_list("id").annotate(**counts)
    return {memo_id: dict(zip(counts, values, strict=True)) for memo_id, *values in rows}


def signature_counts(memo: Memo) -> dict[str, int]:
    return signature_counts_for([memo])[memo.id]


SIGNATURE_PAGE_SIZE = 50


def signature_page(
    memo: Memo, *, page: int = 1, query: str = "", per_page: int = SIGNATURE_PAGE_SIZE
) -> tuple[list[dict[str, object]], int]:
    """One page of the signature panel (name, e-mail, status, version signed), searchable by
    name or e-mail, and the total number of matching rows. Panels hold up to ~1,000 rows."""
    rows = Invitation.objects.filter(memo=memo).select_related("user", "signed_version")
    if query:
        rows = rows.filter(Q(user__email__icontains=query) | Q(user__display_name__icontains=query))
    total = rows.count()
    page = max(1, page)
    start = (page - 1) * per_page
    items = []
    for inv in rows.order_by("user__email")[start : start + per_page]:
        items.append(
            {
                "user_id": inv.user_id,
                "name": inv.user.name,
                "email": inv.user.email,
                "status": invitation_state(inv, memo),
                "signed_version": inv.signed_version.number if inv.signed_version else None,
                "signed_at": inv.signed_at,
            }
        )
    return items, total


def version_list(memo: Memo) -> list[Version]:
    return list(Version.objects.filter(memo=memo).select_related("author").order_by("number"))


def version_by_number(memo: Memo, number: int) -> Version:
    version = Version.objects.filter(memo=memo, number=number).select_related("author").first()
    if version is None:
        raise NotFound(f"this message has no version {number}")
    return version


def current_version(memo: Memo) -> Version:
    return Version.objects.select_related("author").get(memo=memo, number=memo.version_count)


def current_versions(memos: list[Memo]) -> dict[object, Version]:
    """The latest version of each message, in one query (lists of messages)."""
    rows = Version.objects.filter(memo__in=memos, number=F("memo__version_count"))
    return {version.memo_id: version for version in rows}


def drafter_list(memo: Memo) -> list[Drafter]:
    return list(
        Drafter.objects.filter(memo=memo).select_related("user").order_by("-is_owner", "added_at")
    )


def invitation_state(invitation: Invitation, memo: Memo) -> str:
    """An invitee's status as the API and panels name it: a signature on an older text is
    "signed an earlier version", so the signer is asked to confirm the current one."""
    signed = invitation.signed_version
    if invitation.status == InvitationStatus.SIGNED and signed is not None:
        return "signed" if signed.number == memo.version_count else "signed an earlier version"
    return str(invitation.status)
