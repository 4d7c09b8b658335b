"""The C2SP tlog-proof format (c2sp.org/tlog-proof@v1): an offline-verifiable proof that an
entry is in a log, stored as a ``.tlog-proof`` file.

    c2sp.org/tlog-proof@v1
    extra <base64 opaque data>          (optional)
    index <zero-based index>
    <base64 inclusion proof hash>       (zero or more, leaf's sibling first)
    <empty line>
    <the checkpoint signed note, verbatim, with any cosignatures>

Pure. Parsing is strict (one spelling per proof), so a changed byte is never silently
accepted as another valid file; what the lines mean is checked by dissent.ledger.receipt_check.
The ``extra`` data is not authenticated by the format: whoever uses it must bind it to
something signed (our receipts recompute the leaf from it and prove its inclusion).
"""

from __future__ import annotations

from dataclasses import dataclass

from dissent.ledger.note import HASH_SIZE, MalformedNote, b64decode_strict, b64encode

HEADER = "c2sp.org/tlog-proof@v1"
FILE_EXTENSION = ".tlog-proof"
MAX_PROOF_HASHES = 64  # a 64-bit tree is at most 64 levels deep


class TlogProofError(MalformedNote):
    """The file is not a well-formed c2sp.org/tlog-proof@v1 proof; the message says where."""


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str  # the signed note, verbatim
    extra: bytes | None = None

    def format(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [b64encode(h) for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint


def _index(text: str) -> int:
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise TlogProofError("the index must be a decimal number without leading zeroes")
    value = int(text)
    if value >= 1 << 64:
        raise TlogProofError("the index is too large")
    return value


def parse_tlog_proof(data: str | bytes) -> TlogProof:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise TlogProofError("a proof file is UTF-8 text") from None
    head, sep, checkpoint = data.partition("\n\n")
    if not sep:
        raise TlogProofError("the proof lines must be followed by an empty line and a checkpoint")
    if not checkpoint:
        raise TlogProofError("the checkpoint after the empty line is missing")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise TlogProofError(f"the first line must be {HEADER}")
    rest = lines[1:]
    extra: bytes | None = None
    if rest and rest[0].startswith("extra"):
        if not rest[0].startswith("extra "):
            raise TlogProofError("the extra line is 'extra <base64>'")
        try:
            extra = b64decode_strict(rest[0][len("extra ") :], "the extra data")
        except MalformedNote as exc:
            raise TlogProofError(str(exc)) from None
        rest = rest[1:]
    if not rest or not rest[0].startswith("index "):
        raise TlogProofError("the index line 'index <N>' is missing")
    index = _index(rest[0][len("index ") :])
    hashes: list[bytes] = []
    for number, line in enumerate(rest[1:], start=1):
        try:
            value = b64decode_strict(line, f"proof hash {number}")
        except MalformedNote as exc:
            raise TlogProofError(str(exc)) from None
        if len(value) != HASH_SIZE:
            raise TlogProofError(f"proof hash {number} is not a 32-byte SHA-256 hash")
        hashes.append(value)
    if len(hashes) > MAX_PROOF_HASHES:
        raise TlogProofError("the inclusion proof has too many hashes")
    return TlogProof(index=index, hashes=tuple(hashes), checkpoint=checkpoint, extra=extra)
