"""Receipts: a c2sp.org/tlog-proof@v1 file proving that one event is in the log, checkable
offline by `dissent ledger verify-receipt` (dissent.ledger.receipt_check) with nothing but
the log's public key.

Format (see receipt_check for the verifier):

    c2sp.org/tlog-proof@v1
    extra base64("dissent-receipt/v1\\n" + {"leaf": base64 leaf bytes, "salt": hex | null})
    index <the event's log index>
    <inclusion proof hashes, one base64 per line>

    <the checkpoint note, signed by the log, with any witness cosignatures>

Decision on the salt: a submission receipt carries the salt of the submitted version. The
receipt is the drafters' own (only they may download it), and with the salt the receipt plus
the separately downloaded text (the canonical bytes of dissent.memos.content.encode) prove
exactly what was submitted. Without the text the salt reveals nothing; someone holding both
the salt and the receipt can test guesses of the text, so a drafter who wants to prove only
*that and when* they submitted can share a receipt without the salt (`salt=None`), which
still verifies. Receipts for other events (a reply, later) use the same function.
"""

from __future__ import annotations

from dataclasses import dataclass

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.ledger import merkle, store
from dissent.ledger.checkpoints import (
    LedgerKeyMissing,
    checkpoint_covering,
    current_checkpoint,
    log_origin,
    note_with_cosignatures,
    verifier_key,
)
from dissent.ledger.models import LogEntry, VerificationRun
from dissent.ledger.receipt_check import ReceiptError, check_receipt, encode_extra
from dissent.ledger.tlog_proof import FILE_EXTENSION, TlogProof
from dissent.lib.errors import DissentError, NotFound, TransitionError
from dissent.memos import content
from dissent.memos.access import Need, access_memo_for
from dissent.memos.models import Memo
from dissent.memos.states import State


def receipt_for_event(event: Event, *, salt: bytes | None = None) -> str:
    """The receipt for ``event``'s log entry against a checkpoint that includes it."""
    entry = LogEntry.objects.filter(event=event).only("index", "leaf").first()
    if entry is None:
        raise NotFound("this event is not in the log")
    checkpoint = checkpoint_covering(entry.index)
    proof = store.inclusion_proof(entry.index, checkpoint.size)
    return TlogProof(
        index=entry.index,
        hashes=tuple(proof),
        checkpoint=note_with_cosignatures(checkpoint),
        extra=encode_extra(bytes(entry.leaf), salt),
    ).format()


def submission_event(memo: Memo) -> Event:
    if memo.state == State.DRAFT or memo.submitted_version_id is None:
        raise TransitionError("the receipt comes with submission; this message is a draft")
    event = (
        Event.objects.filter(type=EventType.SUBMITTED, subject_id=str(memo.id))
        .order_by("id")
        .first()
    )
    if event is None:
        raise NotFound("the submission event of this message is missing")
    return event


def submission_receipt(memo: Memo) -> tuple[str, str]:
    """(file name, receipt text) for the message's submission, with the version's salt."""
    event = submission_event(memo)
    version = memo.submitted_version
    assert version is not None  # submission_event checked it
    receipt = receipt_for_event(event, salt=bytes(version.commitment_salt))
    return f"{memo.id}{FILE_EXTENSION}", receipt


def submitted_text(memo: Memo) -> tuple[str, bytes]:
    """(file name, the canonical bytes the submission's commitment covers)."""
    submission_event(memo)
    version = memo.submitted_version
    assert version is not None
    return f"{memo.id}.submitted.txt", content.encode(content.read(version))


@dataclass(frozen=True)
class ReceiptConsistency:
    """What "check my receipt against the current checkpoint" found."""

    ok: bool
    message: str
    index: int | None = None
    receipt_size: int | None = None
    log_size: int | None = None


def check_against_log(data: bytes) -> ReceiptConsistency:
    """Verify a saved receipt, then prove that today's log still extends its checkpoint:
    the history the receipt was issued against has not been rewritten since."""
    try:
        report = check_receipt(data, verifier_key())
    except ReceiptError as exc:
        return ReceiptConsistency(False, f"The receipt does not verify: {exc}.")
    old = report.checkpoint
    if old.origin != log_origin():
        return ReceiptConsistency(False, f"The receipt is from another log ({old.origin}).")
    current = current_checkpoint()
    base = {"index": report.index, "receipt_size": old.size, "log_size": current.size}
    try:
        if old.size > current.size:
            raise merkle.ProofError(
                f"the log now has {current.size} entries, fewer than the {old.size} your "
                "receipt's checkpoint covers"
            )
        proof = store.consistency_proof(old.size, current.size)
        merkle.verify_consistency(old.size, current.size, old.root, bytes(current.root), proof)
    except (merkle.ProofError, store.RangeError, store.LedgerError) as exc:
        return ReceiptConsistency(
            False, f"The current log is NOT consistent with your receipt: {exc}.", **base
        )
    return ReceiptConsistency(
        True,
        f"Your receipt verifies, and the log today ({current.size} entries) still contains "
        f"the {old.size} entries your receipt's checkpoint signed, unchanged: entry "
        f"{report.index} is still there and history was not rewritten.",
        **base,
    )


@dataclass(frozen=True)
class ReceiptPanel:
    """What the message page's receipt panel shows to a drafter of a submitted message."""

    index: int | None
    log_key: str | None
    unavailable: str | None
    last_run: VerificationRun | None


def receipt_panel(memo: Memo, user: User) -> ReceiptPanel | None:
    """None unless ``user`` drafts ``memo`` and it was submitted (the panel stays hidden)."""
    if memo.state == State.DRAFT:
        return None
    try:
        access_memo_for(user, memo.id, to=Need.DRAFT)
        event = submission_event(memo)
    except DissentError:
        return None
    index = LogEntry.objects.filter(event=event).values_list("index", flat=True).first()
    last_run = VerificationRun.objects.order_by("-at", "-id").first()
    try:
        key = verifier_key().encode()
    except LedgerKeyMissing as exc:
        return ReceiptPanel(index, None, exc.message, last_run)
    return ReceiptPanel(index, key, None, last_run)
