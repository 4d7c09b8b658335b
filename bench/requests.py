"""Requests per second and latency of `GET /healthz` and an authenticated `GET /api/v1/me`
against the real server (`dissent serve`, gunicorn gthread) on loopback, on SQLite and
PostgreSQL. Results and how to read them: docs/performance.md.

    .venv/bin/python bench/requests.py [--db sqlite|postgres|both] [--clients 32]
                                       [--requests N] [--duration S] [--rounds R]

Everything it creates is thrown away: a temporary data directory (with the SQLite file) and,
for PostgreSQL, a database `bench_requests_<pid>` on 127.0.0.1:5432 (user postgres), dropped
at the end even on failure or Ctrl-C. The load driver is `wrk` when installed
(`apt-get install -y wrk`), otherwise a Python client (httpx, keep-alive, several processes);
the output says which. Exit status 1 if any request failed or did not answer 200.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# The repository root, not bench/, heads sys.path: see bench/_common.py.
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

from bench._common import (  # noqa: E402
    HEALTHZ,
    BenchError,
    children_cpu,
    database,
    free_port,
    group_cpu,
    header_lines,
    load_average,
    machine_cpu,
    machine_description,
    percentile,
    run_dissent,
    running_server,
    server_env,
    stop_on_signals,
    write_json,
)

BENCH_EMAIL = "bench@example.org"
ME = "/api/v1/me"
ENDPOINTS = {HEALTHZ: "GET /healthz", ME: "GET /api/v1/me"}

# Lua for wrk: counts every answer that is not 200 (wrk itself counts only >= 400) and ends
# the run once a thread has had its share of the request budget. wrk's main thread sleeps
# for the whole -d duration and measures the run after it, so stopping a thread alone would
# report a rate over the full duration; SIGINT wakes it, as Ctrl-C does, and the duration
# it reports ends there. (Debian's wrk embeds LuaJIT, whose ffi reaches kill(2).)
WRK_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
int kill(int pid, int sig);
int getpid(void);
]]
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  limit = tonumber(args[1]) or 0
  answered = 0
  not_ok = 0
  signalled = false
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then not_ok = not_ok + 1 end
  if limit > 0 and answered >= limit and not signalled then
    signalled = true
    ffi.C.kill(ffi.C.getpid(), 2)
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("not_ok") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "not_200": %d, "duration_us": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, bad, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Result:
    endpoint: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0
    detail: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# Returns (server CPU s, machine CPU s) so far; drivers call it at both ends of the window
# they measure, so start-up of the client does not count.
Probe = Callable[[], tuple[float, float]]


# --------------------------------------------------------------------------- helpers


def wrk_version() -> str | None:
    path = shutil.which("wrk")
    if path is None:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True)
    words = (out.stdout + out.stderr).split()
    return words[1] if len(words) > 1 else "wrk"


def check_answers(base: str, token: str) -> None:
    """One request each, before measuring: the endpoints answer what they should."""
    import httpx

    health = httpx.get(base + HEALTHZ, timeout=10)
    if health.status_code != 200 or health.json() != {"status": "ok"}:
        raise BenchError(f"/healthz answered {health.status_code}: {health.text[:200]}")
    me = httpx.get(base + ME, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    if me.status_code != 200 or me.json().get("email") != BENCH_EMAIL:
        raise BenchError(f"/api/v1/me answered {me.status_code}: {me.text[:200]}")


# --------------------------------------------------------------------------- drivers


class WrkDriver:
    name = "wrk"

    def __init__(self, work_dir: Path, threads: int) -> None:
        self.script = work_dir / "count.lua"
        self.script.write_text(WRK_SCRIPT)
        self.threads = threads
        self.description = (
            f"wrk {wrk_version()} ({threads} thread(s), keep-alive, Lua script counting "
            "every non-200 answer)"
        )

    def run(
        self,
        url: str,
        headers: dict[str, str],
        clients: int,
        requests: int,
        seconds: float,
        probe: Probe,
    ) -> Result:
        threads = min(self.threads, clients)
        per_thread = -(-requests // threads) if requests else 0
        duration = f"{max(1, round(seconds))}s"
        command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{duration}", "--timeout=10s"]
        command += ["-s", str(self.script)]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command += [url, "--", str(per_thread)]
        before, (server_before, machine_before) = children_cpu(), probe()
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        server_after, machine_after = probe()
        cpu = children_cpu() - before
        line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
        if proc.returncode != 0 or line is None:
            raise BenchError(f"wrk failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        raw = json.loads(line.removeprefix("BENCH_RESULT "))
        socket_errors = {k: raw[k] for k in ("connect", "read", "write", "timeout") if raw[k]}
        detail = (
            {"not_200": raw["not_200"], **socket_errors} if raw["not_200"] or socket_errors else {}
        )
        return Result(
            endpoint=url,
            requests=raw["requests"],
            errors=raw["not_200"] + sum(socket_errors.values()),
            seconds=raw["duration_us"] / 1e6,
            p50_ms=raw["p50_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000,
            client_cpu_s=cpu,
            server_cpu_s=server_after - server_before,
            machine_cpu_s=machine_after - machine_before,
            detail=detail,
        )


def _python_client(
    url: str,
    headers: dict[str, str],
    threads: int,
    quota: int,
    seconds: float,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """One driver process: `threads` keep-alive clients sharing a request quota."""
    import httpx

    lock = threading.Lock()
    budget = [quota]
    latencies: list[float] = []
    failures = [0]
    clients = [httpx.Client(headers=headers, timeout=10) for _ in range(threads)]

    def loop(client: httpx.Client, deadline: float) -> None:
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < deadline:
            with lock:
                if quota and budget[0] <= 0:
                    break
                budget[0] -= 1
            start = time.perf_counter()
            try:
                ok = client.get(url).status_code == 200
            except httpx.HTTPError:
                ok = False
            mine.append(time.perf_counter() - start)
            bad += not ok
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    ready.put(True)
    go.wait()
    started, cpu_started = time.perf_counter(), time.process_time()
    workers = [threading.Thread(target=loop, args=(c, started + seconds)) for c in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    results.put((latencies, failures[0], elapsed, time.process_time() - cpu_started))


class PythonDriver:
    """Fallback when wrk is missing. Several processes, so the GIL of one client process is
    not the limit; it still takes CPU from the server on a small machine (see client CPU)."""

    name = "python-httpx"

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.description = (
            f"Python httpx.Client, keep-alive, {processes} processes sharing the clients as "
            "threads (`apt-get install -y wrk` for a lighter client)"
        )

    def run(
        self,
        url: str,
        headers: dict[str, str],
        clients: int,
        requests: int,
        seconds: float,
        probe: Probe,
    ) -> Result:
        ctx = multiprocessing.get_context("spawn")
        ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        procs_n = min(self.processes, clients)
        procs = []
        for i in range(procs_n):
            threads = clients // procs_n + (i < clients % procs_n)
            quota = -(-requests // procs_n) if requests else 0
            procs.append(
                ctx.Process(
                    target=_python_client,
                    args=(url, headers, threads, quota, seconds, ready, go, results),
                )
            )
        for proc in procs:
            proc.start()
        for _ in procs:
            ready.get(timeout=60)
        server_before, machine_before = probe()
        go.set()
        latencies: list[float] = []
        errors, elapsed, cpu = 0, 0.0, 0.0
        for _ in procs:
            lat, bad, took, used = results.get()
            latencies.extend(lat)
            errors += bad
            elapsed = max(elapsed, took)
            cpu += used
        server_after, machine_after = probe()
        for proc in procs:
            proc.join()
        latencies.sort()
        return Result(
            endpoint=url,
            requests=len(latencies),
            errors=errors,
            seconds=elapsed,
            p50_ms=percentile(latencies, 50) * 1000,
            p99_ms=percentile(latencies, 99) * 1000,
            client_cpu_s=cpu,
            server_cpu_s=server_after - server_before,
            machine_cpu_s=machine_after - machine_before,
            detail={"not_200": errors} if errors else {},
        )


# --------------------------------------------------------------------------- one database


def bench_database(db: str, args: argparse.Namespace, driver: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-requests-{db}-") as tmp:
        data_dir = Path(tmp)
        with database(db, data_dir, "bench_requests") as url:
            env = server_env(data_dir, url)
            run_dissent(["migrate"], env)
            run_dissent(["createuser", BENCH_EMAIL, "--role", "staff"], env)
            token = run_dissent(["token", "create", BENCH_EMAIL], env).split()[-1]
            port = free_port()
            log = data_dir / "server.log"
            with running_server(env, port, args.workers, args.threads, log) as server:
                base = f"http://127.0.0.1:{port}"
                check_answers(base, token)
                auth = {ME: {"Authorization": f"Bearer {token}"}, HEALTHZ: {}}

                def probe() -> tuple[float, float]:
                    return group_cpu(server.pid), machine_cpu()

                for path in ENDPOINTS:  # warm-up: every worker thread opens its connection
                    driver.run(base + path, auth[path], args.clients, 0, args.warmup, probe)
                rounds: dict[str, list[Result]] = {path: [] for path in ENDPOINTS}
                for _ in range(args.rounds):
                    for path in ENDPOINTS:
                        result = driver.run(
                            base + path,
                            auth[path],
                            args.clients,
                            args.requests,
                            args.duration,
                            probe,
                        )
                        result.endpoint = path
                        rounds[path].append(result)
                        print(
                            f"  {db:8} {ENDPOINTS[path]:16} {result.rps:8.0f} req/s "
                            f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms  "
                            f"errors {result.errors}"
                            + (f" {result.detail}" if result.detail else ""),
                            flush=True,
                        )
    return {"db": db, "rounds": rounds}


def median_round(results: list[Result]) -> Result:
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def report(outcome: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A Markdown table (pasted as is into docs/performance.md) and the same figures as data.
    Each endpoint's row is its median round by req/s; requests and errors are all rounds';
    server CPU per request is over all rounds. On a shared machine req/s falls with other
    people's load, while CPU per request moves much less: both ratios are printed."""
    rounds: dict[str, list[Result]] = outcome["rounds"]
    lines = [
        "| endpoint | requests | errors | req/s | p50 ms | p99 ms | server CPU ms/req "
        "| CPU cores server / client / machine | req/s per round |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    summary: dict[str, Any] = {"db": outcome["db"], "endpoints": {}}
    cpu_per_request: dict[str, float] = {}
    for path, results in rounds.items():
        mid = median_round(results)
        total = sum(r.requests for r in results)
        errors = sum(r.errors for r in results)
        cpu_per_request[path] = 1000 * sum(r.server_cpu_s for r in results) / max(total, 1)
        cores = " / ".join(
            f"{cpu / mid.seconds:.2f}"
            for cpu in (mid.server_cpu_s, mid.client_cpu_s, mid.machine_cpu_s)
        )
        spread = " ".join(f"{r.rps:.0f}" for r in results)
        lines.append(
            f"| {ENDPOINTS[path]} | {total} | {errors} | {mid.rps:.0f} | {mid.p50_ms:.1f} "
            f"| {mid.p99_ms:.1f} | {cpu_per_request[path]:.2f} | {cores} | {spread} |"
        )
        summary["endpoints"][path] = {
            "requests": total,
            "errors": errors,
            "rps": mid.rps,
            "p50_ms": mid.p50_ms,
            "p99_ms": mid.p99_ms,
            "server_cpu_ms_per_request": cpu_per_request[path],
            "rounds": [asdict(r) | {"rps": r.rps} for r in results],
        }
    pairs = [me.rps / hz.rps for hz, me in zip(rounds[HEALTHZ], rounds[ME], strict=True) if hz.rps]
    ratio = statistics.median(pairs) if pairs else 0.0
    cpu_ratio = cpu_per_request[HEALTHZ] / cpu_per_request[ME] if cpu_per_request[ME] else 0.0
    summary["ratio_me_healthz"] = ratio
    summary["ratio_rounds"] = pairs
    summary["cpu_ratio_me_healthz"] = cpu_ratio
    lines.append("")
    lines.append(
        f"ratio me/healthz of req/s: **{ratio:.2f}** (median over rounds; per round "
        + " ".join(f"{p:.2f}" for p in pairs)
        + ")"
    )
    lines.append(
        f"ratio me/healthz of server CPU cost, inverted (healthz ms/req ÷ me ms/req): "
        f"**{cpu_ratio:.2f}**"
    )
    return "\n".join(lines), summary


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Requests/s and p50/p99 of /healthz and GET /api/v1/me under concurrent "
        "clients against `dissent serve` on loopback."
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections")
    parser.add_argument(
        "--requests",
        type=int,
        default=20000,
        help="at most this many requests per endpoint and round (0: no limit)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=10,
        help="at most this many seconds per endpoint and round",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds alternating /healthz and /api/v1/me; the median is shown",
    )
    parser.add_argument("--warmup", type=float, default=3, help="seconds per endpoint, unmeasured")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--client-threads", type=int, default=1, help="wrk threads, or Python client processes"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    for name in ("clients", "rounds", "workers", "threads", "client_threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.duration <= 0 or args.warmup <= 0 or args.requests < 0:
        parser.error("--duration and --warmup must be positive, --requests 0 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    has_wrk = shutil.which("wrk") is not None
    if args.driver == "wrk" and not has_wrk:
        print("bench: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    machine = machine_description()
    with tempfile.TemporaryDirectory(prefix="bench-requests-driver-") as driver_dir:
        if args.driver == "wrk" or (args.driver == "auto" and has_wrk):
            driver: Any = WrkDriver(Path(driver_dir), args.client_threads)
        else:
            driver = PythonDriver(max(args.client_threads, 2))
        header = [
            *header_lines("requests benchmark (bench/requests.py)", machine),
            f"server: dissent serve --workers {args.workers} --threads {args.threads} "
            "--no-worker (gunicorn gthread, access log to a file)",
            f"driver: {driver.description}",
            f"load: {args.clients} concurrent clients on loopback; per endpoint and round at "
            f"most {args.requests or 'unlimited'} requests or {args.duration:g} s, after "
            f"{args.warmup:g} s warm-up; {args.rounds} round(s) alternating the endpoints",
        ]
        print("\n".join(header), flush=True)
        outcomes = []
        try:
            for db in dbs:
                outcomes.append(bench_database(db, args, driver))
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("bench: interrupted; server stopped and temporary data removed", file=sys.stderr)
            return 130
    summaries = []
    failed = False
    for outcome in outcomes:
        text, summary = report(outcome)
        summaries.append(summary)
        failed |= any(e["errors"] for e in summary["endpoints"].values())
        print(f"\n== {outcome['db']} ==\n{text}")
    print(f"\nload average at end: {load_average()}")
    if args.json:
        write_json(args.json, machine, args, summaries, driver=driver.name)
    if failed:
        print("bench: some requests failed or did not answer 200", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
