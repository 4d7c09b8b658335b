"""`dissent ledger verify`: recompute the whole log from what is stored and compare.

Checked, in index order (streamed in chunks, so memory stays flat at any size): there is no
gap; each stored leaf hash is SHA-256(0x00 || leaf) and its entry is linked to an event;
each stored subtree hash is the recomputed node; each stored checkpoint's root is the
recomputed root at its size and its note says so; then consecutive checkpoints are proved
consistent (RFC 9162 consistency proofs, from the nodes just verified), and no event is
missing from the log. With `events=True` (`dissent ledger verify --events`) each leaf must
also be exactly what its Event row encodes to now, so an edited event row is caught, not
only an edited log; re-deriving every leaf costs several times the rest of the audit.

A whole aligned chunk of 2**k entries is one perfect subtree: it is hashed level by level
and compared list against list, then joined to the running tree as one subtree. Any
mismatch, a chunk that is not whole, or a checkpoint inside it takes the entry-by-entry path
instead, which names the first problem in index order.

Stops at the first problem in index order and names the index. Threat handled: someone with
write access to the database rewriting history (the append-only triggers can be dropped by
the database owner; this cannot be fooled by rows that agree with each other but not with a
signed checkpoint).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, connections
from django.utils.dateparse import parse_datetime

from dissent.crypto.signing import VerifierKey
from dissent.events.models import Event
from dissent.ledger import leaf as leaves
from dissent.ledger import merkle, store
from dissent.ledger import note as notes
from dissent.ledger.models import Checkpoint, VerificationRun

CHUNK = 1 << 14  # a power of two, so that a whole aligned chunk is a perfect subtree
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
_LEAVES = (
    'SELECT "index", "leaf", "leaf_hash", "event_id" FROM "ledger_logentry" '
    'WHERE "index" >= %s AND "index" < %s ORDER BY "index"'
)
_NODES = 'SELECT "level", "index", "hash" FROM "ledger_subtree" WHERE '
_LEVEL = (
    'SELECT "hash" FROM "ledger_subtree" WHERE "level" = %s AND "index" >= %s AND "index" < %s '
    'ORDER BY "index"'
)
_COUNTS = (
    'SELECT (SELECT COUNT(*) FROM "events_event"), '
    '(SELECT COUNT(*) FROM "ledger_logentry" WHERE "event_id" IS NOT NULL)'
)
# Ranges narrower than this are checked entry by entry.
MIN_BLOCK = 64

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
    events_checked: bool  # every leaf re-derived from its event row (--events)
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
        events = (
            "every leaf matches its event row"
            if self.events_checked
            else "event rows not compared (--events)"
        )
        return (
            f"log verified: {_count(self.size, 'entry', 'entries')}, root {root}, {latest}, "
            f"{_count(self.checkpoints, 'checkpoint', 'checkpoints')} consistent, {events}"
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
    events: bool = False,
    workers: int | None = None,
) -> Report:
    """Verify the log as it stands (its size is read once, at the start) and record a
    VerificationRun; with `events`, also that every leaf is what its event row encodes to.
    Checkpoint signatures are checked with `log_key` (default: the configured key; none
    configured: not checked, and the summary says so). Whole chunks are hashed by `workers`
    processes (default: one per core) when the log has several and no transaction is open
    (a child process could not see its rows). Never raises for a bad log: the report
    carries the problem."""
    log_key = log_key or configured_log_key()
    size = store.size()
    workers = default_workers() if workers is None else max(1, workers)
    audit = _Audit(size, progress, chunk, log_key, events, workers)
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
        events_checked=events,
        problem=audit.problem,
        run=run,
    )


class _Audit:
    def __init__(
        self,
        size: int,
        progress: Progress | None,
        chunk: int,
        log_key: VerifierKey | None,
        events: bool,
        workers: int = 1,
    ) -> None:
        self.size = size
        self.events = events
        self.workers = workers
        self.log_key = log_key
        self.progress = progress
        self.chunk = chunk
        self.compact = merkle.CompactRange()
        self._entries_sql = _ENTRIES.format(time=_TIME[connection.vendor]) if events else _LEAVES
        self._sqlite = connection.vendor == "sqlite"
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
        spans = [
            (start, min(start + self.chunk, self.size)) for start in range(0, self.size, self.chunk)
        ]
        with contextlib.closing(self._hashed_elsewhere(spans)) as hashed:
            for start, end in spans:
                root = hashed.get(start)
                if root is None or not self._join(start, end, root()):
                    self._verify_range(start, end)
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
        self._check_every_event_is_logged()

    def _check_every_event_is_logged(self) -> None:
        # Entries link distinct events (a unique key), so equal counts, read in one statement
        # (one snapshot), mean none is missing. Otherwise the exact search names one; it may
        # find none when an append committed between the two counts.
        with connection.cursor() as cursor:
            cursor.execute(_COUNTS)
            events, linked = cursor.fetchone()
        if events == linked:
            return
        missing = (
            Event.objects.filter(log_entry__isnull=True).order_by("id").values_list("id", flat=True)
        ).first()
        if missing is not None:
            raise _Failed(Problem(None, f"event {missing} is not in the log"))

    # ----------------------------------------------------------------- entries and nodes

    def _verify_range(self, start: int, end: int) -> None:
        """Entries [start, end): as perfect subtrees where possible (the range cut into
        aligned powers of two, and halved around a checkpoint inside one), else one by one."""
        width = end - start
        if width < MIN_BLOCK or start % (1 << (width.bit_length() - 1)):
            self._verify_chunk(start, end)
            return
        top = 1 << (width.bit_length() - 1)
        pending = self._pending["size"] if self._pending is not None else None
        if top != width or (pending is not None and start < pending < end):
            middle = start + top if top != width else start + top // 2
            self._verify_range(start, middle)
            self._verify_range(middle, end)
        elif not self._join(start, end, self.block_hash(start, end)):
            # As one block it differs somewhere: the entry-by-entry path names where.
            self._verify_chunk(start, end)

    def block_hash(self, start: int, end: int) -> bytes | None:
        """The root of the perfect subtree over entries [start, end) if every entry, link,
        stored node inside it (and with `events` every leaf's event row) checks out."""
        rows = self._rows(start, end)
        if len(rows) != end - start or rows[0][0] != start or rows[-1][0] != end - 1:
            return None  # a gap (indexes are unique and ordered)
        sha256 = hashlib.sha256
        hashes = [sha256(b"\x00" + row[1]).digest() for row in rows]
        if hashes != [row[2] for row in rows] or None in [row[3] for row in rows]:
            return None
        if self.events:
            try:
                for index, data, _, event_id, *event in rows:
                    self._check_event(index, bytes(data), event_id, event)
            except _Failed:
                return None
        level = 0
        with _reader(binary=True) as cursor:
            while len(hashes) > 1:
                hashes = [
                    sha256(b"\x01" + left + right).digest()
                    for left, right in zip(hashes[0::2], hashes[1::2], strict=True)
                ]
                level += 1
                cursor.execute(_LEVEL, [level, start >> level, end >> level])
                if hashes != [stored for (stored,) in cursor.fetchall()]:
                    return None
        return hashes[0]

    def _join(self, start: int, end: int, root: bytes | None) -> bool:
        """Add a verified block's root to the tree, checking the stored subtrees it
        completes above it and the checkpoints at its end; False (nothing changed) if a
        stored subtree differs or the block does not qualify."""
        width = end - start
        pending = self._pending["size"] if self._pending is not None else None
        if root is None or width & (width - 1) or (pending is not None and start < pending < end):
            return False
        joined = self.compact.copy()
        above = joined.append_subtree(width.bit_length() - 1, root)
        if above:
            nodes = _stored_nodes(end - 1, end)
            if any(nodes.get((lvl, i)) != node for lvl, i, node in above):
                return False
        self.compact = joined
        self._check_checkpoints()
        return True

    def _hashed_elsewhere(self, spans: list[tuple[int, int]]) -> _Hashed:
        """Block roots of the whole chunks, computed by worker processes in the order the
        loop will ask for them; empty when there is nothing to share out."""
        blocks = not self.chunk & (self.chunk - 1) and self.chunk >= MIN_BLOCK
        whole = [(start, end) for start, end in spans if blocks and end - start == self.chunk]
        if self.workers < 2 or len(whole) < 2 or connection.in_atomic_block:
            return _Hashed({})
        # Children must open their own connections, never share the parent's.
        connections.close_all()
        pool = multiprocessing.get_context("fork").Pool(min(self.workers, len(whole)))
        tasks = [(start, end, self.chunk, self.events) for start, end in whole]
        results = pool.imap(_block_root, tasks)
        return _Hashed({start: results.__next__ for start, _ in whole}, pool)

    def _rows(self, start: int, end: int) -> list[tuple[Any, ...]]:
        # Plain SQL, no ORM: reading and hashing the entries is the cost of a large log.
        with _reader(binary=not self.events) as cursor:
            cursor.execute(self._entries_sql, [start, end])
            return cursor.fetchall()

    def _verify_chunk(self, start: int, end: int) -> None:
        rows = self._rows(start, end)
        nodes = _stored_nodes(start, end)
        compact, sha256 = self.compact, hashlib.sha256
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
            if self.events:
                self._check_event(index, data, event_id, event)
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

    def _check_event(self, index: int, data: bytes, event_id: int, event: list[Any]) -> None:
        type, subject_id, at, actor_id, commitment, payload = event
        at = _sqlite_time(at) if self._sqlite else (at or "")
        mac = self._payload_mac(payload)
        if data != self.encoder.leaf(
            event_id, type, subject_id, at, actor_id, commitment, None, mac
        ):
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
                    "payload": _payload(payload),
                },
            )

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


@contextlib.contextmanager
def _reader(*, binary: bool) -> Iterator[Any]:
    """A cursor for the audit's bulk reads. On PostgreSQL, with `binary`, psycopg's binary
    format: hashes and leaves cross as raw bytes rather than as hex text to be decoded
    (the event columns of --events keep Django's usual text conversions)."""
    if binary and connection.vendor == "postgresql":
        import psycopg  # only on PostgreSQL, whose backend needs it anyway

        connection.ensure_connection()
        # Django's connections make client-side-binding cursors, which cannot read binary.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.format = psycopg.pq.Format.BINARY
            yield cursor
    else:
        with connection.cursor() as cursor:
            yield cursor


class _Hashed:
    """Block roots by start index, each a call that waits for its worker's answer."""

    def __init__(self, roots: dict[int, Callable[[], bytes | None]], pool: Any = None) -> None:
        self._roots, self._pool = roots, pool

    def get(self, start: int) -> Callable[[], bytes | None] | None:
        return self._roots.get(start)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


def _block_root(task: tuple[int, int, int, bool]) -> bytes | None:
    """In a worker process: one block's root, or None for the parent to look closer."""
    start, end, chunk, events = task
    return _Audit(end, None, chunk, None, events).block_hash(start, end)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


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
    else:
        try:
            body = notes.parse_checkpoint(notes.split_note(text)[0])
        except notes.NoteError as exc:
            return f"its note is not a checkpoint ({exc})"
    if body.size != size:
        return f"its note says size {body.size}"
    if body.root != root:
        return "its note's root is not the log's root at that size"
    return None
