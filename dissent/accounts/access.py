"""The single chokepoint for reaching accounts and tokens. Someone who may not know a thing
exists gets NotFound, exactly as for an id that never existed."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dissent.accounts.mfa import mfa_missing
from dissent.accounts.models import ApiToken, User
from dissent.accounts.roles import Role
from dissent.accounts.tokens import looks_like_token, token_digest
from dissent.lib.errors import Forbidden, InvalidInput, NotFound

_TOUCH_EVERY = timedelta(minutes=5)


class MFARequired(Forbidden):
    code = "mfa_required"


def parse_uuid(value: object, what: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"no such {what}") from None


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None for any bad or expired token."""
    if not looks_like_token(token):
        return None
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    if mfa_missing(row.user):
        raise MFARequired("this account's role requires MFA: set it up in the web interface")
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        # A transaction of its own, so that on SQLite it queues with the other writers
        # (dissent/backends/sqlite) instead of polling for the lock.
        with transaction.atomic():
            ApiToken.objects.filter(id=row.id).update(last_used_at=now)
    return row.user


def access_token_for(user: User, token_id: object) -> ApiToken:
    try:
        return ApiToken.objects.get(id=parse_uuid(token_id, "token"), user=user)
    except ApiToken.DoesNotExist:
        raise NotFound("no such token") from None


def access_user_for(acting_user: User, user_id: object) -> User:
    """Only administrators manage accounts; to anyone else other accounts are not there."""
    if acting_user.role != Role.ADMIN:
        raise NotFound("no such user")
    try:
        return User.objects.get(id=parse_uuid(user_id, "user"))
    except User.DoesNotExist:
        raise NotFound("no such user") from None


def user_by_email(email: str) -> User:
    """For operators' command-line scripts, which name people by e-mail."""
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput(f"{email!r} is not an e-mail address")
    try:
        return User.objects.get(email__iexact=email, is_active=True)
    except User.DoesNotExist:
        raise NotFound(f"no active user with e-mail {email}") from None
