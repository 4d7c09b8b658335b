"""The single chokepoint for reaching a message. Whoever may not know a message exists gets
NotFound — the same answer as for an id that never existed, so ids reveal nothing."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dissent.accounts.access import parse_uuid
from dissent.accounts.models import User
from dissent.lib.errors import Forbidden, NotFound
from dissent.memos.models import Drafter, Invitation, Memo


class Need(enum.Enum):
    READ = "read"  # see the message, its versions and its signature counts
    DRAFT = "draft"  # edit, invite, add co-drafters, submit: drafters only
    SIGN = "sign"  # sign, decline, withdraw: invitees only


@dataclass(frozen=True)
class MemoAccess:
    memo: Memo
    user: User
    drafter: Drafter | None
    invitation: Invitation | None

    @property
    def is_drafter(self) -> bool:
        return self.drafter is not None


def access_memo_for(user: User, memo_id: object, *, to: Need = Need.READ) -> MemoAccess:
    if not user.is_authenticated or not user.is_active:
        raise NotFound("no such message")
    memo = Memo.objects.filter(id=parse_uuid(memo_id, "message")).first()
    if memo is None:
        raise NotFound("no such message")
    drafter = Drafter.objects.filter(memo=memo, user=user).first()
    invitation = None if drafter else Invitation.objects.filter(memo=memo, user=user).first()
    if drafter is None and invitation is None:
        raise NotFound("no such message")
    if to is Need.DRAFT and drafter is None:
        raise Forbidden("only the message's drafters can do this")
    if to is Need.SIGN and invitation is None:
        raise Forbidden("only people invited to co-sign can do this")
    return MemoAccess(memo=memo, user=user, drafter=drafter, invitation=invitation)


def drafted_by(user: User):  # type: ignore[no-untyped-def]
    """The messages the user drafts: "my messages"."""
    return Memo.objects.filter(drafters__user=user)


def invitations_for(user: User):  # type: ignore[no-untyped-def]
    """The user's invitations to co-sign, with their messages."""
    return Invitation.objects.filter(user=user).select_related("memo", "signed_version")
