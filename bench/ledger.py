"""The tamper-evident log at scale: append 1,000,000 entries, verify them all, and time
inclusion proofs at that size. Results and how to read them: docs/performance.md ("Ledger").

    .venv/bin/python bench/ledger.py [--db sqlite|postgres] [--entries 1000000]
                                     [--batch 1000] [--proofs 2000] [--single 5000]

Appends go through dissent.ledger.store.append_events, the bulk path: the same leaf
encoder, the same merkle.CompactRange, the same inserts and head lock as append_event
(which record_event calls), one lock and one frontier read per batch of events. The
per-event path (record_event, one append per event) is timed too, on --single events.

`verify` is dissent.ledger.audit.verify, exactly what `dissent ledger verify` runs, and
`verify_events` the same with `--events` (every leaf re-derived from its event row too).
Each time is compared with the bare cost of hashing the same leaves and nodes with hashlib
in the same run (leaves already in memory, no database): the ratio is what reading the
database and checking the stored rows (and, with --events, re-encoding each event) costs on
top of the hashing.

Everything is thrown away: a temporary data directory (holding the SQLite file) and, with
--db postgres, a database `bench_ledger_<pid>` on 127.0.0.1:5432 (user postgres), dropped at
the end even on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The repository root, not bench/, heads sys.path (bench/requests.py would shadow the PyPI
# `requests` that allauth imports): see bench/_common.py.
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from bench._common import (  # noqa: E402
    BenchError,
    children_cpu,
    django_database,
    machine_description,
)

ORIGIN = "bench.example.org/dissent-log"
UNUSABLE = "!"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="events per transaction")
    parser.add_argument("--checkpoint-every", type=int, default=100_000)
    parser.add_argument("--proofs", type=int, default=2000, help="random indexes to prove")
    parser.add_argument("--single", type=int, default=5000, help="events via record_event")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    from dissent.crypto.signing import generate_signer_key

    signing_key = generate_signer_key(ORIGIN).encode()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp,
            django_database(
                args.db,
                Path(tmp),
                "bench_ledger",
                DISSENT_LOG_LEVEL="warning",
                DISSENT_LEDGER_SIGNING_KEY=signing_key,
            ),
        ):
            results = run(args)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    results["database"] = "SQLite (file, WAL)" if args.db == "sqlite" else "PostgreSQL 127.0.0.1"
    print(json.dumps(results, indent=2))
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    from dissent.ledger import audit, store

    results: dict[str, Any] = {
        "machine": machine_description() | {"sqlite": sqlite3.sqlite_version},
        "entries": args.entries,
        "batch": args.batch,
    }
    make_events = EventMaker()

    # 1. Bulk appends: events and their log entries, --batch per transaction.
    started = time.perf_counter()
    log_seconds = append_bulk(args, make_events)
    elapsed = time.perf_counter() - started
    results["append_bulk"] = {
        "entries_per_s": round(args.entries / elapsed),
        "seconds": round(elapsed, 1),
        "log_part_seconds": round(log_seconds, 1),
        "note": "events inserted and appended; log_part = store.append_events alone",
    }
    progress(f"appended {args.entries:,} in {elapsed:.1f} s")

    # 2. The per-event path: record_event, as every action calls it.
    if args.single:
        results["append_single"] = append_single(args.single, make_events)

    # 3. verify (the log; then with --events) vs bare hashing, same data, same run.
    size = store.size()
    bare_seconds, bare_cpu, bare_root = bare_hashing(size)
    for name, events in (("verify", False), ("verify_events", True)):
        started, cpu = time.perf_counter(), cpu_with_children()
        report = audit.verify(by="bench", events=events)
        verify_seconds = time.perf_counter() - started
        verify_cpu = cpu_with_children() - cpu  # the worker processes' too
        if not report.ok:
            raise SystemExit(f"{name} failed: {report.problem}")
        assert bare_root == report.root, "bare hashing and verify disagree on the root"
        read_seconds, read_cpu = read_rows(size, events)
        results[name] = {
            "entries": size,
            "seconds": round(verify_seconds, 2),
            "entries_per_s": round(size / verify_seconds),
            "bare_hashing_seconds": round(bare_seconds, 2),
            "ratio_to_bare_hashing": round(verify_seconds / bare_seconds, 1),
            "cpu_seconds": round(verify_cpu, 2),
            "bare_hashing_cpu_seconds": round(bare_cpu, 2),
            "cpu_ratio_to_bare_hashing": round(verify_cpu / bare_cpu, 1),
            "reading_rows_seconds": round(read_seconds, 2),
            "reading_rows_cpu_seconds": round(read_cpu, 2),
            "ratio_to_reading_and_hashing": round(
                verify_seconds / (bare_seconds + read_seconds), 1
            ),
            "checkpoints": report.checkpoints,
            "workers": audit.default_workers(),
            "note": "reading_rows: the audit's own SELECTs, fetched and dropped"
            + ("; the rest is re-deriving each leaf from its event row" if events else ""),
        }
        progress(
            f"{name}: {size:,} entries in {verify_seconds:.2f} s "
            f"(bare hashing {bare_seconds:.2f} s)"
        )

    # 4. Proofs at full size.
    results["inclusion_proof"] = time_calls(
        lambda i: store.inclusion_proof(i, size),
        [random.randrange(size) for _ in range(args.proofs)],
    )
    results["consistency_proof"] = time_calls(
        lambda old: store.consistency_proof(old, size),
        [random.randrange(1, size + 1) for _ in range(args.proofs)],
    )
    results["root"] = time_calls(lambda _: store.root(size), list(range(args.proofs)))
    return results


class EventMaker:
    """Realistic events: a mix of message and account events by 200 users on 10,000
    messages, with commitments and payloads as the actions write them."""

    def __init__(self) -> None:
        from dissent.accounts.models import User

        User.objects.bulk_create(
            # "!" is Django's unusable password: these accounts cannot sign in.
            [User(email=f"u{i}@bench.example.org", password=UNUSABLE) for i in range(200)]
        )
        self.users = list(User.objects.values_list("id", flat=True))
        self.memos = [str(uuid.uuid4()) for _ in range(10_000)]
        self.at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def make(self, count: int) -> list[Any]:
        from dissent.events.models import Event
        from dissent.events.types import EventType

        events = []
        for _ in range(count):
            self.at += timedelta(milliseconds=random.randrange(1, 5000))
            actor = random.choice(self.users)
            memo = random.choice(self.memos)
            kind = random.randrange(10)
            subject, commitment = memo, ""
            if kind < 3:
                kind_type, commitment = EventType.VERSION_SAVED, os.urandom(32).hex()
                payload = {"version": random.randrange(1, 30), "hash": os.urandom(32).hex()}
            elif kind < 5:
                kind_type, commitment = EventType.SIGNED, os.urandom(32).hex()
                payload = {"version": 2, "hash": os.urandom(32).hex()}
            elif kind < 8:
                kind_type, payload = EventType.INVITED, {"user": str(random.choice(self.users))}
            else:
                kind_type, subject, payload = EventType.LOGIN, str(actor), {"method": "password"}
            events.append(
                Event(
                    type=kind_type,
                    actor_id=actor,
                    at=self.at,
                    subject_id=subject,
                    commitment=commitment,
                    payload=payload,
                )
            )
        return events


def append_bulk(args: argparse.Namespace, make_events: EventMaker) -> float:
    from django.db import transaction

    from dissent.events.models import Event
    from dissent.ledger import checkpoints, store

    log_seconds = 0.0
    done = 0
    report_every = max(args.entries // 20, 1)
    next_checkpoint = args.checkpoint_every
    while done < args.entries:
        count = min(args.batch, args.entries - done)
        events = make_events.make(count)
        with transaction.atomic():
            Event.objects.bulk_create(events)
            started = time.perf_counter()
            store.append_events(events)
            log_seconds += time.perf_counter() - started
        done += count
        if done >= next_checkpoint or done == args.entries:
            checkpoints.make_checkpoint()
            next_checkpoint += args.checkpoint_every
        if done % report_every < count:
            progress(f"  {done:,} entries")
    return log_seconds


def append_single(count: int, make_events: EventMaker) -> dict[str, Any]:
    from django.db import transaction

    from dissent.events.record import record_event
    from dissent.events.types import EventType

    results: dict[str, Any] = {}
    for per_transaction in (1, 10):
        templates = make_events.make(count)
        started = time.perf_counter()
        for first in range(0, count, per_transaction):
            with transaction.atomic():
                for event in templates[first : first + per_transaction]:
                    record_event(
                        EventType(event.type),
                        actor=None,
                        subject_id=event.subject_id,
                        payload=event.payload,
                        commitment=event.commitment or None,
                    )
        elapsed = time.perf_counter() - started
        results[f"{per_transaction}_per_transaction_entries_per_s"] = round(count / elapsed)
    results["events"] = count
    results["note"] = "record_event: Event row + append_event, as actions do"
    return results


def bare_hashing(size: int, chunk: int = 50_000) -> tuple[float, float, bytes]:
    """RFC 9162 leaf and node hashes of the whole log with hashlib alone: the leaves are
    read from the database first (not timed), then hashed (timed)."""
    from dissent.ledger.models import LogEntry

    sha256 = hashlib.sha256
    seconds = cpu = 0.0
    stack: list[bytes] = []
    count = 0
    for start in range(0, size, chunk):
        leaves = [
            bytes(leaf)
            for leaf in LogEntry.objects.filter(index__gte=start, index__lt=start + chunk)
            .order_by("index")
            .values_list("leaf", flat=True)
        ]
        started, cpu_started = time.perf_counter(), time.process_time()
        for leaf in leaves:
            h = sha256(b"\x00" + leaf).digest()
            carry = count
            while carry & 1:
                h = sha256(b"\x01" + stack.pop() + h).digest()
                carry >>= 1
            stack.append(h)
            count += 1
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    root = stack[-1]
    for left in reversed(stack[:-1]):
        root = sha256(b"\x01" + left + root).digest()
    return seconds, cpu, root


def cpu_with_children() -> float:
    """CPU seconds of this process and of its finished children (verify's workers)."""
    return time.process_time() + children_cpu()


def read_rows(size: int, events: bool) -> tuple[float, float]:
    """The audit's queries alone (with events: every entry joined to its event), fetched,
    not checked."""
    from django.db import connection

    from dissent.ledger import audit

    sql = audit._ENTRIES.format(time=audit._TIME[connection.vendor]) if events else audit._LEAVES
    started, cpu = time.perf_counter(), time.process_time()
    with audit._reader(binary=not events) as cursor:
        for start in range(0, size, audit.CHUNK):
            cursor.execute(sql, [start, start + audit.CHUNK])
            cursor.fetchall()
    return time.perf_counter() - started, time.process_time() - cpu


def time_calls(call: Any, arguments: list[int]) -> dict[str, float]:
    for argument in arguments[:50]:  # warm caches and connections
        call(argument)
    times = []
    for argument in arguments:
        started = time.perf_counter()
        call(argument)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "calls": len(times),
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95)], 3),
        "max_ms": round(times[-1], 3),
    }


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
