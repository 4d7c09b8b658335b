"""`dissent ledger verify`: recompute the whole log from what is stored and compare.

Checked, entry by entry in index order (streamed in chunks, so memory stays flat at any
size): there is no gap; each stored leaf hash is SHA-256(0x00 || leaf); each leaf is exactly
what its Event row encodes to now (so an edited event row is caught, not only an edited log);
each stored subtree hash is the recomputed node; each stored checkpoint's root is the
recomputed root at its size and its note says so; then consecutive checkpoints are proved
consistent (RFC 9162 consistency proofs, from the nodes just verified), and no event is
missing from the log.

Stops at the first problem in index order and names the index. Threat handled: someone with
write access to the database rewriting history (the append-only triggers can be dropped by
the database owner; this cannot be fooled by rows that agree with each other but not with a
signed checkpoint).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from dissent.crypto.signing import VerifierKey
from dissent.events.models import Event
from dissent.ledger import leaf as leaves
from dissent.ledger import merkle, store
from dissent.ledger import note as notes
from dissent.ledger.models import Checkpoint, VerificationRun

CHUNK = 10_000
# Progress is reported every PROGRESS_STEP of the log (and at least every 100,000 entries).
PROGRESS_STEP = 0.05
PROGRESS_MAX_ENTRIES = 100_000

Progress = Callable[[int, int], None]  # (entries verified, entries in all)

# Identifiers quoted as both SQLite and PostgreSQL quote them.
# The event time as text: SQLite's stored text (no per-row datetime parsing), PostgreSQL's
# formatted as a leaf time by the database itself.
_TIME = {
    "sqlite": 'CAST(v."at" AS TEXT)',
    "postgresql": """to_char(v."at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
}
_ENTRIES = (
    'SELECT e."index", e."leaf", e."leaf_hash", e."event_id", v."type", v."subject_id", '
    '{time}, v."actor_id", v."commitment", v."payload" FROM "ledger_logentry" e '
    'LEFT JOIN "events_event" v ON v."id" = e."event_id" '
    'WHERE e."index" >= %s AND e."index" < %s ORDER BY e."index"'
)
_NODES = 'SELECT "level", "index", "hash" FROM "ledger_subtree" WHERE '

_FIELD_NAMES = {
    "t": "event type",
    "s": "subject",
    "at": "time",
    "a": "actor",
    "c": "commitment",
    "n": "event id",
    "p": "payload",
}


@dataclass(frozen=True)
class Problem:
    index: int | None  # the first bad log index, when the problem is at an entry
    what: str

    def __str__(self) -> str:
        return f"index {self.index}: {self.what}" if self.index is not None else self.what


@dataclass(frozen=True)
class Report:
    size: int
    root: bytes
    checkpoints: int
    latest_checkpoint: int | None  # its size
    signatures_checked: bool  # checkpoint notes verified with the log's public key
    problem: Problem | None
    run: VerificationRun

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is not None:
            return f"log verification FAILED at {self.problem}"
        if self.latest_checkpoint is None:
            latest = "no checkpoint signed yet"
        else:
            signature = "signature valid" if self.signatures_checked else "NO log key to check"
            latest = f"matches the latest checkpoint (size {self.latest_checkpoint}, {signature})"
        root = base64.b64encode(self.root).decode()
        return (
            f"log verified: {_count(self.size, 'entry', 'entries')}, root {root}, {latest}, "
            f"{_count(self.checkpoints, 'checkpoint', 'checkpoints')} consistent"
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class _Failed(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def verify(
    *,
    by: str,
    log_key: VerifierKey | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> Report:
    """Verify the log as it stands (its size is read once, at the start) and record a
    VerificationRun. Checkpoint signatures are checked with `log_key` (default: the
    configured key; none configured: not checked, and the summary says so). Never raises
    for a bad log: the report carries the problem."""
    log_key = log_key or configured_log_key()
    size = store.size()
    audit = _Audit(size, progress, chunk, log_key)
    try:
        audit.run()
    except _Failed as failed:
        audit.problem = failed.problem
    except store.LedgerError as exc:
        audit.problem = Problem(None, str(exc))
    root = audit.compact.root() if audit.problem is None else b""
    run = VerificationRun.objects.create(
        size=size,
        root=root,
        ok=audit.problem is None,
        first_bad_index=audit.problem.index if audit.problem else None,
        by=by[:100],
        detail=str(audit.problem or "")[:2000],
    )
    return Report(
        size=size,
        root=root,
        checkpoints=audit.checkpoints,
        latest_checkpoint=audit.latest_checkpoint,
        signatures_checked=log_key is not None,
        problem=audit.problem,
        run=run,
    )


class _Audit:
    def __init__(
        self, size: int, progress: Progress | None, chunk: int, log_key: VerifierKey | None
    ) -> None:
        self.size = size
        self.log_key = log_key
        self.progress = progress
        self.chunk = chunk
        self.compact = merkle.CompactRange()
        self._entries_sql = _ENTRIES.format(time=_TIME[connection.vendor])
        self.encoder = leaves.Encoder()
        self._macs: dict[str, str] = {}
        self.problem: Problem | None = None
        self.checkpoints = 0
        self.latest_checkpoint: int | None = None
        self._next_report = 0
        self._step = max(1, min(int(size * PROGRESS_STEP), PROGRESS_MAX_ENTRIES))

    def run(self) -> None:
        self._checkpoints = _checkpoints()
        self._pending = next(self._checkpoints, None)
        self._check_checkpoints()  # a checkpoint of the empty log
        start = 0
        while start < self.size:
            end = min(start + self.chunk, self.size)
            self._verify_chunk(start, end)
            start = end
            self._report(end)
        # A checkpoint beyond the size read at the start was signed while this ran, unless
        # the log (still) has fewer entries than it signed: then entries were taken away.
        if self._pending is not None and self._pending["size"] > store.size():
            raise _Failed(
                Problem(
                    self.size,
                    f"checkpoint of size {self._pending['size']} is beyond the log's "
                    f"{self.size} entries: entries it signed are missing",
                )
            )
        self._check_consistency()
        missing = (
            Event.objects.filter(log_entry__isnull=True).order_by("id").values_list("id", flat=True)
        ).first()
        if missing is not None:
            raise _Failed(Problem(None, f"event {missing} is not in the log"))

    # ----------------------------------------------------------------- entries and nodes

    def _verify_chunk(self, start: int, end: int) -> None:
        # Plain SQL, no ORM: this loop is the whole cost of verifying a large log.
        with connection.cursor() as cursor:
            cursor.execute(self._entries_sql, [start, end])
            rows = cursor.fetchall()
        nodes = _stored_nodes(start, end)
        compact, sha256 = self.compact, hashlib.sha256
        leaf, sqlite = self.encoder.leaf, connection.vendor == "sqlite"
        expected = start
        for index, data, stored_hash, event_id, *event in rows:
            if index != expected:
                raise _Failed(Problem(expected, "the entry is missing"))
            data, stored_hash = bytes(data), bytes(stored_hash)
            leaf_hash = sha256(b"\x00" + data).digest()
            if leaf_hash != stored_hash:
                raise _Failed(Problem(index, "stored leaf hash is not SHA-256(0x00 || leaf)"))
            if event_id is None:
                raise _Failed(Problem(index, "the entry is not linked to an event"))
            type, subject_id, at, actor_id, commitment, payload = event
            at = _sqlite_time(at) if sqlite else (at or "")
            mac = self._payload_mac(payload)
            if data != leaf(event_id, type, subject_id, at, actor_id, commitment, None, mac):
                payload = _payload(payload)
                self._leaf_mismatch(
                    index,
                    data,
                    {
                        "event_id": event_id,
                        "type": type,
                        "subject_id": subject_id,
                        "at": at,
                        "actor_id": actor_id,
                        "commitment": commitment,
                        "payload": payload,
                    },
                )
            for level, node_index, node in compact.append(leaf_hash):
                stored = nodes.get((level, node_index))
                if stored != node:
                    first = node_index << level
                    last = ((node_index + 1) << level) - 1
                    state = "is missing" if stored is None else "does not match the entries"
                    raise _Failed(
                        Problem(
                            first,
                            f"stored subtree hash (level {level} #{node_index}, "
                            f"entries {first} to {last}) {state}",
                        )
                    )
            expected += 1
            if self._pending is not None and self._pending["size"] == expected:
                self._check_checkpoints()
        if expected != end:
            raise _Failed(Problem(expected, "the entry is missing"))

    def _payload_mac(self, stored: object) -> str:
        # Remembered by the stored JSON text: many events carry the same small payload
        # ({"method": "password"}), and parsing and re-encoding it is the costly part.
        if isinstance(stored, str):
            mac = self._macs.get(stored)
            if mac is None:
                if len(self._macs) >= leaves.Encoder.CACHE_LIMIT:
                    self._macs.clear()
                mac = self._macs[stored] = leaves.payload_mac(_payload(stored), self.encoder.key)
            return mac
        return leaves.payload_mac(_payload(stored), self.encoder.key)

    def _leaf_mismatch(self, index: int, data: bytes, event: dict[str, Any]) -> None:
        """Say which fields of the leaf differ from its event as stored now."""
        try:
            stored = leaves.decode(data)
        except leaves.LeafError as exc:
            raise _Failed(Problem(index, f"the leaf is not a log leaf ({exc})")) from None
        fields = self.encoder.fields(**event)
        differ = [
            _FIELD_NAMES.get(name, name)
            for name in sorted(set(stored) | set(fields))
            if stored.get(name) != fields.get(name)
        ]
        raise _Failed(
            Problem(
                index,
                f"the leaf does not match event {event['event_id']} as stored now "
                f"({', '.join(differ) or 'encoding'} differs)",
            )
        )

    # ----------------------------------------------------------------- checkpoints

    def _check_checkpoints(self) -> None:
        """Check the checkpoints of the size the recomputed tree has just reached."""
        while self._pending is not None and self._pending["size"] == self.compact.size:
            checkpoint = self._pending
            root = self.compact.root()
            if bytes(checkpoint["root"]) != root:
                raise _Failed(
                    Problem(
                        None,
                        f"checkpoint of size {checkpoint['size']} has a root that is not the "
                        "log's root at that size",
                    )
                )
            problem = _note_problem(checkpoint["note"], checkpoint["size"], root, self.log_key)
            if problem:
                raise _Failed(Problem(None, f"checkpoint of size {checkpoint['size']}: {problem}"))
            self.checkpoints += 1
            self.latest_checkpoint = checkpoint["size"]
            self._pending = next(self._checkpoints, None)

    def _check_consistency(self) -> None:
        previous: dict[str, Any] | None = None
        for checkpoint in _checkpoints():
            if checkpoint["size"] > self.size:
                break
            if previous is not None and previous["size"] > 0:
                proof = store.consistency_proof(previous["size"], checkpoint["size"])
                try:
                    merkle.verify_consistency(
                        previous["size"],
                        checkpoint["size"],
                        bytes(previous["root"]),
                        bytes(checkpoint["root"]),
                        proof,
                    )
                except merkle.ProofError as exc:
                    raise _Failed(
                        Problem(
                            None,
                            f"checkpoints of sizes {previous['size']} and {checkpoint['size']} "
                            f"are not consistent: {exc}",
                        )
                    ) from None
            previous = checkpoint

    def _report(self, done: int) -> None:
        if self.progress is not None and (done >= self._next_report or done == self.size):
            self.progress(done, self.size)
            self._next_report = done + self._step


def _stored_nodes(start: int, end: int) -> dict[tuple[int, int], bytes]:
    """The stored subtrees that entries [start, end) complete: at each level, those whose
    last leaf falls in the range."""
    ranges: list[str] = []
    params: list[int] = []
    level = 1
    while (1 << level) <= end:
        low, high = start >> level, (end >> level) - 1
        if low <= high:
            ranges.append('("level" = %s AND "index" BETWEEN %s AND %s)')
            params += [level, low, high]
        level += 1
    if not ranges:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_NODES + " OR ".join(ranges), params)
        return {(level, index): bytes(h) for level, index, h in cursor.fetchall()}


def _sqlite_time(text: str | None) -> str:
    """A leaf time from SQLite's stored text (Django writes UTC as 'YYYY-MM-DD HH:MM:SS'
    with '.ffffff' unless zero), without parsing a datetime for every entry."""
    if text is None:
        return ""
    if len(text) == 26 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}Z"
    if len(text) == 19 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}.000000Z"
    parsed = parse_datetime(text)
    if parsed is None:
        return text  # not a time: the leaf cannot match, and the report says "time"
    return leaves.timestamp(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _payload(value: object) -> dict[str, Any]:
    """An event's payload as stored (JSON text on SQLite); anything but a JSON object of
    scalars is kept as a marker, so it cannot match the leaf and the report says "payload"."""
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except ValueError:
            return {"(not JSON)": str(value)}
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | bool) or v is None for v in value.values()
    ):
        return {"(not an object of scalars)": str(value)}
    return value


def _checkpoints(batch: int = 1000) -> Iterator[dict[str, Any]]:
    last = -1
    while True:
        rows: list[dict[str, Any]] = [
            dict(row)
            for row in Checkpoint.objects.filter(size__gt=last)
            .order_by("size")
            .values("size", "root", "note")[:batch]
        ]
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1]["size"]


def configured_log_key() -> VerifierKey | None:
    """The log's public key as this installation is configured (None: no key set)."""
    from dissent.ledger.checkpoints import LedgerKeyMissing, verifier_key

    try:
        return verifier_key()
    except LedgerKeyMissing:
        return None


def _note_problem(text: str, size: int, root: bytes, log_key: VerifierKey | None) -> str | None:
    """What is wrong with a stored checkpoint note for (size, root), or None.

    With the log's public key: a C2SP signed note the key signed, whose checkpoint body
    (c2sp.org/tlog-checkpoint) states this size and root. Without one, the body only."""
    if log_key is not None:
        try:
            body, _ = notes.open_checkpoint(text, log_key)
        except notes.NoteError as exc:
            return f"its signature does not verify with the log key {log_key.name} ({exc})"
        noted_size, noted_root = body.size, body.root
    else:
        try:
            body = notes.parse_checkpoint(notes.split_note(text)[0])
        except notes.NoteError as exc:
            return f"its note is not a checkpoint ({exc})"
        noted_size, noted_root = body.size, body.root
    if noted_size != size:
        return f"its note says size {noted_size}"
    if noted_root != root:
        return "its note's root is not the log's root at that size"
    return None
