"""`dissent ledger ...`: the tamper-evident log from the command line.

verify   audit the whole log (dissent.ledger.audit); exit 0 and a one-line summary, or exit 1
         naming the first bad index. Progress goes to stderr on large logs.
checkpoint       sign a checkpoint of the log now (dissent.ledger.checkpoints), e.g. from cron.
witness, keygen, verify-receipt
         need no database: `dissent` runs them before Django is set up (dissent.ledger.offline);
         here they are thin wrappers around the same functions.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.crypto.signing import KeyFormatError, parse_verifier_key
from dissent.ledger import audit, offline, receipt_check, witness
from dissent.ledger.checkpoints import make_checkpoint


class Command(BaseCommand):
    help = "The tamper-evident log: verify it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="verify|checkpoint|witness|keygen|verify-receipt"
        )
        verify = sub.add_parser(
            "verify",
            help="recompute every leaf, node and checkpoint root; exit 1 at the first bad index",
        )
        shown = verify.add_mutually_exclusive_group()
        shown.add_argument(
            "--progress",
            dest="progress",
            action="store_const",
            const=True,
            default=None,
            help="always report progress on stderr (default: for logs of 100,000+ entries)",
        )
        shown.add_argument("--no-progress", dest="progress", action="store_const", const=False)
        verify.add_argument(
            "--events",
            action="store_true",
            help="also check that every leaf is what its event row encodes to now (slower)",
        )
        verify.add_argument(
            "--by", default="", help="who runs it, for the record (default: the OS user)"
        )
        verify.add_argument(
            "--log-key",
            default="",
            help="the log's public key (<name>+<id>+<key>) to check checkpoint signatures "
            "with (default: the configured key)",
        )
        sub.add_parser("checkpoint", help="sign a checkpoint of the log at its current size")
        witness.add_arguments(
            sub.add_parser("witness", help="cosign the log's checkpoint if it is consistent")
        )
        offline.add_keygen_arguments(sub.add_parser("keygen", help=offline.KEYGEN_HELP))
        receipt_check.add_arguments(
            sub.add_parser("verify-receipt", help="verify a .tlog-proof receipt offline")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            self._verify(options)
        elif action == "checkpoint":
            checkpoint = make_checkpoint()
            self.stdout.write(f"checkpoint at {checkpoint.size} entries\n{checkpoint.note}")
        elif action == "keygen":
            try:
                self.stdout.write(offline.keygen(_namespace(options)))
            except offline.UsageError as exc:
                raise CommandError(str(exc)) from None
        elif action == "witness":
            self._refusable("witness", lambda: witness.run(_namespace(options)))
        elif action == "verify-receipt":
            self._refusable(
                "verify-receipt",
                lambda: "\n".join(
                    receipt_check.run(_namespace(options), offline.event_type_names())
                ),
            )

    def _refusable(self, name: str, run: Any) -> None:
        try:
            self.stdout.write(run())
        except (witness.WitnessRefusal, witness.WitnessError, receipt_check.ReceiptError) as exc:
            self.stderr.write(f"dissent: {name}: {exc}")
            sys.exit(1)

    def _verify(self, options: dict[str, Any]) -> None:
        show = options["progress"]
        err = self.stderr

        def progress(done: int, total: int) -> None:
            if show or (show is None and total >= audit.PROGRESS_MAX_ENTRIES):
                percent = 100 * done // total if total else 100
                err.write(f"verified {done:,} of {total:,} entries ({percent}%)")

        log_key = None
        if options["log_key"]:
            try:
                log_key = parse_verifier_key(options["log_key"].strip())
            except KeyFormatError as exc:
                raise CommandError(
                    f"--log-key is not a verifier key: {exc}", returncode=2
                ) from None
        report = audit.verify(
            by=options["by"] or f"cli:{_os_user()}",
            log_key=log_key,
            progress=progress,
            events=options["events"],
        )
        if report.ok:
            self.stdout.write(report.summary())
            return
        self.stderr.write(f"dissent: ledger verify: {report.summary()}")
        # Exit status 1: the log is bad (2 is kept for usage errors, as in every command).
        sys.exit(1)


def _namespace(options: dict[str, Any]) -> argparse.Namespace:
    return argparse.Namespace(**options)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
