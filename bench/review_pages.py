"""Server time of the review pages as the archive grows: the queue (`GET /review/` as a review
officer), a case page (`GET /review/<id>/` as a review officer, which also records the
opening) and a principal's reading list (`GET /review/reading/` as a principal on the
distribution list), at 1,000 / 10,000 / 100,000 submitted messages. Prints p50/p95 per page
and size, the SQL queries per request, and the ratio of the p95 at the largest size to the
p95 at the smallest. Results and how to read them: docs/performance.md, "Review pages".

    .venv/bin/python bench/review_pages.py [--db sqlite|postgres] [--sizes 1000,10000,100000]
                                           [--requests 300] [--warmup 30] [--json FILE]

Server time: each request goes through Django's full handler and middleware stack in this
process (django.test.Client: sessions, CSRF, auth, MFA check, CSP, error pages, template
rendering, the database), timed from the call to the response; no network, no WSGI server.

One fresh database (a temporary SQLite file, or a PostgreSQL database `bench_review_<pid>`
on 127.0.0.1:5432 as user postgres) grows through the sizes: the messages are inserted in
bulk (bulk_create, 2,000 messages per transaction) with the rows the actions write — message,
version (real encoded text, hash, commitment), drafter, invitations and submitted signatures,
case with its deadlines, recipients, reply versions, and every event with its entry in the
tamper-evident log (through dissent.ledger.store.append_events, the path record_event takes).
Everything is thrown away at the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The repository root, not bench/, heads sys.path (bench/requests.py would shadow the PyPI
# `requests` that allauth imports): see bench/_common.py.
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from bench._common import (  # noqa: E402
    BenchError,
    django_database,
    header_lines,
    load_average,
    machine_description,
    stop_on_signals,
)

DEFAULT_SIZES = (1_000, 10_000, 100_000)
BATCH = 2_000
ARCHIVE_DAYS = 5 * 365  # messages are received uniformly over the last five years
STAFF = 2_000
SIGNERS = (0, 1, 1, 2, 2, 3, 5, 8)  # co-signers per message, cycled (2.75 on average)
TARGET_SIGNERS = 20
PRINCIPALS = (
    ("sam", "Secretary"),
    ("deputy", "Deputy Secretary"),
    ("under", "Under Secretary for Political Affairs"),
    ("exec", "Executive Secretary"),
    ("forum", "Open Forum chair"),
)
OFFICERS = ("rita", "ravi", "rosa", "rune")
PAGES = {
    "queue": "GET /review/ (officer)",
    "case": "GET /review/<id>/ (officer)",
    "reading": "GET /review/reading/ (principal)",
}


# --------------------------------------------------------------------------- seeding


@dataclass
class People:
    drafters: list[Any]
    officers: list[Any]
    head: Any
    principals: list[Any]
    labels: list[str]


class Seeder:
    """Adds messages in bulk, in the shapes the actions write (see the module docstring)."""

    def __init__(self) -> None:
        from django.utils import timezone

        self.rng = random.Random(20261128)
        self.now = timezone.now()
        self.count = 0
        self.people = self._people()
        self.drafter_ids = [u.id for u in self.people.drafters]
        self.officer_ids = [u.id for u in self.people.officers]
        self.principal_ids = [u.id for u in self.people.principals]
        self._deadlines: dict[date, Any] = {}
        self.target: Any = None
        from dissent.review.content import reply_body

        self.reply = reply_body(
            "(U) The review office has read the message.\n\n(U) Thank you for writing."
        )

    def _people(self) -> People:
        from allauth.mfa.totp.internal.auth import generate_totp_secret

        from dissent.accounts.actions import do_enable_totp
        from dissent.accounts.models import User
        from dissent.accounts.roles import Role
        from dissent.review.actions import do_add_distribution_entry

        def users(prefix: str, names: list[str], role: str) -> list[Any]:
            return User.objects.bulk_create(
                User(email=f"{n}@{prefix}.example.org", display_name=n.title(), role=role)
                for n in names
            )

        drafters = users("staff", [f"staff{i:05}" for i in range(STAFF)], Role.STAFF)
        officers = users("office", list(OFFICERS), Role.REVIEW_OFFICER)
        (head,) = users("office", ["dana"], Role.OFFICE_HEAD)
        principals = users("principals", [p for p, _ in PRINCIPALS], Role.PRINCIPAL)
        for user in (*officers, head, *principals):  # the MFA middleware wants one each
            do_enable_totp(user, generate_totp_secret(), acting_user=None)
        for position, (user, (_, label)) in enumerate(zip(principals, PRINCIPALS, strict=True)):
            do_add_distribution_entry(user, label, position=position, acting_user=None)
        return People(drafters, officers, head, principals, [label for _, label in PRINCIPALS])

    # -- what one message looks like ----------------------------------------------------

    def _plan(self, i: int, *, target: bool = False) -> dict[str, Any]:
        rng = self.rng
        if target:  # the case page measured: the same shape at every size
            age, state, signers = 20.0, "under_review", TARGET_SIGNERS
        else:
            age = rng.uniform(0, ARCHIVE_DAYS)
            signers = SIGNERS[i % len(SIGNERS)]
            state = self._state(age, rng)
        return {"i": i, "age": age, "state": state, "signers": signers}

    @staticmethod
    def _state(age: float, rng: random.Random) -> str:
        if age < 1.5:
            return "submitted"
        roll = rng.random()
        if roll < 0.10:
            return "redirected"
        if roll < 0.15:
            return "not_eligible"
        if age < 60 and roll < 0.17:
            return "submitted"  # overdue: not acknowledged in time
        for limit, state in (
            (8, "acknowledged"),
            (15, "distributed"),
            (45, "under_review"),
            (75, "replied"),
        ):
            if age < limit:
                return state
        return "closed"

    def _due(self, received_on: date) -> Any:
        from dissent.lib.deadlines import Profile, deadlines_for

        if received_on not in self._deadlines:
            self._deadlines[received_on] = deadlines_for(Profile.STATE, received_on, frozenset())
        return self._deadlines[received_on]

    # -- inserting a batch ----------------------------------------------------------------

    def grow_to(self, total: int) -> float:
        """Add messages up to `total`, the last one a fresh case to measure: the same shape
        at every size, and no openings from the previous size's measurements."""
        started = time.perf_counter()
        while self.count < total - 1:
            n = min(BATCH, total - 1 - self.count)
            self._add([self._plan(self.count + k) for k in range(n)])
            self.count += n
            print(f"\r  seeded {self.count:,} messages", end="", file=sys.stderr, flush=True)
        self.target = self._add([self._plan(self.count, target=True)])[0]
        self.count += 1
        print(file=sys.stderr)
        return time.perf_counter() - started

    def _add(self, plans: list[dict[str, Any]]) -> list[Any]:
        from django.db import transaction

        from dissent.events.models import Event
        from dissent.ledger.store import append_events
        from dissent.memos.models import Drafter, Invitation, Memo, SubmittedSignature, Version
        from dissent.review.models import Case, Recipient, ReplyVersion

        rows: dict[str, list[Any]] = {
            name: []
            for name in (
                "memos",
                "versions",
                "drafters",
                "invitations",
                "signatures",
                "cases",
                "recipients",
                "replies",
                "events",
            )
        }
        for plan in plans:
            self._message(plan, rows)
        with transaction.atomic():
            # Foreign keys are checked at commit (deferred) on SQLite and PostgreSQL, so the
            # message and its version may point at each other within the batch.
            Memo.objects.bulk_create(rows["memos"], batch_size=BATCH)
            Version.objects.bulk_create(rows["versions"], batch_size=BATCH)
            Drafter.objects.bulk_create(rows["drafters"], batch_size=BATCH)
            Invitation.objects.bulk_create(rows["invitations"], batch_size=BATCH)
            SubmittedSignature.objects.bulk_create(rows["signatures"], batch_size=BATCH)
            ReplyVersion.objects.bulk_create(rows["replies"], batch_size=BATCH)
            Case.objects.bulk_create(rows["cases"], batch_size=BATCH)
            Recipient.objects.bulk_create(rows["recipients"], batch_size=BATCH)
            events = Event.objects.bulk_create(rows["events"], batch_size=BATCH)
            append_events(events)
        return rows["memos"]

    def _message(self, plan: dict[str, Any], rows: dict[str, list[Any]]) -> None:
        from dissent.events.models import Event
        from dissent.events.types import EventType
        from dissent.lib.canonical import sha256_hex
        from dissent.memos import content as text
        from dissent.memos.models import Drafter, Invitation, Memo, SubmittedSignature, Version
        from dissent.review import content as review_text
        from dissent.review.calendar import local_date
        from dissent.review.models import Case, Recipient, ReplyVersion

        i, state, rng = plan["i"], plan["state"], self.rng
        people = self.people
        received = self.now - timedelta(days=plan["age"])
        received_on = local_date(received)
        due = self._due(received_on)
        # Ids, not instances: a model's foreign-key descriptors cost more than the insert.
        drafter = self.drafter_ids[i % len(self.drafter_ids)]
        officer = self.officer_ids[i % len(self.officer_ids)]
        head = people.head.id
        memo_id = uuid.uuid4()
        events: list[Any] = []

        def event(
            kind: EventType, actor: Any, at: datetime, commitment: str = "", **payload: Any
        ) -> None:
            events.append(
                Event(
                    type=kind,
                    actor_id=actor,
                    at=at,
                    subject_id=str(memo_id),
                    payload=payload,
                    commitment=commitment,
                )
            )

        content = text.MemoContent(
            title=f"Fictional policy question {i}: review the schedule of office {i % 97}",
            summary="(U) The current schedule costs more than it protects; a shorter one "
            "would serve every legal need.",
            body="\n\n".join(
                f"(U) Paragraph {n} of a fictional argument about records and costs, long "
                "enough to look like a real message without saying anything real."
                for n in range(6)
            ),
            recommendations="(U) Adopt the shorter schedule and review it after a year.",
        )
        encoded = text.stored_bytes(content)
        salt = text.new_salt()
        version = Version(
            memo_id=memo_id,
            number=1,
            author_id=drafter,
            created_at=received - timedelta(hours=2),
            content_hash=sha256_hex(encoded),
            content=encoded,
            commitment_salt=salt,
            commitment=text.commitment(encoded, salt),
            banner="UNCLASSIFIED",
            fully_marked=True,
        )
        names = "principals" if i % 3 == 0 else "office"
        rows["memos"].append(
            Memo(
                id=memo_id,
                state=state,
                created_by_id=drafter,
                created_at=version.created_at,
                updated_at=received,
                version_count=1,
                submitted_at=received,
                submitted_version_id=version.id,
                names_visible_to=names,
            )
        )
        rows["versions"].append(version)
        rows["drafters"].append(
            Drafter(memo_id=memo_id, user_id=drafter, is_owner=True, added_at=version.created_at)
        )
        event(EventType.MEMO_CREATED, drafter, version.created_at)
        event(
            EventType.VERSION_SAVED,
            drafter,
            version.created_at,
            version.commitment,
            version=1,
            hash=version.content_hash,
        )
        start = rng.randrange(len(self.drafter_ids))
        signers = [
            self.drafter_ids[(start + k) % len(self.drafter_ids)] for k in range(plan["signers"])
        ]
        signers = [s for s in signers if s != drafter]
        signed_at = received - timedelta(hours=1)
        for signer in signers:
            rows["invitations"].append(
                Invitation(
                    memo_id=memo_id,
                    user_id=signer,
                    invited_by_id=drafter,
                    invited_at=version.created_at,
                    status="signed",
                    signed_version_id=version.id,
                    signed_at=signed_at,
                    responded_at=signed_at,
                )
            )
            rows["signatures"].append(
                SubmittedSignature(
                    memo_id=memo_id, user_id=signer, version_id=version.id, signed_at=signed_at
                )
            )
            event(EventType.INVITED, drafter, version.created_at, user=str(signer))
        for signer in signers:
            event(EventType.SIGNED, signer, signed_at, version=1, hash=version.content_hash)
        event(
            EventType.SUBMITTED,
            drafter,
            received,
            version.commitment,
            version=1,
            hash=version.content_hash,
            signatures=len(signers),
            names=names,
        )

        case = Case(
            memo_id=memo_id,
            state=state,
            profile="state",
            received_at=received,
            received_on=received_on,
            ack_due=due.acknowledge_by,
            reply_due=due.reply_by,
            reply_due_max=due.reply_by_max,
            signature_count=len(signers),
            updated_at=received,
        )
        rows["cases"].append(case)
        step = received
        ladder = ("acknowledged", "distributed", "under_review", "replied", "closed")
        if state == "submitted":
            case.next_due = due.acknowledge_by
        elif state in ("redirected", "not_eligible"):
            step += timedelta(days=1)
            case.scope = state
            case.scope_channel = "grievance" if state == "redirected" else ""
            note = "" if state == "redirected" else "(U) Not a policy matter."
            case.scope_note = review_text.store_text(review_text.TextKind.SCOPE_NOTE, note)
            case.scope_decided_at, case.scope_decided_by_id = step, officer
            event(
                EventType.SCOPE_DECIDED,
                officer,
                step,
                decision=state,
                channel=case.scope_channel or None,
            )
        else:
            reached = ladder[: ladder.index(state) + 1]
            step += timedelta(days=1)
            case.acknowledged_at, case.acknowledged_by_id, case.officer_id = step, officer, officer
            event(
                EventType.ACKNOWLEDGED,
                officer,
                step,
                due=due.acknowledge_by.isoformat(),
                late=False,
            )
            event(EventType.OFFICER_ASSIGNED, officer, step, officer=str(officer), previous=None)
            case.next_due = due.reply_by
            if state != "acknowledged" or i % 2:
                case.scope, case.scope_decided_at, case.scope_decided_by_id = (
                    "in_scope",
                    step,
                    officer,
                )
                event(EventType.SCOPE_DECIDED, officer, step, decision="in_scope", channel=None)
            if "distributed" in reached:
                step += timedelta(days=3)
                case.distributed_at = step
                for principal, label in zip(self.principal_ids, people.labels, strict=True):
                    rows["recipients"].append(
                        Recipient(
                            case_id=memo_id,
                            user_id=principal,
                            label=label,
                            added_by_id=officer,
                            added_at=step,
                        )
                    )
                    event(
                        EventType.RECIPIENT_ADDED, officer, step, user=str(principal), extra=False
                    )
                event(EventType.DISTRIBUTED, officer, step, recipients=len(people.principals))
            if "under_review" in reached:
                step += timedelta(days=1)
                case.review_started_at = step
                event(EventType.REVIEW_STARTED, officer, step)
                marked = self.reply  # the same text, its own salt and commitment
                reply_salt = text.new_salt()
                reply = ReplyVersion(
                    case_id=memo_id,
                    number=1,
                    author_id=officer,
                    created_at=step,
                    content_hash=marked.content_hash,
                    content=marked.stored,
                    commitment_salt=reply_salt,
                    commitment=text.commitment(marked.stored, reply_salt),
                    banner=marked.banner,
                    fully_marked=marked.fully_marked,
                )
                rows["replies"].append(reply)
                case.reply_version_count = 1
                event(
                    EventType.REPLY_DRAFT_SAVED,
                    officer,
                    step,
                    reply.commitment,
                    version=1,
                    hash=marked.content_hash,
                )
            if "replied" in reached:
                step += timedelta(days=20)
                case.sent_reply_id, case.replied_at, case.replied_by_id = reply.id, step, head
                case.next_due = None
                event(
                    EventType.REPLY_SENT,
                    head,
                    step,
                    reply.commitment,
                    version=1,
                    hash=reply.content_hash,
                    due=due.reply_by.isoformat(),
                    late=False,
                )
            if "closed" in reached:
                step += timedelta(days=10)
                case.closed_at, case.closed_by_id = step, officer
                event(EventType.CASE_CLOSED, officer, step)
        case.updated_at = step
        rows["events"].extend(events)


# --------------------------------------------------------------------------- measuring


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between the closest ranks, not bench/_common.py's nearest rank:
    the figures in docs/performance.md ("Review pages") were measured with this one."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def measure(seeder: Seeder, requests: int, warmup: int) -> dict[str, dict[str, float]]:
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    officer, principal = seeder.people.officers[0], seeder.people.principals[0]
    clients = {}
    for name, user in (("officer", officer), ("principal", principal)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        clients[name] = client
    paths = {
        "queue": ("officer", "/review/"),
        "case": ("officer", f"/review/{seeder.target.id}/"),
        "reading": ("principal", "/review/reading/"),
    }

    def get(page: str) -> Any:
        who, path = paths[page]
        response = clients[who].get(path)
        if response.status_code != 200:
            raise BenchError(f"{path} answered {response.status_code}")
        return response

    queries_per_page = {}
    for page in paths:
        # Django empties the query log when a request starts; keep it for this one request.
        request_started.disconnect(reset_queries)
        try:
            with CaptureQueriesContext(connection) as queries:
                get(page)
            queries_per_page[page] = len(queries)  # now: later requests empty the log
        finally:
            request_started.connect(reset_queries)
    for _ in range(warmup):
        for page in paths:
            get(page)
    # Rounds of one request per page, so background load on a shared machine falls on the
    # three pages alike.
    times: dict[str, list[float]] = {page: [] for page in paths}
    cpu: dict[str, list[float]] = {page: [] for page in paths}
    sizes: dict[str, int] = {}
    for _ in range(requests):
        for page in paths:
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = get(page)
            cpu[page].append((time.thread_time() - started_cpu) * 1000)
            times[page].append((time.perf_counter() - started) * 1000)
            sizes[page] = len(response.content)
    return {
        page: {
            "p50": percentile(times[page], 50),
            "p95": percentile(times[page], 95),
            "mean": statistics.fmean(times[page]),
            "cpu_p50": percentile(cpu[page], 50),
            "cpu_p95": percentile(cpu[page], 95),
            "queries": queries_per_page[page],
            "bytes": sizes[page],
        }
        for page in paths
    }


def refresh_statistics() -> None:
    """PostgreSQL plans from table statistics, which autovacuum refreshes some time after a
    bulk load; a benchmark that queries right after loading would measure plans made for
    empty tables. ANALYZE now, as autovacuum would. (SQLite keeps no statistics unless
    told to, and a deployment does not: it is measured as it runs.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def table_counts() -> dict[str, int]:
    from dissent.events.models import Event
    from dissent.ledger.models import LogEntry
    from dissent.memos.models import SubmittedSignature
    from dissent.review.models import Case, Recipient

    return {
        "cases": Case.objects.count(),
        "open cases": Case.objects.filter(
            state__in=["submitted", "acknowledged", "distributed", "under_review", "replied"]
        ).count(),
        "signatures": SubmittedSignature.objects.count(),
        "recipients": Recipient.objects.count(),
        "events": Event.objects.count(),
        "log entries": LogEntry.objects.count(),
    }


def _table(sizes: list[int], runs: dict[int, dict[str, Any]], p50: str, p95: str) -> list[str]:
    header = "| page | " + " | ".join(f"{n:,}: p50 / p95" for n in sizes) + " | p95 ratio |"
    lines = [header, "|" + " --- |" * (len(sizes) + 2)]
    for page, label in PAGES.items():
        figures = [runs[n]["pages"][page] for n in sizes]
        cells = [f"{f[p50]:.1f} / {f[p95]:.1f}" for f in figures]
        ratio = figures[-1][p95] / figures[0][p95]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    return lines


def report(db: str, sizes: list[int], runs: dict[int, dict[str, Any]]) -> str:
    lines = [
        f"Review pages on {db}; milliseconds per request, ratio = p95 at "
        f"{sizes[-1]:,} / p95 at {sizes[0]:,}.",
        "",
        "Server time (wall clock, includes waiting for a CPU on a shared machine):",
        "",
        *_table(sizes, runs, "p50", "p95"),
        "",
        "CPU time of the request (this thread only: what the server itself spent):",
        "",
        *_table(sizes, runs, "cpu_p50", "cpu_p95"),
        "",
        "SQL queries per request (queue / case / reading list): "
        + ", ".join(
            f"{n:,}: " + " / ".join(str(runs[n]["pages"][p]["queries"]) for p in PAGES)
            for n in sizes
        ),
        "",
        "Rows at each size:",
    ]
    for n in sizes:
        counts = ", ".join(f"{k} {v:,}" for k, v in runs[n]["counts"].items())
        lines.append(
            f"- {n:,} messages (seeded in {runs[n]['seed_seconds']:.0f} s; load average "
            f"{runs[n]['load']}): {counts}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in DEFAULT_SIZES),
        help="message counts, ascending, comma-separated",
    )
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per page")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas")
    if args.sizes != sorted(args.sizes) or args.sizes[0] < 2:
        parser.error("--sizes must be ascending and at least 2")
    if args.requests < 20 or args.warmup < 0:
        parser.error("--requests must be at least 20 (a p95 needs some)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    machine = machine_description()
    print("\n".join(header_lines("review pages (bench/review_pages.py)", machine)), flush=True)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-review-") as tmp,
            django_database(args.db, Path(tmp), "bench_review", DISSENT_LOG_LEVEL="error"),
        ):
            seeder = Seeder()
            runs: dict[int, dict[str, Any]] = {}
            for size in args.sizes:
                print(f"{size:,} messages:", file=sys.stderr)
                seconds = seeder.grow_to(size)
                refresh_statistics()
                pages = measure(seeder, args.requests, args.warmup)
                runs[size] = {
                    "seed_seconds": seconds,
                    "pages": pages,
                    "counts": table_counts(),
                    "load": load_average(),
                }
                print(
                    "  " + ", ".join(f"{p} p95 {r['p95']:.1f} ms" for p, r in pages.items()),
                    file=sys.stderr,
                )
            print(report(args.db, args.sizes, runs))
            if args.json:
                figures = {"machine": machine, "db": args.db, "runs": runs}
                args.json.write_text(json.dumps(figures, indent=2))
    except BenchError as exc:
        print(f"review_pages: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("review_pages: interrupted; temporary data removed", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
