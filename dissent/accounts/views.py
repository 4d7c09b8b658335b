from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dissent.accounts.access import access_token_for
from dissent.accounts.actions import do_create_token, do_revoke_token
from dissent.accounts.models import ApiToken, User
from dissent.lib.errors import DissentError


def _security_page(request: HttpRequest, status: int = 200, **extra: object) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # @login_required on every caller
    tokens = ApiToken.objects.filter(user=user)[:50]
    return render(request, "accounts/security.html", {"tokens": tokens, **extra}, status=status)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        token, secret = do_create_token(user, request.POST.get("name", ""), acting_user=user)
    except DissentError as exc:
        messages.error(request, exc.message)
        return _security_page(request, status=400)
    return _security_page(request, new_token=secret, new_token_name=token.name)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = access_token_for(user, token_id)
    do_revoke_token(token, acting_user=user)
    return redirect("account_security")
