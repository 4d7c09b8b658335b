"""Signature storm: N co-signers (default 2,000) sign one message through the JSON API, 32 at a
time, against the real server (`dissent serve`, gunicorn gthread) on loopback; then the
drafter submits it. Prints signatures/s, p50/p99 latency, lost and duplicated signatures
(both must be 0) and the `GET /healthz` rate measured in the same run, with the ratio.

    .venv/bin/python bench/signature_storm.py [--db sqlite|postgres|both] [--signers 2000]
                                              [--clients 32] [--healthz-seconds 8]

Set-up is one Django script run before the server starts (users, tokens, the message and
its 2,000 invitations, in bulk), not thousands of CLI calls. Everything is thrown away at the
end: a temporary data directory (with the SQLite file) and, for PostgreSQL, a database on
127.0.0.1:5432 (user postgres). The server, database and machine helpers are bench/_common.py's,
as for bench/requests.py.

Both loads use the same client (Python httpx, keep-alive, several processes x threads), so
the ratio compares the server's work, not two clients. Exit status 1 if a signature request
failed, a signature was lost or duplicated, or the submission did not carry every signature.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The repository root, not bench/, heads sys.path (bench/requests.py would shadow the PyPI
# `requests` that allauth imports in the Django steps below): see bench/_common.py.
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from bench._common import (  # noqa: E402
    HEALTHZ,
    BenchError,
    database,
    free_port,
    group_cpu,
    header_lines,
    load_average,
    machine_description,
    percentile,
    run_dissent,
    running_server,
    server_env,
    stop_on_signals,
    write_json,
)

SIGNER_DOMAIN = "storm.example.org"
OWNER = f"drafter@{SIGNER_DOMAIN}"
BODY = "(U) A fictional message for the signature benchmark.\n\n(U) Nothing here is real."


# --------------------------------------------------------------------------- Django side
# Run in a subprocess with the server's environment (`--seed` / `--verify`), never in the
# driver process: the driver stays a plain HTTP client.


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    import django

    django.setup()


def seed(signers: int, out: Path) -> None:
    """The drafter, N staff signers with a bearer token each, one message inviting them all."""
    _django()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from dissent.accounts.actions import do_create_token, do_create_user
    from dissent.accounts.models import ApiToken, User
    from dissent.accounts.tokens import new_token, token_digest
    from dissent.memos import content
    from dissent.memos.actions import MAX_INVITES_PER_REQUEST, do_create_memo, do_invite

    owner = do_create_user(OWNER, acting_user=None, display_name="Drafter", via="bench")
    _, owner_token = do_create_token(owner, "bench", acting_user=None)
    memo = do_create_memo(
        content.clean("Signature storm", "(U) Benchmark summary.", BODY, "(U) None."),
        acting_user=owner,
    )
    users = User.objects.bulk_create(
        User(email=f"signer{i:05}@{SIGNER_DOMAIN}", display_name=f"Signer {i:05}")
        for i in range(signers)
    )
    tokens = [new_token() for _ in users]
    expires = timezone.now() + timedelta(days=1)
    with transaction.atomic():
        ApiToken.objects.bulk_create(
            ApiToken(user=u, name="bench", prefix=t[:8], digest=token_digest(t), expires_at=expires)
            for u, t in zip(users, tokens, strict=True)
        )
    emails = [u.email for u in users]
    for start in range(0, len(emails), MAX_INVITES_PER_REQUEST):
        report = do_invite(memo, emails[start : start + MAX_INVITES_PER_REQUEST], acting_user=owner)
        if report.not_found or report.not_allowed or report.already_invited:
            raise SystemExit(f"seeding: invitations refused: {report}")
    out.write_text(
        json.dumps(
            {
                "memo": str(memo.id),
                "version": memo.version_count,
                "owner": owner_token,
                "tokens": tokens,
            }
        )
    )


def verify(memo_id: str, out: Path) -> None:
    """What the database holds after the storm and the submission."""
    _django()
    from django.db.models import Count

    from dissent.events.models import Event
    from dissent.events.types import EventType
    from dissent.memos.models import Invitation, Memo, SubmittedSignature

    memo = Memo.objects.get(id=memo_id)
    signed_events = Event.objects.filter(type=EventType.SIGNED, subject_id=memo_id)
    per_actor = signed_events.values("actor").annotate(n=Count("id"))
    out.write_text(
        json.dumps(
            {
                "state": memo.state,
                "signed_rows": Invitation.objects.filter(
                    memo=memo, status="signed", signed_version__number=memo.version_count
                ).count(),
                "submitted_signatures": SubmittedSignature.objects.filter(memo=memo).count(),
                "signed_events": signed_events.count(),
                "signers_with_events": per_actor.count(),
                "duplicated": per_actor.filter(n__gt=1).count(),
            }
        )
    )


# --------------------------------------------------------------------------- the driver


def _client_process(
    base: str,
    mode: str,
    memo: str,
    version: int,
    tokens: list[str],
    threads: int,
    seconds: float,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """One driver process: `threads` keep-alive clients. In "sign" mode they share this
    process's tokens, one signature each; in "healthz" mode they run for `seconds`."""
    import httpx

    lock = threading.Lock()
    queue = list(reversed(tokens))
    samples: list[tuple[float, int]] = []
    sign_url = f"{base}/api/v1/messages/{memo}/sign"
    body = json.dumps({"version": version}).encode()

    def loop(client: httpx.Client, deadline: float) -> None:
        mine: list[tuple[float, int]] = []
        while True:
            if mode == "sign":
                with lock:
                    if not queue:
                        break
                    token = queue.pop()
            elif time.perf_counter() >= deadline:
                break
            start = time.perf_counter()
            try:
                if mode == "sign":
                    headers = {
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    }
                    status = client.post(sign_url, content=body, headers=headers).status_code
                else:
                    status = client.get(base + HEALTHZ).status_code
            except httpx.HTTPError:
                status = 0
            mine.append((time.perf_counter() - start, status))
        with lock:
            samples.extend(mine)

    clients = [httpx.Client(timeout=30) for _ in range(threads)]
    for client in clients:  # open the keep-alive connection before the clock starts
        with contextlib.suppress(httpx.HTTPError):
            client.get(base + HEALTHZ)
    ready.put(True)
    go.wait()
    started, cpu_started = time.perf_counter(), time.process_time()
    workers = [threading.Thread(target=loop, args=(c, started + seconds)) for c in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # the load only, not the process's start-up
    for client in clients:
        client.close()
    results.put((samples, elapsed, cpu))


def drive(
    base: str,
    mode: str,
    args: argparse.Namespace,
    memo: str = "",
    version: int = 0,
    tokens: list[str] | None = None,
) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs_n = min(args.client_processes, args.clients)
    tokens = tokens or []
    procs = []
    for i in range(procs_n):
        threads = args.clients // procs_n + (i < args.clients % procs_n)
        share = tokens[i::procs_n]
        procs.append(
            ctx.Process(
                target=_client_process,
                args=(
                    base,
                    mode,
                    memo,
                    version,
                    share,
                    threads,
                    args.healthz_seconds,
                    ready,
                    go,
                    results,
                ),
            )
        )
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    go.set()
    samples: list[tuple[float, int]] = []
    elapsed = client_cpu = 0.0
    for _ in procs:
        got, took, cpu = results.get(timeout=3600)
        samples.extend(got)
        elapsed = max(elapsed, took)
        client_cpu += cpu
    for proc in procs:
        proc.join()
    latencies = sorted(s[0] for s in samples)
    statuses = Counter(s[1] for s in samples)
    return {
        "requests": len(samples),
        "ok": statuses.get(200, 0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": elapsed,
        "rate": len(samples) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "client_cpu_s": client_cpu,
    }


# --------------------------------------------------------------------------- one database


def _django_step(flag: str, value: str, out: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), flag, value, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE.parent,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{flag} failed:\n{proc.stdout}{proc.stderr}")
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def bench_database(db: str, args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    with tempfile.TemporaryDirectory(prefix=f"bench-storm-{db}-") as tmp:
        data_dir = Path(tmp)
        with database(db, data_dir, "bench_storm") as url:
            env = server_env(data_dir, url, DISSENT_LOG_LEVEL="warning")
            run_dissent(["migrate"], env)
            started = time.perf_counter()
            world = _django_step("--seed", str(args.signers), data_dir / "seed.json", env)
            print(
                f"  {db:8} seeded {args.signers} signers, tokens and invitations in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            port = free_port()
            threads = args.threads or (1 if db == "sqlite" else 4)  # as `dissent serve`
            with running_server(
                env, port, args.workers, threads, data_dir / "server.log"
            ) as server:
                base = f"http://127.0.0.1:{port}"
                drive(base, "healthz", _short(args))  # warm-up: every worker connects
                cpu = group_cpu(server.pid)
                before = drive(base, "healthz", args)
                before["server_cpu_s"] = group_cpu(server.pid) - cpu
                cpu = group_cpu(server.pid)
                storm = drive(base, "sign", args, world["memo"], world["version"], world["tokens"])
                storm["server_cpu_s"] = group_cpu(server.pid) - cpu
                after = drive(base, "healthz", args)
                submit = httpx.post(
                    f"{base}/api/v1/messages/{world['memo']}/submit",
                    json={"version": world["version"]},
                    headers={"Authorization": f"Bearer {world['owner']}"},
                    timeout=60,
                )
            if submit.status_code != 200:
                raise RuntimeError(f"submit answered {submit.status_code}: {submit.text[:300]}")
            check = _django_step("--verify", world["memo"], data_dir / "verify.json", env)
    healthz = (before["rate"] + after["rate"]) / 2
    return {
        "db": db,
        "server": {"workers": args.workers, "threads": threads},
        "signers": args.signers,
        "storm": storm,
        "healthz_before": before,
        "healthz_after": after,
        "healthz_rate": healthz,
        "ratio": storm["rate"] / healthz if healthz else 0.0,
        "lost": storm["ok"] - check["submitted_signatures"],
        "unsigned": args.signers - check["submitted_signatures"],
        "duplicated": check["duplicated"],
        "check": check,
    }


def _short(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "healthz_seconds": 2.0})


def _ms(load: dict[str, Any], key: str) -> str:
    return f"{1000 * load[key] / load['requests']:.2f}" if load["requests"] else "-"


def report(r: dict[str, Any]) -> str:
    s, h = r["storm"], r["healthz_before"]
    bad = {k: v for k, v in s["statuses"].items() if k != "200"}
    return "\n".join(
        [
            f"server          {r['server']['workers']} workers x {r['server']['threads']} threads",
            f"signatures      {s['ok']:>6} of {r['signers']} answered 200"
            + (f"; other answers {bad}" if bad else ""),
            f"signatures/s    {s['rate']:>8.1f}   p50 {s['p50_ms']:6.1f} ms   p99 "
            f"{s['p99_ms']:6.1f} ms   ({s['seconds']:.1f} s; server CPU "
            f"{s['server_cpu_s'] / s['seconds']:.2f} cores, client CPU "
            f"{s['client_cpu_s'] / s['seconds']:.2f} cores)",
            f"/healthz req/s  {r['healthz_rate']:>8.1f}   (before "
            f"{r['healthz_before']['rate']:.0f}, after {r['healthz_after']['rate']:.0f}; "
            f"p50 {r['healthz_before']['p50_ms']:.1f} ms)",
            f"ratio signatures/healthz  {r['ratio']:.2f}",
            f"CPU ms per request: signature {_ms(s, 'server_cpu_s')} server + "
            f"{_ms(s, 'client_cpu_s')} client; /healthz {_ms(h, 'server_cpu_s')} server + "
            f"{_ms(h, 'client_cpu_s')} client (before)",
            f"lost {r['lost']}   duplicated {r['duplicated']}   (submitted with "
            f"{r['check']['submitted_signatures']} signatures; {r['check']['signed_events']} "
            "SIGNED events)",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--signers", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=4,
        help="driver processes sharing the clients (the GIL of one is a limit)",
    )
    parser.add_argument(
        "--healthz-seconds",
        type=float,
        default=8,
        help="length of each /healthz measurement (one before, one after)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads",
        type=int,
        help="gunicorn threads per worker (default: `dissent serve`'s, 1 on SQLite, 4 on "
        "PostgreSQL)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    # Internal: the Django steps, run in a subprocess with the server's environment.
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--verify", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("signers", "clients", "client_processes", "workers", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.healthz_seconds <= 0:
        parser.error("--healthz-seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.seed is not None:
        seed(args.seed, args.out)
        return 0
    if args.verify is not None:
        verify(args.verify, args.out)
        return 0
    stop_on_signals()
    machine = machine_description()
    print(
        "\n".join(
            [
                *header_lines("signature storm (bench/signature_storm.py)", machine),
                f"server: dissent serve --workers {args.workers} --threads "
                f"{args.threads or '1 (SQLite) / 4 (PostgreSQL)'} --no-worker",
                f"load: {args.signers} signers, one POST /api/v1/messages/ID/sign each with "
                f"their own bearer token, {args.clients} concurrent keep-alive clients in "
                f"{args.client_processes} Python processes (httpx); /healthz with the same clients "
                f"for {args.healthz_seconds:g} s before and after",
            ]
        ),
        flush=True,
    )
    outcomes = []
    try:
        for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
            outcomes.append(bench_database(db, args))
            print(f"\n== {db} ==\n{report(outcomes[-1])}\n", flush=True)
    except (BenchError, RuntimeError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; server stopped and temporary data removed", file=sys.stderr)
        return 130
    failed = False
    for outcome in outcomes:
        failed |= bool(
            outcome["lost"]
            or outcome["unsigned"]
            or outcome["duplicated"]
            or outcome["storm"]["ok"] != outcome["signers"]
        )
    print(f"load average at end: {load_average()}")
    if args.json:
        write_json(args.json, machine, args, outcomes)
    if failed:
        print("bench: signatures were refused, lost or duplicated", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
