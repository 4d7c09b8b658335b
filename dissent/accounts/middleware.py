"""Accounts whose role demands MFA can reach nothing but MFA set-up until they have it.
allauth offers MFA but does not force it per role; this closes that gap."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from dissent.accounts.mfa import request_has_mfa, role_requires_mfa
from dissent.api.schemas import error_response

_ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/static/",
    "/healthz",
)


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and role_requires_mfa(user)  # type: ignore[arg-type]
            and not request_has_mfa(request)
        ):
            if request.path.startswith("/api/"):
                return error_response(
                    403,
                    "mfa_required",
                    "Your role requires two-factor authentication: "
                    "set it up at /accounts/2fa/ first.",
                )
            messages.warning(
                request,
                "Your role requires two-factor authentication. Set up an authenticator app "
                "or a passkey to continue.",
            )
            return redirect("mfa_index")
        return self.get_response(request)
