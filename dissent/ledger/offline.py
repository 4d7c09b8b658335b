"""The `dissent ledger` subcommands that need no database and no Django settings:
verify-receipt (a drafter at home), witness (another office) and keygen. dissent.cli runs
them before Django is set up, so they work without DATABASE_URL or DISSENT_SECRET_KEY; the
management command `ledger` offers the same subcommands through the same functions.

Exit status: 0 done, 1 refused or failed (one line naming what), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from dissent.crypto.signing import COSIGNATURE_V1, ED25519, generate_signer_key, is_valid_key_name
from dissent.ledger import receipt_check, witness


class UsageError(ValueError):
    pass


def add_keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        help="the key's name: the log's origin (e.g. dissent.example.org/dissent-log) "
        "or the witness's name (e.g. witness.example.org/w1)",
    )
    parser.add_argument(
        "--witness",
        action="store_true",
        help="a witness key (cosignature/v1, type 0x04) instead of a log signing key",
    )


def keygen(options: argparse.Namespace) -> str:
    if not is_valid_key_name(options.name):
        raise UsageError(f"key name {options.name!r} must not be empty or contain spaces or '+'")
    key = generate_signer_key(options.name, COSIGNATURE_V1 if options.witness else ED25519)
    return f"{key.encode()}\n{key.verifier.encode()}"


KEYGEN_HELP = (
    "Prints a new signer key (first line, secret) and its verifier key (second line, public)."
)


def _run_keygen(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="dissent ledger keygen", description=KEYGEN_HELP)
    add_keygen_arguments(parser)
    options = _parse(parser, argv)
    if options is None:
        return 2
    try:
        print(keygen(options))
    except UsageError as exc:
        return _fail("keygen", str(exc), 2)
    sys.stderr.write(
        "dissent: keep the first line secret (DISSENT_LEDGER_SIGNING_KEY_FILE for a log, "
        "--key FILE for a witness); publish the second.\n"
    )
    return 0


def _run_witness(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="dissent ledger witness",
        description="Cosign the log's latest checkpoint if it extends what this witness saw.",
    )
    witness.add_arguments(parser)
    options = _parse(parser, argv)
    if options is None:
        return 2
    try:
        print(witness.run(options))
    except witness.WitnessRefusal as exc:
        return _fail("witness", f"REFUSED: {exc}", 1)
    except witness.WitnessError as exc:
        return _fail("witness", str(exc), 1)
    return 0


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace | None:
    try:
        return parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse printed help (0) or usage (2)
        if exc.code in (0, None):
            raise
        return None


def _fail(command: str, message: str, status: int) -> int:
    message = " ".join(part.strip() for part in message.splitlines() if part.strip())
    sys.stderr.write(f"dissent: {command}: {message}\n")
    return status


def event_type_names() -> dict[int, str]:
    """Names for the event numbers in leaves. The enum's module needs Django installed, not
    configured; receipt_check itself stays free of Django."""
    from dissent.events.types import EventType

    return {int(t.value): str(t.label) for t in EventType}


def _run_verify_receipt(argv: Sequence[str]) -> int:
    return receipt_check.main(argv, event_type_names())


OFFLINE: dict[str, Callable[[Sequence[str]], int]] = {
    "verify-receipt": _run_verify_receipt,
    "witness": _run_witness,
    "keygen": _run_keygen,
}


def main(subcommand: str, argv: Sequence[str]) -> int:
    return OFFLINE[subcommand](argv)
