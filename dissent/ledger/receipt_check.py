"""Offline verification of a receipt (a c2sp.org/tlog-proof@v1 file), with no database and
no Django: `dissent ledger verify-receipt FILE [--text FILE] [--log-key VKEY]`.

A receipt proves, to anyone holding the log's public key, that one event is in the log:

1. the checkpoint is signed by the log key (and, if witness keys are given, which witnesses
   cosigned it);
2. the leaf, carried in the proof's ``extra`` data, hashes into the checkpoint's root at the
   stated index (RFC 9162 inclusion proof);
3. the leaf says what happened: event type, time, message id, commitment;
4. given the submitted text and the salt, SHA-256("dissent-commitment/v1\\n" || salt || text)
   equals the leaf's commitment: the text is exactly what was submitted.

The ``extra`` data is "dissent-receipt/v1\\n" + canonical JSON {"leaf": base64 leaf bytes,
"salt": hex salt or null}. It is not trusted as such: the leaf is trusted only because its
hash is proved into a signed checkpoint, and the salt only opens the commitment.

Every failure raises ReceiptError naming the part that failed, printed as one line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dissent.crypto.signing import KeyFormatError, VerifierKey, parse_verifier_key
from dissent.ledger import merkle
from dissent.ledger.note import (
    Checkpoint,
    NoteError,
    b64decode_strict,
    b64encode,
    cosignature_timestamp,
    cosigner_key,
    open_checkpoint,
)
from dissent.ledger.tlog_proof import TlogProof, parse_tlog_proof
from dissent.lib.canonical import canonical_json

EXTRA_TAG = "dissent-receipt/v1"
LEAF_TAG = "dissent-ledger-leaf/v1"
COMMITMENT_TAG = b"dissent-commitment/v1\n"  # as dissent.memos.content (a test keeps them equal)
MAX_RECEIPT_BYTES = 1 << 20


class ReceiptError(ValueError):
    """A receipt did not verify. ``part`` names what failed, for the one-line message."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(f"{part}: {message}")
        self.part = part
        self.message = message


def commitment(text: bytes, salt: bytes) -> str:
    return hashlib.sha256(COMMITMENT_TAG + salt + text).hexdigest()


def encode_extra(leaf: bytes, salt: bytes | None) -> bytes:
    return canonical_json(
        EXTRA_TAG, {"leaf": b64encode(leaf), "salt": salt.hex() if salt else None}
    )


def decode_extra(extra: bytes) -> tuple[bytes, bytes | None]:
    """(leaf bytes, salt or None). Raises ValueError on anything but our own encoding."""
    tag, sep, body = extra.partition(b"\n")
    if not sep or tag != EXTRA_TAG.encode():
        raise ValueError(f"the extra data is not {EXTRA_TAG}")
    fields = json.loads(body.decode("utf-8"))
    if not isinstance(fields, dict) or set(fields) != {"leaf", "salt"}:
        raise ValueError("the extra data must hold exactly a leaf and a salt")
    leaf = b64decode_strict(fields["leaf"], "the leaf") if isinstance(fields["leaf"], str) else b""
    if not leaf:
        raise ValueError("the extra data holds no leaf")
    salt_hex = fields["salt"]
    if salt_hex is not None and (not isinstance(salt_hex, str) or len(salt_hex) != 64):
        raise ValueError("the salt must be 32 bytes in hex")
    salt = bytes.fromhex(salt_hex) if salt_hex is not None else None
    if encode_extra(leaf, salt) != extra:  # one spelling only
        raise ValueError("the extra data is not in canonical form")
    return leaf, salt


def decode_leaf(leaf: bytes) -> dict[str, object]:
    tag, sep, body = leaf.partition(b"\n")
    if not sep or tag != LEAF_TAG.encode():
        raise ValueError(f"the leaf is not a {LEAF_TAG} record")
    fields = json.loads(body.decode("utf-8"))
    if not isinstance(fields, dict):
        raise ValueError("the leaf record is not an object")
    if canonical_json(LEAF_TAG, fields) != leaf:
        raise ValueError("the leaf record is not in canonical form")
    return fields


@dataclass
class ReceiptReport:
    checkpoint: Checkpoint
    log_key: VerifierKey
    index: int
    leaf: dict[str, object]
    cosigners: list[tuple[str, int]] = field(default_factory=list)
    salt: bytes | None = None
    text_matches: bool | None = None


def check_receipt(
    data: bytes | str,
    log_key: VerifierKey,
    *,
    witnesses: Sequence[VerifierKey] = (),
    text: bytes | None = None,
    salt: bytes | None = None,
) -> ReceiptReport:
    """Verify a receipt completely, or raise ReceiptError naming the first failure."""
    if len(data) > MAX_RECEIPT_BYTES:
        raise ReceiptError("receipt format", "the file is too large to be a receipt")
    try:
        proof: TlogProof = parse_tlog_proof(data)
    except NoteError as exc:
        raise ReceiptError("receipt format", str(exc)) from None
    try:
        checkpoint, note = open_checkpoint(proof.checkpoint, log_key, witnesses=witnesses)
    except NoteError as exc:
        raise ReceiptError("checkpoint signature", str(exc)) from None
    if proof.extra is None:
        raise ReceiptError("extra data", "the receipt carries no leaf (no extra line)")
    try:
        leaf, receipt_salt = decode_extra(proof.extra)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReceiptError("extra data", str(exc)) from None
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(leaf),
            proof.index,
            checkpoint.size,
            list(proof.hashes),
            checkpoint.root,
        )
    except merkle.ProofError as exc:
        raise ReceiptError("inclusion proof", f"entry {proof.index}: {exc}") from None
    try:
        fields = decode_leaf(leaf)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReceiptError("leaf", str(exc)) from None
    cosigners = []
    for witness in map(cosigner_key, witnesses):
        sig = note.signed_by(witness)
        if sig is None:  # a witness asked for must have cosigned: that is the point of asking
            raise ReceiptError(
                "witness cosignature", f"{witness.name} did not cosign the checkpoint"
            )
        cosigners.append((witness.name, cosignature_timestamp(sig)))
    report = ReceiptReport(checkpoint, log_key, proof.index, fields, cosigners, receipt_salt)
    if text is not None:
        opening = salt if salt is not None else receipt_salt
        if opening is None:
            raise ReceiptError(
                "commitment", "no salt: the receipt has none and --salt is not given"
            )
        expected = fields.get("c")
        if not isinstance(expected, str) or not expected:
            raise ReceiptError("commitment", "this event's leaf commits to no content")
        if commitment(text, opening) != expected:
            raise ReceiptError(
                "commitment", "the text (with this salt) is not what the log committed to"
            )
        report.text_matches = True
    return report


# --- the command line -------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the receipt, a .tlog-proof file")
    parser.add_argument(
        "--text", help="the submitted text as downloaded with the receipt: checks the commitment"
    )
    parser.add_argument(
        "--log-key",
        help="the log's public key (<name>+<id>+<key>) or a file holding it; by default this "
        "installation's own key, if it has one",
    )
    parser.add_argument(
        "--witness-key",
        action="append",
        default=[],
        help="a witness's public key: require its cosignature on the checkpoint (repeatable)",
    )
    parser.add_argument("--salt", help="the salt in hex, if it is not in the receipt")


def _read_key(value: str) -> VerifierKey:
    path = Path(value)
    text = value
    if "+" not in value or path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ReceiptError("log key", f"cannot read {value}: {exc.strerror}") from None
        keys = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        if not keys:
            raise ReceiptError("log key", f"{value} holds no key")
        text = keys[0]
    try:
        return parse_verifier_key(text)
    except KeyFormatError as exc:
        raise ReceiptError("log key", str(exc)) from None


def _when(timestamp: object) -> str:
    if isinstance(timestamp, int):
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(timestamp)


def describe(report: ReceiptReport, type_names: Mapping[int, str]) -> list[str]:
    leaf = report.leaf
    kind = leaf.get("t")
    label = type_names.get(kind, "event") if isinstance(kind, int) else "event"
    cp = report.checkpoint
    lines = [
        "receipt verified",
        f"  log:        {cp.origin}, checkpoint of {cp.size} entries signed by "
        f"{report.log_key.encode()}",
        f"  entry:      index {report.index}, included in that checkpoint",
        f"  event:      {label} ({kind}) at {leaf.get('at')}, message {leaf.get('s')}, "
        f"event {leaf.get('n')}",
    ]
    if leaf.get("c"):
        lines.append(f"  commitment: {leaf['c']}")
    if report.cosigners:
        lines += [f"  witness:    {name} cosigned at {_when(t)}" for name, t in report.cosigners]
    if report.text_matches:
        lines.append("  text:       matches the commitment: this is exactly the submitted text")
    elif leaf.get("c"):
        lines.append("  text:       not checked (give --text FILE to check the submitted text)")
    return lines


def run(options: argparse.Namespace, type_names: Mapping[int, str] | None = None) -> list[str]:
    """Verify as the options say; return the report lines or raise ReceiptError."""
    from dissent.ledger.keys import local_verifier_key

    if options.log_key:
        log_key = _read_key(options.log_key)
    else:
        try:
            found = local_verifier_key()
        except ValueError as exc:
            raise ReceiptError("log key", str(exc)) from None
        if found is None:
            raise ReceiptError(
                "log key", "give --log-key: the log's public key, shown beside your receipt"
            )
        log_key = found
    witnesses = [_read_key(value) for value in options.witness_key]
    try:
        data = Path(options.file).read_bytes()
    except OSError as exc:
        raise ReceiptError("receipt", f"cannot read {options.file}: {exc.strerror}") from None
    text = None
    if options.text:
        try:
            text = Path(options.text).read_bytes()
        except OSError as exc:
            raise ReceiptError("text", f"cannot read {options.text}: {exc.strerror}") from None
    salt = None
    if options.salt:
        try:
            salt = bytes.fromhex(options.salt)
        except ValueError:
            raise ReceiptError("salt", "the salt must be hexadecimal") from None
    report = check_receipt(data, log_key, witnesses=witnesses, text=text, salt=salt)
    return describe(report, type_names or {})


def main(argv: Sequence[str], type_names: Mapping[int, str] | None = None) -> int:
    """`dissent ledger verify-receipt ...` before (and without) Django setup."""
    parser = argparse.ArgumentParser(
        prog="dissent ledger verify-receipt",
        description="Verify a receipt offline: signature, inclusion, and the text's commitment.",
    )
    add_arguments(parser)
    try:
        options = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse printed usage or help
        return int(exc.code or 0) and 2
    try:
        lines = run(options, type_names)
    except ReceiptError as exc:
        sys.stderr.write(f"dissent: verify-receipt: {exc} — NOT VERIFIED\n")
        return 1
    print("\n".join(lines))
    return 0
