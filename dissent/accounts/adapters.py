"""allauth adapters: no self sign-up; SSO may create staff accounts when configured."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from dissent.accounts.actions import note_account_event
from dissent.events.types import EventType


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts come from administrators (`dissent createuser`, the admin) or from SSO.
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Only with an address the IdP vouches for. Otherwise allauth would show a sign-up
        # form where the person types any address, a colleague's included; the colleague's
        # own SSO sign-in would later be linked by that address to the impostor's account.
        return bool(settings.OIDC_CREATE_USERS) and any(
            address.verified for address in sociallogin.email_addresses
        )

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        user.display_name = (data.get("name") or name or "")[:150]
        user.email = (user.email or "").lower()
        return user

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            note_account_event(EventType.USER_CREATED, user, role=user.role, via="sso")
        return user
