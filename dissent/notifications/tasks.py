"""Sending notices as background tasks (django-tasks), enqueued when the action commits."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django_tasks import task

from dissent.accounts.models import User
from dissent.notifications.notices import Notice, render


@task()
def send_notice(kind: str, user_ids: list[str], path: str) -> int:
    """One e-mail per active recipient (no one sees who else got it); returns how many."""
    subject, body = render(Notice(kind), path)
    emails = [
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        for email in User.objects.filter(id__in=user_ids, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    ]
    if not emails:
        return 0
    return get_connection().send_messages(emails) or 0


def notify_on_commit(kind: Notice, users: Iterable[object], path: str) -> None:
    """Enqueue a notice once the current transaction commits, so a rolled-back action never
    sends one and a worker never looks for rows that are not committed yet."""
    ids = sorted({str(user) for user in users})
    if ids:
        render(kind, path)  # refuse a bad path now, inside the action, not later in a worker
        transaction.on_commit(lambda: send_notice.enqueue(str(kind), ids, path))
