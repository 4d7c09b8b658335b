"""Whether an account's role demands MFA and whether it has it."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest

from dissent.accounts.models import User

_STRONG = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def role_requires_mfa(user: User) -> bool:
    return user.role in settings.MFA_REQUIRED_ROLES


def has_mfa(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=_STRONG).exists()


def mfa_missing(user: User) -> bool:
    """True when the account may do nothing but set up MFA."""
    return role_requires_mfa(user) and not has_mfa(user)


def request_has_mfa(request: HttpRequest) -> bool:
    """has_mfa for the signed-in user, asked at most once per request: RequireMFAMiddleware
    asks on every request of an MFA role, and the page or API answer may show it again.
    Keyed by the user, since token authentication may put another user on the request."""
    user: User = request.user  # type: ignore[assignment]
    cached: tuple[object, bool] | None = getattr(request, "_dissent_has_mfa", None)
    if cached is None or cached[0] != user.pk:
        cached = (user.pk, has_mfa(user))
        request._dissent_has_mfa = cached  # type: ignore[attr-defined]
    return cached[1]
