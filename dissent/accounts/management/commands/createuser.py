from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dissent.accounts.actions import do_create_user
from dissent.accounts.roles import Employment, Role


class Command(BaseCommand):
    help = "Create an account with a role. Without a password it signs in through SSO only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--employment", default=Employment.EMPLOYEE, choices=Employment.values)
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input (never from the command line)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else None
        user = do_create_user(
            options["email"],
            acting_user=None,
            role=options["role"],
            employment=options["employment"],
            display_name=options["name"],
            password=password,
            via="cli",
        )
        self.stdout.write(f"created {user.email} with role {user.role} (id {user.id})")
