"""Named errors raised behind an HTML page become a page with the right status and the
error's own message — never a traceback, never a hint that a hidden thing exists."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dissent.lib.errors import DissentError, NotFound

_TITLES = {400: "Please correct this", 403: "Not allowed", 404: "Not found", 409: "Not now"}


class DissentErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DissentError):
            return None
        message = "There is nothing at this address." if isinstance(exc, NotFound) else exc.message
        return render(
            request,
            "web/error.html",
            {"title": _TITLES.get(exc.status, "Error"), "message": message},
            status=exc.status,
        )
