from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def run_server(bind: str, workers: int, threads: int, with_worker: bool) -> int:
    """gunicorn plus one task worker; when either stops, stop the other."""
    call_command("collectstatic", interactive=False, verbosity=0)
    procs: list[subprocess.Popen[bytes]] = []
    if with_worker:
        procs.append(subprocess.Popen([sys.executable, "-m", "dissent.cli", "worker"]))
    gunicorn = [sys.executable, "-m", "gunicorn", "dissent.wsgi:application", "--bind", bind]
    gunicorn += ["--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread"]
    gunicorn += ["--access-logfile", "-", "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms']
    gunicorn += ["--graceful-timeout", "10"]
    procs.append(subprocess.Popen(gunicorn))  # noqa: S603 - our own interpreter and module

    def stop(signum: int, frame: Any) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
    finally:
        stop(signal.SIGTERM, None)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return max((proc.returncode or 0) for proc in procs)


def default_threads() -> str:
    """One thread per worker on SQLite: it admits one writer at a time, and a thread holding
    the write lock then competes with its process's other threads for Python's GIL, which
    stretches every transaction (docs/performance.md, "Signature storm"); worker processes
    give the parallelism. PostgreSQL: 4, to overlap the round trips to the server."""
    return "1" if "sqlite" in str(settings.DATABASES["default"]["ENGINE"]) else "4"


class Command(BaseCommand):
    help = "Run the web server (gunicorn, gthread workers) and a background task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("DISSENT_BIND", "127.0.0.1:8000"))
        # String defaults: argparse converts them with `type`, so a bad DISSENT_WEB_* value is
        # refused like a bad option (one line, exit 2), not with a traceback.
        workers = os.environ.get("DISSENT_WEB_WORKERS", str(max(2, (os.cpu_count() or 1) * 2)))
        parser.add_argument("--workers", type=int, default=workers)
        parser.add_argument(
            "--threads", type=int, default=os.environ.get("DISSENT_WEB_THREADS", default_threads())
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        status = run_server(
            options["bind"], options["workers"], options["threads"], not options["no_worker"]
        )
        if status:
            sys.exit(status)
