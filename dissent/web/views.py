from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dissent.accounts.eligibility import filing_refusal
from dissent.accounts.mfa import request_has_mfa
from dissent.api.schemas import error_response


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers ok only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "reason": f"database unavailable: {type(exc).__name__}"},
            status=503,
        )
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "filing_refusal": filing_refusal(request.user),  # type: ignore[arg-type]
            "has_mfa": request_has_mfa(request),
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # An unknown API path answers in the API's envelope, not with an HTML page.
        return error_response(404, "not_found", "Not found.")
    return render(
        request,
        "web/error.html",
        {"title": "Not found", "message": "There is nothing at this address."},
        status=404,
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "Not allowed", "message": str(exception or "You may not do this.")},
        status=403,
    )
