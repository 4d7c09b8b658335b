from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from dissent.accounts.access import user_for_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dct_...` personal tokens."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionWithCSRF(SessionAuth):
    """The browser session; ninja enforces CSRF for it on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None
