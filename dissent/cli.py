"""The `dissent` command. Each subcommand is a Django management command of the same name;
this wrapper gives them one-line errors with exit status 2 instead of tracebacks."""

from __future__ import annotations

import os
import sys

COMMANDS: dict[str, str] = {
    "demo": "set up a local demo (SQLite), seed personas, serve on http://localhost:8000",
    "serve": "run the web server (gunicorn) and a task worker",
    "worker": "run a background task worker",
    "migrate": "create or update the database tables",
    "createuser": "create an account: dissent createuser EMAIL --role ROLE",
    "token": "personal API tokens: dissent token create|revoke|list ...",
    "messages": "dissent messages list|show [ID] --as EMAIL: what that person may see",
    "check": "check settings, database connection and migrations",
    "ledger": "the tamper-evident log: verify, checkpoint, witness, keygen, verify-receipt",
}
# Management commands with another name behind the CLI name.
_ALIASES = {"worker": "db_worker"}
# `dissent ledger` subcommands run before (and without) Django setup: dissent.ledger.offline.
_OFFLINE_LEDGER = frozenset({"verify-receipt", "witness", "keygen"})


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: dissent COMMAND [options]   (dissent COMMAND --help for details)", ""]
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    return "\n".join(lines)


def _fail(message: str, status: int = 2) -> int:
    # One line, always: some messages (database drivers') span several.
    message = " ".join(part.strip() for part in message.splitlines() if part.strip())
    sys.stderr.write(f"dissent: {message}\n")
    return status


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        return _fail(f"unknown command {name!r}; run 'dissent --help' for the list")
    if name == "ledger" and rest[:1] and rest[0] in _OFFLINE_LEDGER:
        # No Django, no database, no secret key: a drafter verifying a receipt at home, or
        # another office running its witness, has none of them.
        from dissent.ledger.offline import main as offline_main

        return offline_main(rest[0], rest[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dissent.settings")
    if name == "demo":
        os.environ["DISSENT_DEMO"] = "true"
    return _run(name, rest)


def _run(name: str, rest: list[str]) -> int:
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import CommandError, get_commands, load_command_class
    from django.db import DatabaseError

    from dissent.lib.errors import DissentError

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        return _fail(f"configuration: {exc}")
    command_name = _ALIASES.get(name, name)
    command = load_command_class(get_commands()[command_name], command_name)
    # Not "called from the command line": the parser raises CommandError, caught below,
    # instead of printing usage and exiting on its own.
    command._called_from_command_line = False  # type: ignore[attr-defined]
    parser = command.create_parser("dissent", name)
    try:
        options = parser.parse_args(rest)
    except CommandError as exc:
        return _fail(f"{name}: {str(exc).removeprefix('Error: ')}")
    cmd_options = vars(options)
    positional = cmd_options.pop("args", ())
    try:
        command.execute(*positional, **cmd_options)
    except CommandError as exc:
        return _fail(f"{name}: {exc}", exc.returncode if exc.returncode != 1 else 2)
    except DissentError as exc:
        return _fail(f"{name}: {exc.message}")
    except ImproperlyConfigured as exc:
        return _fail(f"configuration: {exc}")
    except DatabaseError as exc:
        return _fail(f"{name}: database error: {exc} (`dissent check` says more)", 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`dissent messages list ... | head -1`): stop quietly, as other
        # command-line tools do, and keep Python from complaining again as it flushes stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE: what a shell reports for a tool its pipe stopped
    except Exception as exc:  # a bug, not bad input: say so in one line, no traceback
        if cmd_options.get("traceback"):
            raise
        return _fail(f"{name} failed: {type(exc).__name__}: {exc} (rerun with --traceback)", 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
