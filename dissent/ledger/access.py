"""Who may see which log entry's proof. Auditors: any. A drafter: the entries about the
messages they draft. Anyone else: NotFound, as for an index that does not exist, so proofs
reveal nothing about messages a person may not know of."""

from __future__ import annotations

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.ledger.leaf import MESSAGE_AREAS
from dissent.ledger.models import LogEntry
from dissent.lib.errors import Forbidden, NotFound
from dissent.memos.access import Need, access_memo_for


def access_entry_for(user: User, index: int) -> LogEntry:
    entry = LogEntry.objects.select_related("event").filter(index=index).first()
    if entry is None or not user.is_authenticated or not user.is_active:
        raise NotFound("no such log entry")
    if user.role == Role.AUDITOR:
        return entry
    event = entry.event
    if event is None or event.type // 100 not in MESSAGE_AREAS or not event.subject_id:
        raise NotFound("no such log entry")
    try:
        access_memo_for(user, event.subject_id, to=Need.DRAFT)
    except (NotFound, Forbidden):
        # A co-signer may read the message but not its log: no hint that the entry exists.
        raise NotFound("no such log entry") from None
    return entry
