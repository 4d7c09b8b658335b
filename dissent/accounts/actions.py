"""Every change to accounts, roles and tokens. Each records its event in its transaction."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from dissent.accounts.models import ApiToken, User
from dissent.accounts.roles import Employment, Role
from dissent.accounts.tokens import new_token, token_digest
from dissent.events.record import record_event
from dissent.events.types import EventType
from dissent.lib.errors import Conflict, InvalidInput, TransitionError


def _clean_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not an e-mail address", field="email") from None
    return email


def _clean_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(Role.values)
        raise InvalidInput(f"unknown role {role!r}: use one of {choices}", field="role") from None


def _clean_employment(employment: str) -> Employment:
    try:
        return Employment(employment)
    except ValueError:
        choices = ", ".join(Employment.values)
        raise InvalidInput(
            f"unknown employment {employment!r}: use one of {choices}", field="employment"
        ) from None


@transaction.atomic
def do_create_user(
    email: str,
    *,
    acting_user: User | None,
    role: str = Role.STAFF,
    employment: str = Employment.EMPLOYEE,
    display_name: str = "",
    password: str | None = None,
    via: str = "admin",
) -> User:
    email = _clean_email(email)
    clean_role = _clean_role(role)
    clean_employment = _clean_employment(employment)
    if len(display_name) > 150:
        raise InvalidInput("display name is longer than 150 characters", field="display_name")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(f"a user with e-mail {email} already exists", field="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                role=clean_role,
                employment=clean_employment,
                display_name=display_name.strip(),
                is_staff=clean_role == Role.ADMIN,
            )
    except IntegrityError:
        raise Conflict(f"a user with e-mail {email} already exists", field="email") from None
    # An administrator vouches for the address: single sign-on may then link to this
    # account without treating it as an unverified (possibly hostile) one.
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    record_event(
        EventType.USER_CREATED,
        actor=acting_user,
        subject_id=user.id,
        payload={"role": clean_role.value, "via": via},
    )
    return user


@transaction.atomic
def do_change_role(user: User, role: str, *, acting_user: User | None, via: str = "admin") -> User:
    new = _clean_role(role)
    old = user.role
    if old == new:
        return user
    # Conditional update: of two concurrent changes from the same old role, one wins.
    changed = User.objects.filter(id=user.id, role=old).update(
        role=new, is_staff=new == Role.ADMIN, is_superuser=False
    )
    if changed != 1:
        raise TransitionError("the role was changed by someone else meanwhile; reload")
    record_event(
        EventType.ROLE_CHANGED,
        actor=acting_user,
        subject_id=user.id,
        payload={"old": old, "new": new.value, "via": via},
    )
    user.refresh_from_db()
    return user


@transaction.atomic
def do_change_employment(
    user: User, employment: str, *, acting_user: User | None, via: str = "admin"
) -> User:
    new = _clean_employment(employment)
    old = user.employment
    if old == new:
        return user
    if User.objects.filter(id=user.id, employment=old).update(employment=new) != 1:
        raise TransitionError("the employment category was changed meanwhile; reload")
    record_event(
        EventType.ELIGIBILITY_CHANGED,
        actor=acting_user,
        subject_id=user.id,
        payload={"old": old, "new": new.value, "via": via},
    )
    user.refresh_from_db()
    return user


@transaction.atomic
def do_deactivate_user(user: User, *, acting_user: User | None, via: str = "admin") -> None:
    if User.objects.filter(id=user.id, is_active=True).update(is_active=False) != 1:
        raise TransitionError("this account is already deactivated")
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(
        EventType.USER_DEACTIVATED, actor=acting_user, subject_id=user.id, payload={"via": via}
    )


@transaction.atomic
def do_create_token(
    user: User, name: str, *, acting_user: User | None, days: int | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is not stored and cannot be shown
    again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("give the token a name of 1 to 100 characters", field="name")
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3650:
        raise InvalidInput("a token lives 1 to 3650 days", field="days")
    secret = new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],
        digest=token_digest(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    record_event(
        EventType.TOKEN_CREATED,
        actor=acting_user,
        subject_id=user.id,
        payload={"token": str(token.id), "expires": token.expires_at.date().isoformat()},
    )
    return token, secret


@transaction.atomic
def do_revoke_token(token: ApiToken, *, acting_user: User | None) -> None:
    revoked = ApiToken.objects.filter(id=token.id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked != 1:
        raise TransitionError("this token is already revoked")
    record_event(
        EventType.TOKEN_REVOKED,
        actor=acting_user,
        subject_id=token.user_id,
        payload={"token": str(token.id)},
    )


@transaction.atomic
def do_enable_totp(user: User, secret: str, *, acting_user: User | None) -> None:
    """Give an account an authenticator-app secret (demo seeding and operator set-up)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        raise TransitionError(f"{user.email} already has an authenticator app")
    TOTP.activate(user, secret)
    record_event(
        EventType.MFA_ADDED, actor=acting_user, subject_id=user.id, payload={"kind": "totp"}
    )


@transaction.atomic
def note_account_event(
    type: EventType, user: User | None, **payload: str | int | bool | None
) -> None:
    """Sign-in, sign-out, password and MFA changes happen inside allauth; its signals land
    here so they are recorded like every other event."""
    record_event(type, actor=user, subject_id=user.id if user else "", payload=payload)
