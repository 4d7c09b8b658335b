"""The log in the database: appends, roots and proofs with O(log n) reads.

Appending leaf n completes the perfect subtrees that end at n (merkle.CompactRange); those
are stored as Subtree rows, so every aligned perfect subtree of the log is one row (or, for
one leaf, a LogEntry's leaf_hash). Roots and proofs (RFC 9162) need only O(log n) of them:
the keys are computed first and fetched in one query.

Appends are serialised by the LogHead row: each append first moves it by the number of
entries it adds (UPDATE ... RETURNING, which locks the row on PostgreSQL until the
transaction ends; SQLite runs IMMEDIATE transactions, one writer at a time), so two
transactions never take the same index, and an append costs one statement more than its
inserts. On PostgreSQL the same steps run as one function inside the server (append_pg.py),
so the head is held for one round trip instead of four.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import InternalError, connection, transaction

from dissent.backends import rows
from dissent.ledger import append_pg, merkle
from dissent.ledger import leaf as leaves

if TYPE_CHECKING:
    from dissent.events.models import Event

Key = tuple[int, int]  # (level, index): leaves [index * 2**level, (index + 1) * 2**level)
# A plan for MTH(D[start:end]): a stored node, or (left plan, right plan).
Plan = Key | tuple["Plan", "Plan"]

_FRONTIER_ATTR = "_dissent_ledger_frontier"
# Identifiers quoted as both SQLite and PostgreSQL quote them.
_INSERT_ENTRY = (
    'INSERT INTO "ledger_logentry" ("index", "event_id", "leaf", "leaf_hash") '
    "VALUES (%s, %s, %s, %s)"
)
_INSERT_NODE = 'INSERT INTO "ledger_subtree" ("level", "index", "hash") VALUES (%s, %s, %s)'
_MOVE_HEAD = 'UPDATE "ledger_loghead" SET "size" = "size" + %s WHERE "id" = 1 RETURNING "size"'
_READ_HEAD = 'SELECT "size" FROM "ledger_loghead" WHERE "id" = 1'


class LedgerError(RuntimeError):
    """The stored log is not in a state an append or a proof can work from."""


class RangeError(ValueError):
    """A size or index outside the log (or inconsistent sizes). `field` names the argument."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- appending


def append_event(event: Event) -> int:
    """Append the event's leaf, in the caller's transaction (record_event calls this);
    returns its index."""
    (index,) = append_leaves([(event.id, leaves.encode(event))])
    return index


def append_events(events: Sequence[Event]) -> range:
    """Append several events with one head move, one frontier read and bulk inserts;
    returns their indexes."""
    encoder = leaves.Encoder()
    return append_leaves([(event.id, encoder.encode(event)) for event in events])


def append_leaves(items: Sequence[tuple[int | None, bytes]]) -> range:
    """Append (event id, leaf bytes) pairs; the path every append takes. Returns the
    indexes they took."""
    if not connection.in_atomic_block:
        raise RuntimeError("log appends must run inside the transaction of their events")
    if not items:
        return range(0)
    db = rows.database()
    if db.vendor == "postgresql":
        # The same steps inside the server, in one round trip (append_pg.py).
        event_ids, blobs = [i for i, _ in items], [d for _, d in items]
        try:
            (start,) = rows.fetch_one(db, append_pg.CALL_V1, [event_ids, blobs])  # type: ignore[misc]
        except InternalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == append_pg.CORRUPTED:
                raise LedgerError(str(exc.__cause__)) from exc
            raise
        return range(start, start + len(items))
    with rows.cursor(db) as cursor:
        size = _move_head(cursor, len(items))
        compact = _frontier(size)
        entries: list[tuple[int, int | None, bytes, bytes]] = []
        nodes: list[tuple[int, int, bytes]] = []
        for event_id, data in items:
            leaf_hash = merkle.leaf_hash(data)
            entries.append((compact.size, event_id, data, leaf_hash))
            nodes += compact.append(leaf_hash)
        # Plain SQL, no ORM: this runs for every event the application records.
        cursor.executemany(_INSERT_ENTRY, entries)
        if nodes:
            cursor.executemany(_INSERT_NODE, nodes)
    _remember_frontier(compact)
    return range(size, compact.size)


def _move_head(cursor: Any, count: int) -> int:
    """Move the head by `count` entries, holding it until the transaction ends; returns the
    size before."""
    cursor.execute(_MOVE_HEAD, [count])
    row = cursor.fetchone()
    if row is None:
        # The data migration made the row and the triggers refuse its deletion: someone
        # removed it behind the application's back.
        raise LedgerError("the log head row is missing; run `dissent ledger verify`")
    return int(row[0]) - count


def _frontier(size: int) -> merkle.CompactRange:
    """The compact range of [0, size): cached for the rest of the transaction, else read."""
    cached = getattr(connection, _FRONTIER_ATTR, None)
    if cached is not None:
        marker, compact = cached
        # The marker is an on_commit callback: Django drops it when the transaction (or the
        # savepoint it was registered in) ends, and then the cache may describe rows that
        # were rolled back.
        if compact.size == size and any(c[1] is marker for c in connection.run_on_commit):
            return compact.copy()
    tiles = _tiles(0, size)
    hashes = _fetch(tiles)
    return merkle.CompactRange.from_hashes(size, [hashes[t] for t in tiles])


def _remember_frontier(compact: merkle.CompactRange) -> None:
    cached = getattr(connection, _FRONTIER_ATTR, None)
    if cached is not None and any(c[1] is cached[0] for c in connection.run_on_commit):
        marker = cached[0]
    else:

        def marker() -> None:
            setattr(connection, _FRONTIER_ATTR, None)

        transaction.on_commit(marker)
    setattr(connection, _FRONTIER_ATTR, (marker, compact))


# --------------------------------------------------------------------------- reading


def size() -> int:
    """The number of entries in the log (committed, as this connection sees them)."""
    return _log_size()


def _log_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_READ_HEAD)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# Sizes beyond this are refused before any query (a database integer holds 2**63 - 1).
MAX_SIZE = 1 << 62


def root(size: int | None = None) -> bytes:
    """MTH of the first `size` entries (default: all); SHA-256("") for none."""
    if size is None:
        size = _log_size()
    _require(0 <= size < MAX_SIZE, size, "size", 0)
    if size == 0:
        return merkle.EMPTY_ROOT
    plan = _plan(0, size)
    hashes = _fetch_within(_keys([plan]), size, "size", 0)
    return _evaluate(plan, hashes)


def subtree_hash(start: int, end: int) -> bytes:
    """MTH(D[start:end]) from stored nodes; non-aligned ranges composed from aligned ones."""
    _require(0 <= start < end < MAX_SIZE, end, "end", 1)
    plan = _plan(start, end)
    return _evaluate(plan, _fetch_within(_keys([plan]), end, "end", 1))


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 2.1.3.1), from stored nodes in one query."""
    return inclusion(index, size)[0]


def inclusion(index: int, size: int) -> tuple[list[bytes], bytes]:
    """The inclusion proof and the root of the tree of `size`, from one query (which also
    reads the log's size, to refuse a size beyond it)."""
    _require(0 < size < MAX_SIZE, size, "size", 1)
    if not 0 <= index < size:
        raise RangeError(f"index {index} is outside a tree of size {size}", "index")
    proof, (root,) = _proof(
        lambda st: merkle.inclusion_proof_from(st, index, size), [size], size, "size"
    )
    return proof, root


def consistency_proof(old: int, new: int) -> list[bytes]:
    """PROOF(old, D[0:new]) (RFC 9162 2.1.4.1), from stored nodes in one query."""
    return consistency(old, new)[0]


def consistency(old: int, new: int) -> tuple[list[bytes], bytes, bytes]:
    """The consistency proof and the roots at both sizes, from one query."""
    _require(0 < new < MAX_SIZE, new, "new", 1)
    if not 0 < old <= new:
        raise RangeError(f"old size must be 1 to {new} (the new size), got {old}", "old")
    proof, (old_root, new_root) = _proof(
        lambda st: merkle.consistency_proof_from(st, old, new), [old, new], new, "new"
    )
    return proof, old_root, new_root


def _require(ok: bool, size: int, field: str, lowest: int) -> None:
    if not ok:
        raise RangeError(f"{field} {size} is outside the log ({lowest} to {_log_size()})", field)


def _proof(
    build: Any, roots: Sequence[int], size: int, field: str
) -> tuple[list[bytes], list[bytes]]:
    """Run an RFC proof algorithm twice, once to learn which ranges it asks for, once with
    their hashes; the hashes (and those of the roots at `roots` sizes) come in one query."""
    ranges: list[tuple[int, int]] = []

    def record(start: int, end: int) -> bytes:
        ranges.append((start, end))
        return merkle.EMPTY_ROOT

    build(record)
    plans = {r: _plan(*r) for r in [*ranges, *((0, n) for n in roots)]}
    hashes = _fetch_within(_keys(plans.values()), size, field, 1)
    proof = build(lambda start, end: _evaluate(plans[(start, end)], hashes))
    return proof, [_evaluate(plans[(0, n)], hashes) for n in roots]


def _fetch_within(keys: set[Key], size: int, field: str, lowest: int) -> dict[Key, bytes]:
    """_fetch, refusing a `size` beyond the log's (read in the same query)."""
    hashes, log_size = _fetch(keys, with_size=True)
    if size > log_size:
        raise RangeError(f"{field} {size} is outside the log ({lowest} to {log_size})", field)
    return hashes


def _tiles(start: int, end: int) -> list[Key]:
    """The aligned perfect subtrees tiling [start, end), largest first, when start is a
    multiple of the largest one (always so for roots and for the ranges RFC proofs use)."""
    tiles: list[Key] = []
    while start < end:
        level = (end - start).bit_length() - 1
        tiles.append((level, start >> level))
        start += 1 << level
    return tiles


def _plan(start: int, end: int) -> Plan:
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return (level, start >> level)
    k = 1 << ((n - 1).bit_length() - 1)  # RFC 9162: split at the largest power of 2 below n
    return (_plan(start, start + k), _plan(start + k, end))


def _keys(plans: Iterable[Plan]) -> set[Key]:
    keys: set[Key] = set()
    stack = list(plans)
    while stack:
        plan = stack.pop()
        if isinstance(plan[0], int):
            keys.add(plan)  # type: ignore[arg-type]
        else:
            stack += plan  # type: ignore[arg-type]
    return keys


def _evaluate(plan: Plan, hashes: dict[Key, bytes]) -> bytes:
    if isinstance(plan[0], int):
        return hashes[plan]  # type: ignore[index]
    left, right = plan  # type: ignore[misc]
    return merkle.node_hash(_evaluate(left, hashes), _evaluate(right, hashes))


def _fetch(keys: Iterable[Key], *, with_size: bool = False) -> Any:
    """Stored hashes for (level, index) keys, in one query (level 0: LogEntry.leaf_hash);
    with_size: (hashes, the log's size), the size read by the same query."""
    keys = set(keys)
    leaf_indexes = [i for level, i in keys if level == 0]
    nodes = [k for k in keys if k[0] > 0]
    found: dict[Key, bytes] = {}
    log_size = 0
    db = rows.database()
    with rows.cursor(db) as cursor:
        if db.vendor == "postgresql":
            # One statement text whatever the keys: arrays, not a list of ORs.
            sql = (_HEAD_ROW_PG + " UNION ALL " if with_size else "") + _FETCH_PG
            cursor.execute(sql, [leaf_indexes, [lv for lv, _ in nodes], [i for _, i in nodes]])
        else:
            sql, params = _fetch_sql(leaf_indexes, nodes, with_size)
            if not sql:
                return ({}, 0) if with_size else {}
            cursor.execute(sql, params)
        for level, i, h in cursor.fetchall():
            if level == -1:
                log_size = int(i)
            else:
                found[(int(level), int(i))] = bytes(h)
    missing = keys - found.keys()
    if missing and not (with_size and max(_last_leaf(k) for k in missing) >= log_size):
        level, i = min(missing)
        raise LedgerError(
            f"the log is missing its stored hash for level {level} #{i} "
            f"(entries {i << level} to {((i + 1) << level) - 1}); run `dissent ledger verify`"
        )
    return (found, log_size) if with_size else found


def _last_leaf(key: Key) -> int:
    level, i = key
    return ((i + 1) << level) - 1


_HEAD_ROW_PG = 'SELECT -1, "size", NULL::bytea FROM "ledger_loghead" WHERE "id" = 1'
_HEAD_ROW = 'SELECT -1, "size", NULL FROM "ledger_loghead" WHERE "id" = 1'
_FETCH_PG = (
    'SELECT 0, "index", "leaf_hash" FROM "ledger_logentry" WHERE "index" = ANY(%s::bigint[]) '
    'UNION ALL SELECT s."level", s."index", s."hash" FROM "ledger_subtree" s '
    "JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, idx) "
    'ON s."level" = k.level AND s."index" = k.idx'
)


def _fetch_sql(leaf_indexes: list[int], nodes: list[Key], with_size: bool) -> tuple[str, list[int]]:
    # Only placeholders are formatted in; every value is a parameter.
    parts: list[str] = [_HEAD_ROW] if with_size else []
    params: list[int] = []
    if leaf_indexes:
        marks = ", ".join(["%s"] * len(leaf_indexes))
        parts.append(_LEAVES_IN + f"({marks})")
        params += leaf_indexes
    if nodes:
        parts.append(_NODES_WHERE + " OR ".join(['("level" = %s AND "index" = %s)'] * len(nodes)))
        for level, i in nodes:
            params += [level, i]
    return " UNION ALL ".join(parts), params


_LEAVES_IN = 'SELECT 0, "index", "leaf_hash" FROM "ledger_logentry" WHERE "index" IN '
_NODES_WHERE = 'SELECT "level", "index", "hash" FROM "ledger_subtree" WHERE '
