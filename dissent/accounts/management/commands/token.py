from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dissent.accounts.access import parse_uuid, user_by_email
from dissent.accounts.actions import do_create_token, do_revoke_token
from dissent.accounts.models import ApiToken
from dissent.accounts.tokens import looks_like_token, token_digest


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="create|revoke|list")
        create = sub.add_parser("create", help="create a token; the token is the last word")
        create.add_argument("email")
        create.add_argument("--name", default="command line")
        create.add_argument("--days", type=int, default=None)
        revoke = sub.add_parser("revoke", help="revoke a token, given the token or its id")
        revoke.add_argument("token")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = user_by_email(options["email"])
            token, secret = do_create_token(
                user, options["name"], acting_user=None, days=options["days"]
            )
            self.stdout.write(
                f"token {token.id} for {user.email}, expires {token.expires_at:%Y-%m-%d}. "
                f"It is shown once: {secret}"
            )
        elif action == "revoke":
            value = options["token"].strip()
            if looks_like_token(value):
                row = ApiToken.objects.filter(digest=token_digest(value)).first()
            else:
                row = ApiToken.objects.filter(id=parse_uuid(value, "token")).first()
            if row is None:
                raise CommandError("no such token", returncode=2)
            do_revoke_token(row, acting_user=None)
            self.stdout.write(f"revoked token {row.id}")
        else:
            user = user_by_email(options["email"])
            for row in ApiToken.objects.filter(user=user):
                state = "revoked" if row.revoked_at else f"expires {row.expires_at:%Y-%m-%d}"
                self.stdout.write(f"{row.id}  {row.prefix}…  {row.name}  {state}")
