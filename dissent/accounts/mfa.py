"""Whether an account's role demands MFA and whether it has it."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings

from dissent.accounts.models import User

_STRONG = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def role_requires_mfa(user: User) -> bool:
    return user.role in settings.MFA_REQUIRED_ROLES


def has_mfa(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=_STRONG).exists()


def mfa_missing(user: User) -> bool:
    """True when the account may do nothing but set up MFA."""
    return role_requires_mfa(user) and not has_mfa(user)
