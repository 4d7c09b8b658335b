"""The single chokepoint for reaching accounts and tokens. Someone who may not know a thing
exists gets NotFound, exactly as for an id that never existed."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from dissent.accounts.mfa import mfa_missing
from dissent.accounts.models import ApiToken, User
from dissent.accounts.roles import Role
from dissent.accounts.tokens import looks_like_token, token_digest
from dissent.backends.rows import Columns, cursor, database, fetch_one, lone_write, param, quote
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
    connection = database()
    # Written out (dissent/backends/rows.py): this runs on every API request, and the ORM
    # spent more time building the query than the database spent answering it.
    row = fetch_one(
        connection,
        _TOKEN_SQL,
        [
            param(ApiToken, "digest", token_digest(token), connection),
            param(ApiToken, "expires_at", now, connection),
        ],
    )
    if row is None:
        return None
    token_id, last_used_at = _TOKEN_COLUMNS.values(row, connection)
    user = _USER_COLUMNS.build(row, connection, start=_TOKEN_COLUMNS.width)
    if not user.is_active:
        return None
    if mfa_missing(user):
        raise MFARequired("this account's role requires MFA: set it up in the web interface")
    if last_used_at is None or now - last_used_at > _TOUCH_EVERY:
        # One statement on its own (inside the caller's transaction if there is one); on
        # SQLite it queues with the other writers instead of polling for the lock.
        with lone_write(connection), cursor(connection) as cursor_:
            cursor_.execute(
                _TOUCH_SQL,
                [
                    param(ApiToken, "last_used_at", now, connection),
                    param(ApiToken, "id", token_id, connection),
                ],
            )
    return user


_TOKEN_COLUMNS = Columns(ApiToken, "t", ["id", "last_used_at"])
_USER_COLUMNS = Columns(User, "u")
_TOKEN_SQL = (
    f"SELECT {_TOKEN_COLUMNS.sql()}, {_USER_COLUMNS.sql()}"  # noqa: S608 - names only
    f" FROM {quote(ApiToken._meta.db_table)} t"
    f" JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = t.{quote('user_id')}"
    f" WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL"
    f" AND t.{quote('expires_at')} > %s"
)
_TOUCH_SQL = (
    f"UPDATE {quote(ApiToken._meta.db_table)} SET {quote('last_used_at')} = %s"  # noqa: S608
    f" WHERE {quote('id')} = %s"
)


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
