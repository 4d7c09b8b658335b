"""C2SP signed notes, checkpoints and cosignatures, built to the published specs:

- c2sp.org/signed-note (and golang.org/x/mod/sumdb/note, whose examples are our test vectors):
  a text ending in a newline, a blank line, then signature lines
  "— <key name> base64(4-byte key id || signature)".
- c2sp.org/tlog-checkpoint: the note text "<origin>\\n<size>\\n<base64 root>\\n" plus optional
  non-empty extension lines.
- c2sp.org/tlog-cosignature, Ed25519 "cosignature/v1" (signature type 0x04): the witness signs
  "cosignature/v1\\ntime <T>\\n" + the checkpoint text, and the signature is
  8-byte big-endian T || 64-byte Ed25519 signature.

Pure: imports only dissent.crypto and the standard library, so a receipt can be checked
offline, without Django or a database.

Threat handled: a forged, altered or replayed checkpoint. A note is only believed if a key
the caller trusts signed it; signatures by unknown keys are ignored (as the spec requires,
so witnesses and key rotation do not break verifiers); a bad signature by a known key
rejects the whole note.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dissent.crypto.signing import (
    COSIGNATURE_V1,
    ED25519,
    SIGNATURE_SIZE,
    SignerKey,
    VerifierKey,
    is_valid_key_name,
)

SIGNATURE_PREFIX = "— "  # em dash U+2014, space
MAX_SIGNATURES = 100  # the spec asks for at least 16; sumdb's note package allows 100
MAX_NOTE_BYTES = 1 << 20
TIMESTAMP_MAX = (1 << 63) - 1
HASH_SIZE = 32


class NoteError(ValueError):
    """A note, checkpoint or signature was refused; the message says why."""


class MalformedNote(NoteError):
    pass


class UnverifiedNote(NoteError):
    """No signature by a trusted key (the text must then be ignored)."""


class InvalidSignature(NoteError):
    """A trusted key's signature does not verify: the note was altered or forged."""


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 (RFC 4648 section 4), canonical spelling only."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedNote(f"{what} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise MalformedNote(f"{what} is not canonical base64")
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# --- signed notes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, 4-byte key id, and the signature bytes after the id."""

    name: str
    key_id: bytes
    data: bytes

    @property
    def line(self) -> str:
        """The line as it appears in a note, without the newline."""
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id + self.data)}"

    def matches(self, key: VerifierKey) -> bool:
        return self.name == key.name and self.key_id == key.id


def parse_signature_line(line: str) -> Signature:
    line = line.removesuffix("\n")
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNote("a signature line starts with an em dash and a space")
    name, sep, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not sep or not is_valid_key_name(name) or not b64:
        raise MalformedNote("a signature line is '— <key name> <base64 signature>'")
    raw = b64decode_strict(b64, "the signature")
    if len(raw) < 5:
        raise MalformedNote("a signature holds a 4-byte key id and at least one byte")
    return Signature(name, raw[:4], raw[4:])


@dataclass(frozen=True)
class Note:
    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]

    def signed_by(self, key: VerifierKey) -> Signature | None:
        return next((sig for sig in self.verified if sig.matches(key)), None)


def _as_text(message: str | bytes) -> str:
    if isinstance(message, bytes):
        if len(message) > MAX_NOTE_BYTES:
            raise MalformedNote("the note is too large")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("a note must be UTF-8") from None
    try:
        encoded = message.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedNote("a note must be UTF-8") from None
    if len(encoded) > MAX_NOTE_BYTES:
        raise MalformedNote("the note is too large")
    return message


def split_note(message: str | bytes) -> tuple[str, list[Signature]]:
    """The note text (with its final newline) and its signature lines, unverified."""
    message = _as_text(message)
    if any(ord(ch) < 0x20 and ch != "\n" for ch in message):
        raise MalformedNote("a note may not contain control characters other than newline")
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNote("a note is text, a blank line, then signature lines")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNote("a note ends with signature lines, each ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"a note may carry at most {MAX_SIGNATURES} signatures")
    return text, [parse_signature_line(line) for line in lines]


def _verifies(key: VerifierKey, text: str, sig: Signature) -> bool:
    if key.key_type == ED25519:
        return key.verify_signature(text.encode("utf-8"), sig.data)
    if key.key_type == COSIGNATURE_V1:
        if len(sig.data) != 8 + SIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(sig.data[:8], "big")
        if timestamp > TIMESTAMP_MAX:
            return False
        try:
            message = cosignature_message(text, timestamp)
        except NoteError:
            return False
        return key.verify_signature(message, sig.data[8:])
    return False


def open_note(message: str | bytes, known: Iterable[VerifierKey]) -> Note:
    """Parse a signed note and verify every signature by a known key.

    Signatures by unknown keys (name and key id not both matching a known key) are kept
    as unverified and otherwise ignored. A known key's bad signature raises
    InvalidSignature; no verified signature at all raises UnverifiedNote.
    """
    text, signatures = split_note(message)
    keys: dict[tuple[str, bytes], VerifierKey] = {}
    for key in known:
        other = keys.setdefault((key.name, key.id), key)
        if other != key:
            raise NoteError(f"two different trusted keys share the name and id {key.name}")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for sig in signatures:
        trusted = keys.get((sig.name, sig.key_id))
        if trusted is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if any(seen.matches(trusted) for seen in verified):
            continue  # a repeated signature by one key counts once
        if not _verifies(trusted, text, sig):
            raise InvalidSignature(f"the signature by {sig.name} ({sig.key_id.hex()}) is invalid")
        verified.append(sig)
    if not verified:
        raise UnverifiedNote("the note carries no signature by a trusted key")
    return Note(text, tuple(verified), tuple(unverified))


def sign_note(text: str, signer: SignerKey) -> str:
    """A signed note: ``text`` (which must end in a newline), a blank line, the signature."""
    if signer.key_type != ED25519:
        raise NoteError("note signatures use an Ed25519 (type 0x01) key")
    _check_text(text)
    sig = Signature(signer.name, signer.id, signer.sign(text.encode("utf-8")))
    return f"{text}\n{sig.line}\n"


def add_signatures(message: str, signatures: Iterable[Signature]) -> str:
    """The note with further signature lines (e.g. cosignatures) appended, each once."""
    text, existing = split_note(message)
    lines = [sig.line for sig in existing]
    for sig in signatures:
        if sig.line not in lines:
            lines.append(sig.line)
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"a note may carry at most {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(f"{line}\n" for line in lines)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNote("note text must end with a newline")
    _as_text(text)
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise MalformedNote("a note may not contain control characters other than newline")


# --- checkpoints ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The spec only requires a non-empty line; no spaces or plus is a recommendation
        # (dissent.settings holds our own origin to it).
        if not self.origin or "\n" in self.origin:
            raise MalformedNote("a checkpoint origin is one non-empty line")
        if not 0 <= self.size < 1 << 64:
            raise MalformedNote("a checkpoint size is a 64-bit unsigned number")
        if len(self.root) != HASH_SIZE:
            raise MalformedNote("a checkpoint root hash is 32 bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise MalformedNote("checkpoint extension lines must be non-empty single lines")

    def body(self) -> str:
        """The note text: origin, size, base64 root hash, extension lines; each ending in \\n."""
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def _parse_size(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise MalformedNote(f"the {what} must be a decimal number without leading zeroes")
    value = int(text)
    if value >= 1 << 64:
        raise MalformedNote(f"the {what} is too large")
    return value


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint note text (c2sp.org/tlog-checkpoint "Note text"), strictly."""
    if not text.endswith("\n"):
        raise MalformedNote("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedNote("a checkpoint has an origin, a size and a root hash line")
    origin, size, root, *extensions = lines
    root_hash = b64decode_strict(root, "the checkpoint root hash")
    return Checkpoint(origin, _parse_size(size, "tree size"), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: SignerKey) -> str:
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(
    message: str | bytes,
    log_key: VerifierKey,
    *,
    origin: str | None = None,
    witnesses: Sequence[VerifierKey] = (),
) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint: the log key must have signed it; witnesses' cosignatures
    are verified too when their keys are given (a bad one is refused)."""
    note = open_note(message, [log_key, *(cosigner_key(w) for w in witnesses)])
    if note.signed_by(log_key) is None:
        raise UnverifiedNote(f"the checkpoint is not signed by the log key {log_key.name}")
    checkpoint = parse_checkpoint(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint, note


# --- cosignatures -----------------------------------------------------------------------


def cosigner_key(key: VerifierKey) -> VerifierKey:
    """Witness keys published as plain Ed25519 (type 0x01) vkeys are used as cosignature/v1
    keys, as transparency-dev does; the key id then follows type 0x04."""
    return key.as_type(COSIGNATURE_V1) if key.key_type == ED25519 else key


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The signed message of c2sp.org/tlog-cosignature, "Ed25519 signed message"."""
    if not 0 <= timestamp <= TIMESTAMP_MAX:
        raise NoteError("a cosignature time is between 0 and 2**63 - 1")
    parse_checkpoint(checkpoint_text)
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign(checkpoint_text: str, signer: SignerKey, timestamp: int) -> Signature:
    """A witness's cosignature/v1 on a checkpoint's note text, at ``timestamp`` (POSIX s)."""
    if signer.key_type == ED25519:
        signer = signer.as_type(COSIGNATURE_V1)
    if signer.key_type != COSIGNATURE_V1:
        raise NoteError("cosignatures use an Ed25519 key")
    message = cosignature_message(checkpoint_text, timestamp)
    return Signature(signer.name, signer.id, timestamp.to_bytes(8, "big") + signer.sign(message))


def cosignature_timestamp(sig: Signature) -> int:
    if len(sig.data) != 8 + SIGNATURE_SIZE:
        raise MalformedNote("a cosignature/v1 holds an 8-byte time and a 64-byte signature")
    return int.from_bytes(sig.data[:8], "big")


def verify_cosignature(checkpoint_text: str, sig: Signature, witness: VerifierKey) -> int:
    """Check one cosignature line against a witness key; return its time. Raises NoteError
    (InvalidSignature for a bad signature by this witness)."""
    witness = cosigner_key(witness)
    if not sig.matches(witness):
        raise UnverifiedNote(f"the cosignature is not by the witness key {witness.name}")
    timestamp = cosignature_timestamp(sig)
    if not _verifies(witness, checkpoint_text, sig):
        raise InvalidSignature(f"the cosignature by {sig.name} is invalid")
    return timestamp
