from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def run_server(bind: str, workers: int, threads: int, with_worker: bool) -> int:
    """gunicorn plus one task worker; when either stops, stop the other."""
    call_command("collectstatic", interactive=False, verbosity=0)
    procs: list[subprocess.Popen[bytes]] = []
    if with_worker:
        procs.append(subprocess.Popen([sys.executable, "-m", "dissent.cli", "worker"]))
    procs.append(
        subprocess.Popen(  # noqa: S603 - fixed argv: our own interpreter and module
            [
                sys.executable, "-m", "gunicorn", "dissent.wsgi:application",
                "--bind", bind, "--workers", str(workers), "--threads", str(threads),
                "--worker-class", "gthread", "--access-logfile", "-",
                "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
                "--graceful-timeout", "10",
            ]
        )
    )

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


class Command(BaseCommand):
    help = "Run the web server (gunicorn, gthread workers) and a background task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("DISSENT_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get(
            "DISSENT_WEB_WORKERS", str(max(2, (os.cpu_count() or 1) * 2)))))
        parser.add_argument("--threads", type=int,
                            default=int(os.environ.get("DISSENT_WEB_THREADS", "4")))
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        status = run_server(options["bind"], options["workers"], options["threads"],
                            not options["no_worker"])
        if status:
            sys.exit(status)
