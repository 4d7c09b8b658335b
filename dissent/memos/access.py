"""The single chokepoint for reaching a message. Whoever may not know a message exists gets
NotFound — the same answer as for an id that never existed, so ids reveal nothing."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from dissent.accounts.access import parse_uuid
from dissent.accounts.models import User
from dissent.backends.rows import Columns, database, fetch_one, param, quote
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
    memo_uuid = parse_uuid(memo_id, "message")
    # The caller's own drafter or invitation row, with the message joined: nobody is both
    # (do_add_codrafter and do_invite refuse it), and whoever has neither learns nothing,
    # whether the message exists or not. Signers, the many, are looked up first.
    drafter, invitation = None, None
    if to is not Need.SIGN:
        drafter = _own(Drafter, memo_uuid, user)
    if drafter is None:
        invitation = _own(Invitation, memo_uuid, user)
    if to is Need.SIGN and invitation is None and _own(Drafter, memo_uuid, user) is not None:
        raise Forbidden("only people invited to co-sign can do this")
    row = drafter or invitation
    if row is None:
        raise NotFound("no such message")
    if to is Need.DRAFT and drafter is None:
        raise Forbidden("only the message's drafters can do this")
    return MemoAccess(memo=row.memo, user=user, drafter=drafter, invitation=invitation)


def _own(model: type[Drafter] | type[Invitation], memo_id: uuid.UUID, user: User) -> Any:
    """The user's row of `model` for the message, with the message attached, or None.
    Written out (dissent/backends/rows.py): every request about a message starts here."""
    own, memo, connection = _OWN_COLUMNS[model], _MEMO_COLUMNS, database()
    row = fetch_one(
        connection,
        _OWN_SQL[model],
        [param(model, "memo", memo_id, connection), param(model, "user", user.pk, connection)],
    )
    if row is None:
        return None
    found: Any = own.build(row, connection)
    found.memo = memo.build(row, connection, start=own.width)
    found.user = user
    return found


_MEMO_COLUMNS = Columns(Memo, "m")
_OWN_COLUMNS = {model: Columns(model, "o") for model in (Drafter, Invitation)}
_OWN_SQL = {
    model: (
        f"SELECT {columns.sql()}, {_MEMO_COLUMNS.sql()}"  # noqa: S608 - names only
        f" FROM {quote(model._meta.db_table)} o"
        f" JOIN {quote(Memo._meta.db_table)} m ON m.{quote('id')} = o.{quote('memo_id')}"
        f" WHERE o.{quote('memo_id')} = %s AND o.{quote('user_id')} = %s"
    )
    for model, columns in _OWN_COLUMNS.items()
}


def drafted_by(user: User):  # type: ignore[no-untyped-def]
    """The messages the user drafts: "my messages"."""
    return Memo.objects.filter(drafters__user=user)


def invitations_for(user: User):  # type: ignore[no-untyped-def]
    """The user's invitations to co-sign, with their messages."""
    return Invitation.objects.filter(user=user).select_related("memo", "signed_version")
