"""What the benchmarks share: a throw-away database (for the server benchmarks,
bench/requests.py and bench/signature_storm.py, or with Django set up in this process, for
bench/review_pages.py and bench/ledger.py), `dissent serve` started and stopped as a
process group, CPU and machine figures.

Not named for what it serves: a module `bench/requests.py` already shadows the PyPI
`requests` package whenever bench/ is on sys.path, so the scripts put the repository root
there instead and import this as `bench._common`.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
HEALTHZ = "/healthz"


class BenchError(Exception):
    """Set-up failed: the message says what to do."""


def stop_on_signals() -> None:
    """Clean up on kill as on Ctrl-C, also when started from a shell that ignores SIGINT."""

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)


# --------------------------------------------------------------------------- the machine


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by the live processes of a process group (the server)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (every process, every core) so far."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK")


def machine_description() -> dict[str, str]:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count()),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def header_lines(title: str, machine: dict[str, str]) -> list[str]:
    """The first lines every benchmark prints: what ran, on what, under which load."""
    return [
        f"Dissent Channel: {title}",
        f"command: {' '.join([Path(sys.executable).name, *sys.argv])}",
        f"machine: {machine['cores']} cores (nproc {machine['nproc']}), {machine['cpu']}, "
        f"Linux {machine['kernel']}, Python {machine['python']}",
        f"load average at start: {load_average()}",
    ]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def write_json(
    path: Path, machine: dict[str, str], args: Any, results: list[Any], **more: Any
) -> None:
    figures = {"machine": machine, **more, "args": {k: str(v) for k, v in vars(args).items()}}
    path.write_text(json.dumps({**figures, "results": results}, indent=2))


# --------------------------------------------------------------------------- databases


@contextlib.contextmanager
def sqlite_database(data_dir: Path) -> Iterator[str]:
    yield f"sqlite:///{data_dir / 'bench.sqlite3'}"


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A database `<prefix>_<pid>` on 127.0.0.1:5432, dropped on the way out."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    admin = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres connect_timeout=5"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise BenchError(
            f"PostgreSQL on {PG_HOST}:{PG_PORT} is not reachable ({exc}). Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
            "or run with --db sqlite."
        ) from None
    try:
        yield f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database(
    db: str, data_dir: Path, postgres_prefix: str
) -> contextlib.AbstractContextManager[str]:
    return sqlite_database(data_dir) if db == "sqlite" else postgres_database(postgres_prefix)


@contextlib.contextmanager
def django_database(db: str, data_dir: Path, postgres_prefix: str, **more: str) -> Iterator[str]:
    """A throw-away database with Django set up on it in this process (a fresh installation's
    settings, as server_env; `more` on top) and migrated. This process's connections are
    closed before the database is dropped."""
    with database(db, data_dir, postgres_prefix) as url:
        env = server_env(data_dir, url, DJANGO_SETTINGS_MODULE="dissent.settings", **more)
        os.environ.clear()
        os.environ.update(env)
        try:
            import django
            from django.core.management import call_command

            django.setup()
            call_command("migrate", interactive=False, verbosity=0)
            yield url
        finally:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()


def server_env(data_dir: Path, database_url: str, **more: str) -> dict[str, str]:
    """This process's environment without any DISSENT_ setting, plus a fresh installation's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISSENT_")}
    env.update(
        DISSENT_SECRET_KEY=secrets.token_urlsafe(50),
        DISSENT_HTTPS="false",
        DISSENT_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        **more,
    )
    return env


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dissent_command() -> list[str]:
    script = Path(sys.executable).parent / "dissent"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dissent.cli"]


def run_dissent(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(
        [*dissent_command(), *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise BenchError(f"dissent {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


@contextlib.contextmanager
def running_server(
    env: dict[str, str], port: int, workers: int, threads: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`dissent serve` in its own process group; the whole group is stopped on the way out."""
    command = [*dissent_command(), "serve", f"--bind=127.0.0.1:{port}", "--no-worker"]
    command += [f"--workers={workers}", f"--threads={threads}"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_healthy(proc, port, log)
        yield proc
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    # gunicorn workers may outlive the parent for a moment; nothing of the group may remain.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and group_alive(proc.pid):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"the server exited with {proc.returncode}:\n{tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}{HEALTHZ}", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"the server did not answer /healthz within 60 s:\n{tail(log)}")


def tail(path: Path, lines: int = 40) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""
