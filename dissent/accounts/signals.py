"""allauth signals become events. No workflow lives here."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from allauth.socialaccount.signals import social_account_added
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from dissent.accounts.actions import note_account_event
from dissent.accounts.models import User
from dissent.events.types import EventType


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    method = "sso" if kwargs.get("sociallogin") is not None else "password"
    note_account_event(EventType.LOGIN, user, method=method)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "")
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is not None:  # unknown e-mails are not recorded: they may be someone's typo
        note_account_event(EventType.LOGIN_FAILED, user, method="password")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        note_account_event(EventType.LOGOUT, user)


@receiver(password_changed)
@receiver(password_reset)
def _password(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    note_account_event(EventType.PASSWORD_CHANGED, user)


@receiver(authenticator_added)
def _mfa_added(sender: Any, request: Any, user: User, authenticator: Any, **kwargs: Any) -> None:
    note_account_event(EventType.MFA_ADDED, user, kind=str(authenticator.type))


@receiver(authenticator_removed)
def _mfa_removed(sender: Any, request: Any, user: User, authenticator: Any, **kwargs: Any) -> None:
    note_account_event(EventType.MFA_REMOVED, user, kind=str(authenticator.type))


@receiver(authenticator_reset)
def _mfa_reset(sender: Any, request: Any, user: User, authenticator: Any, **kwargs: Any) -> None:
    note_account_event(EventType.RECOVERY_CODES_RESET, user)


@receiver(social_account_added)
def _sso_linked(sender: Any, request: Any, sociallogin: Any, **kwargs: Any) -> None:
    provider = sociallogin.account.provider
    note_account_event(EventType.SSO_LINKED, sociallogin.user, provider=provider)
