"""The fixed wording of every notice. Nothing a user wrote can reach an e-mail: a notice is
chosen by kind, and its only variable part is a link into this site."""

from __future__ import annotations

import enum

from django.conf import settings


class Notice(enum.StrEnum):
    MESSAGE_UPDATE = "message_update"  # to drafters: acknowledged, redirected, replied ...
    REPORT_FILED = "report_filed"  # to the office head and auditors: a reprisal report
    DISTRIBUTED = "distributed"  # to principals: a message is on their reading list


SUBJECTS: dict[Notice, str] = {
    Notice.MESSAGE_UPDATE: "Dissent Channel: your message has an update",
    Notice.REPORT_FILED: "Dissent Channel: a report needs your attention",
    Notice.DISTRIBUTED: "Dissent Channel: a message has been distributed to you",
}
BODIES: dict[Notice, str] = {
    Notice.MESSAGE_UPDATE: (
        "A message you drafted in the Dissent Channel has an update.\n\nSign in to see it: {link}\n"
    ),
    Notice.REPORT_FILED: (
        "A report of reprisal or unauthorized disclosure has been filed in the Dissent "
        "Channel.\n\nSign in to read it: {link}\n"
    ),
    Notice.DISTRIBUTED: (
        "A dissent message has been distributed to you.\n\n"
        "Sign in to read it on your reading list: {link}\n"
    ),
}
FOOTER = "\nThis notice never contains message content.\n"


def link(path: str) -> str:
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError("a notice links to a path on this site")
    return f"{settings.BASE_URL}{path}"


def render(kind: Notice, path: str) -> tuple[str, str]:
    """(subject, body) of a notice."""
    return SUBJECTS[kind], BODIES[kind].format(link=link(path)) + FOOTER
