from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dissent.accounts.roles import Role


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {
        "organization_name": settings.ORGANIZATION_NAME,
        # django-htmx's {% htmx_script %} looks for this name.
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "is_admin": role == Role.ADMIN,
        "oidc_enabled": settings.OIDC_ENABLED,
    }
