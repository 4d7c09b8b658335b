"""Named errors raised behind an HTML page become a page with the right status and the
error's own message — never a traceback, never a hint that a hidden thing exists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from dissent.lib.characters import check_parsed
from dissent.lib.errors import DissentError, InvalidInput, NotFound

_TITLES = {400: "Please correct this", 403: "Not allowed", 404: "Not found", 409: "Not now"}


class DissentErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        """Pages and forms: no value may hold a NUL or a lone surrogate (dissent/lib/
        characters.py). The API checks its own input as it parses it (dissent/api/main.py)."""
        if request.path_info.startswith("/api/"):
            return None
        try:
            for data in (request.GET, request.POST):  # POST is empty unless a form was posted
                for key, values in data.lists():
                    for value in values:
                        check_parsed({key: value})
        except InvalidInput as exc:
            return self.process_exception(request, exc)
        return None

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


class NoStoreMiddleware:
    """Pages and API answers may hold message text, names or tokens: no browser or proxy is to
    keep a copy (Cache-Control: no-store, and no back/forward cache to show a draft again
    after sign-out), unless the view set its own Cache-Control. Static files are answered
    before this runs (WhiteNoise) and keep their long lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
