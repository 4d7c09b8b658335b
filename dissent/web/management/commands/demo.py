from __future__ import annotations

import os
import secrets
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.accounts.demo import seed_personas
from dissent.memos.demo import seed_messages
from dissent.review.demo import seed_cases
from dissent.web.management.commands.serve import default_threads, run_server


class Command(BaseCommand):
    help = "Set up a local demo: migrate, seed personas, serve on http://localhost:PORT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="seed and print, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError(f"--port {port} is not a TCP port (1-65535)", returncode=2)
        if not os.environ.get("DISSENT_BASE_URL"):
            # Links in e-mail notices point at the port served here; the server and the task
            # worker started below read it from the environment.
            os.environ["DISSENT_BASE_URL"] = settings.BASE_URL = f"http://localhost:{port}"
        call_command("migrate", interactive=False, verbosity=0)
        password = "demo-" + secrets.token_urlsafe(9)
        personas = seed_personas(password)
        messages = seed_messages()
        cases = seed_cases()
        out = self.stdout
        out.write(f"Dissent Channel demo ({settings.DATABASES['default']['NAME']})")
        out.write(f"Open http://localhost:{port}/ and sign in with any of these accounts.")
        out.write(f"Password for every account: {password}")
        for persona in personas:
            line = f"  {persona.email:<20} {persona.role:<15}"
            if persona.totp_secret:
                line += f" TOTP secret {persona.totp_secret}"
            out.write(line)
        out.write(
            f"Demo messages added: {len(messages)} (alice drafts three, bob one; "
            "existing ones are kept)"
        )
        out.write(
            f"Demo review cases added: {len(cases)} (one in each state after submission; "
            "sam receives distributed messages as Secretary)"
        )
        out.write(
            "Accounts with a TOTP secret need a code: add the secret to an authenticator"
            " app, or run `oathtool --totp -b SECRET`."
        )
        if options["no_serve"]:
            return
        threads = int(default_threads())  # as `dissent serve` on this database
        status = run_server(f"127.0.0.1:{port}", workers=2, threads=threads, with_worker=True)
        if status:
            # The server's own status, as `dissent serve` exits: not the CLI's 2 for bad input.
            sys.exit(status)
