"""`dissent messages list|show --as EMAIL`: operators' scripts see exactly what that person
sees through the API, by the same access rules (an outsider is told "no such message")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dissent.accounts.access import user_by_email
from dissent.memos import content as text
from dissent.memos.access import access_memo_for, drafted_by, invitations_for
from dissent.memos.queries import current_version, current_versions, invitation_state

CAPTION = "DISSENT CHANNEL"


class Command(BaseCommand):
    help = "List the messages a person drafts or is invited to, or show one of them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="list|show")
        listing = sub.add_parser("list", help="messages the person drafts or is invited to")
        listing.add_argument("--as", dest="as_email", required=True, metavar="EMAIL")
        show = sub.add_parser("show", help="one message's banner, title, state and text")
        show.add_argument("id")
        show.add_argument("--as", dest="as_email", required=True, metavar="EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_by_email(options["as_email"])
        if options["action"] == "list":
            self._list(user)
        else:
            self._show(access_memo_for(user, options["id"]))

    def _list(self, user: Any) -> None:
        drafted = list(drafted_by(user))
        invitations = list(invitations_for(user))
        versions = current_versions(drafted + [inv.memo for inv in invitations])
        rows = [(m, "drafter", "") for m in drafted]
        rows += [(i.memo, "invitee", invitation_state(i, i.memo)) for i in invitations]
        rows.sort(key=lambda row: row[0].updated_at, reverse=True)
        for memo, role, status in rows:
            version = versions[memo.id]
            role_text = f"{role} ({status})" if status else role
            self.stdout.write(
                f"{memo.id}  {memo.state:9}  v{version.number}  {role_text}  "
                f"[{version.banner or 'UNMARKED'}]  {text.read(version).title}"
            )

    def _show(self, access: Any) -> None:
        memo = access.memo
        version = current_version(memo)
        content = text.read(version)
        banner = version.banner or "UNMARKED"
        state = memo.get_state_display()
        if memo.submitted_at:
            state += f" on {memo.submitted_at:%Y-%m-%d %H:%M} UTC"
        lines = [
            banner,
            "",
            CAPTION,
            "",
            content.title,
            "",
            f"State: {state}",
            f"Version: {version.number}  SHA-256 {version.content_hash}",
        ]
        for heading, value in (
            ("Summary", content.summary),
            ("Body", content.body),
            ("Recommendations", content.recommendations),
        ):
            if value:
                lines += ["", heading.upper(), value]
        lines += ["", banner]
        self.stdout.write("\n".join(lines))
