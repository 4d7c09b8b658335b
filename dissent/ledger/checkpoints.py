"""Signed checkpoints of the log, and the witnesses' cosignatures on them.

The log's Ed25519 key comes from DISSENT_LEDGER_SIGNING_KEY (or _FILE) and never from the
database, so a copy of the database cannot sign a rewritten history. In demo or debug mode
a key is generated once into DATA_DIR. Without a key in production, the log still records
every event, but signing refuses with LedgerKeyMissing, whose message says what to set.

When checkpoints are made: on demand, where one is needed (a receipt download, the
checkpoint endpoint, the witness), at most one per DISSENT_LEDGER_CHECKPOINT_SECONDS, and
only when the log has grown (same size: the existing checkpoint is returned). There is no
scheduler to depend on; `dissent ledger checkpoint` makes one now (e.g. from cron).

Before signing, a new checkpoint is checked against the latest signed one with a
consistency proof from storage: the log must never sign a tree that does not extend what it
signed before (c2sp.org/tlog-checkpoint, "Signatures"). Threat handled: a rewritten log
getting a fresh, valid-looking signature.
"""

from __future__ import annotations

import functools
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dissent.crypto.signing import SignerKey, VerifierKey
from dissent.ledger import keys, merkle, store
from dissent.ledger.models import Checkpoint, Cosignature
from dissent.ledger.note import (
    Checkpoint as CheckpointBody,
)
from dissent.ledger.note import (
    NoteError,
    add_signatures,
    cosigner_key,
    parse_signature_line,
    sign_checkpoint,
    split_note,
    verify_cosignature,
)
from dissent.lib.errors import DissentError, Forbidden, InvalidInput, NotFound

# Cosignatures dated further ahead than this are refused (the spec allows refusing any).
MAX_CLOCK_SKEW_SECONDS = 300


class LedgerKeyMissing(DissentError):
    """The log has no signing key configured (production): it cannot sign checkpoints."""

    code = "ledger_key_missing"
    status = 503


class LedgerInconsistent(DissentError):
    """The stored log does not extend the last signed checkpoint: it will not be signed."""

    code = "ledger_inconsistent"
    status = 500


@functools.lru_cache(maxsize=4)
def _configured_signer(value: str) -> SignerKey:
    return keys.parse_configured_signer(value)


@functools.lru_cache(maxsize=4)
def _witness_keys(values: tuple[str, ...]) -> tuple[VerifierKey, ...]:
    return tuple(keys.parse_witness_keys(list(values), "DISSENT_LEDGER_WITNESS_KEYS"))


def signing_key() -> SignerKey:
    if settings.LEDGER_SIGNING_KEY:
        return _configured_signer(settings.LEDGER_SIGNING_KEY)
    if settings.DEBUG or settings.DEMO:
        name = settings.LEDGER_ORIGIN or keys.default_origin(settings.BASE_URL)
        return keys.demo_signer(settings.DATA_DIR, name)
    raise LedgerKeyMissing(
        "the log has no signing key, so it cannot sign checkpoints or give receipts: set "
        "DISSENT_LEDGER_SIGNING_KEY (or DISSENT_LEDGER_SIGNING_KEY_FILE) to a signer key "
        "made with `dissent ledger keygen <origin>`"
    )


def verifier_key() -> VerifierKey:
    """The log's public key: what receipts and witnesses are checked against."""
    return signing_key().verifier


def log_origin() -> str:
    return settings.LEDGER_ORIGIN or signing_key().name


def witness_keys() -> tuple[VerifierKey, ...]:
    return _witness_keys(tuple(settings.LEDGER_WITNESS_KEYS))


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def make_checkpoint() -> Checkpoint:
    """Sign the log at its current size, unless a checkpoint of that size exists already."""
    signer = signing_key()
    origin = log_origin()
    with transaction.atomic():
        size = store.size()
        existing = Checkpoint.objects.filter(size=size).first()
        if existing is not None:
            return existing
        root = store.root(size)
        _require_extension_of_signed_history(size, root)
        note = sign_checkpoint(CheckpointBody(origin, size, root), signer)
        try:
            with transaction.atomic():  # savepoint: a concurrent maker may have won the size
                return Checkpoint.objects.create(size=size, root=root, note=note)
        except IntegrityError:
            return Checkpoint.objects.get(size=size)


def _require_extension_of_signed_history(size: int, root: bytes) -> None:
    if Checkpoint.objects.filter(size__gt=size).exists():
        raise LedgerInconsistent(
            f"the log has {size} entries but a larger checkpoint was signed before: entries "
            "were removed. Run `dissent ledger verify`."
        )
    previous = Checkpoint.objects.filter(size__lt=size, size__gt=0).order_by("-size").first()
    if previous is None:
        return
    try:
        proof = store.consistency_proof(previous.size, size)
        merkle.verify_consistency(previous.size, size, bytes(previous.root), root, proof)
    except (merkle.ProofError, store.RangeError, store.LedgerError) as exc:
        raise LedgerInconsistent(
            f"the log at size {size} does not extend the checkpoint signed at size "
            f"{previous.size} ({exc}); it will not be signed. Run `dissent ledger verify`."
        ) from None


def current_checkpoint() -> Checkpoint:
    """The latest checkpoint if it is recent enough, else a new one (rate limit)."""
    latest = latest_checkpoint()
    fresh = timedelta(seconds=settings.LEDGER_CHECKPOINT_SECONDS)
    if latest is not None and timezone.now() - latest.created_at < fresh:
        return latest
    return make_checkpoint()


def checkpoint_covering(index: int) -> Checkpoint:
    """A checkpoint that includes entry ``index`` (made now if none does yet)."""
    checkpoint = current_checkpoint()
    if checkpoint.size <= index:
        checkpoint = make_checkpoint()
    if checkpoint.size <= index:
        raise NotFound(f"log entry {index} does not exist")
    return checkpoint


def note_with_cosignatures(checkpoint: Checkpoint) -> str:
    """The checkpoint note with every stored witness cosignature appended."""
    lines = [parse_signature_line(c.line) for c in checkpoint.cosignatures.order_by("id")]
    return add_signatures(checkpoint.note, lines) if lines else checkpoint.note


def add_cosignature(size: int, line: str) -> Cosignature:
    """Keep a witness's cosignature/v1 line on the checkpoint of ``size``.

    Unknown witness: Forbidden. Malformed line or a signature that does not verify:
    InvalidInput. A witness's second cosignature on one checkpoint keeps the first.
    """
    try:
        sig = parse_signature_line(line.strip())
    except NoteError as exc:
        raise InvalidInput(f"the cosignature is malformed: {exc}", field="cosignature") from None
    witness = next(
        (
            key
            for key in map(cosigner_key, witness_keys())
            if key.name == sig.name and key.id == sig.key_id
        ),
        None,
    )
    if witness is None:
        raise Forbidden(
            f"{sig.name} ({sig.key_id.hex()}) is not a witness of this log: its public key is "
            "not in DISSENT_LEDGER_WITNESS_KEYS"
        )
    checkpoint = Checkpoint.objects.filter(size=size).first()
    if checkpoint is None:
        raise NotFound(f"there is no checkpoint of size {size}")
    body, _ = split_note(checkpoint.note)
    try:
        timestamp = verify_cosignature(body, sig, witness)
    except NoteError as exc:
        raise InvalidInput(f"the cosignature does not verify: {exc}", field="cosignature") from None
    if timestamp > time.time() + MAX_CLOCK_SKEW_SECONDS:
        raise InvalidInput("the cosignature is dated in the future", field="cosignature")
    with transaction.atomic():
        existing = Cosignature.objects.filter(checkpoint=checkpoint, witness=sig.name).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return Cosignature.objects.create(
                    checkpoint=checkpoint,
                    witness=sig.name,
                    key_hash=sig.key_id,
                    timestamp=timestamp,
                    line=sig.line,
                )
        except IntegrityError:
            return Cosignature.objects.get(checkpoint=checkpoint, witness=sig.name)
