"""The JSON API at /api/v1/: one error envelope with stable codes, bearer token or session."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from dissent.accounts.api import router as accounts_router
from dissent.api.auth import SessionWithCSRF, TokenAuth
from dissent.api.schemas import envelope
from dissent.ledger.api import router as ledger_router
from dissent.lib.characters import check_parsed
from dissent.lib.errors import DissentError
from dissent.memos.api import router as memos_router
from dissent.review.api import messages_router as review_messages_router
from dissent.review.api import router as review_router


class _CheckedParser(Parser):
    """ninja's JSON and query parsing, then every string checked for characters no input may
    hold (dissent/lib/characters.py): refused as invalid input, naming the field."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        check_parsed(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        check_parsed(parsed)
        return parsed


api = NinjaAPI(
    title="Dissent Channel API",
    version="1",
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionWithCSRF()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=_CheckedParser(),
)


def error(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(request, envelope(code, message, field), status=status)


@api.exception_handler(DissentError)
def _dissent_error(request: HttpRequest, exc: DissentError) -> HttpResponse:
    return error(request, exc.status, exc.code, exc.message, exc.field)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(
        request,
        401,
        "unauthenticated",
        "Sign in, or send a personal API token as 'Authorization: Bearer TOKEN'.",
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = list(first.get("loc", ()))
    # ("body", <the handler's parameter>, field, ...) or ("query"|"path", field, ...): name
    # the field only (a field may itself be called "body").
    loc = loc[2:] if loc[:1] == ["body"] else loc[1:] if loc[:1] in (["query"], ["path"]) else loc
    location = ".".join(str(p) for p in loc)
    message = str(first.get("msg", "invalid input"))
    return error(
        request,
        400,
        "invalid_input",
        f"{location}: {message}" if location else message,
        location or None,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, DissentError):  # _CheckedParser's refusal, wrapped by ninja
        return _dissent_error(request, exc.__cause__)
    # ninja raises HttpError(400) for a body that is not JSON: same code as any bad input.
    code = {400: "invalid_input", 403: "forbidden", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    return error(request, exc.status_code, code, str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE before any field is checked.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    return error(
        request,
        400,
        "too_large",
        f"the request is larger than {limit} KB, the most this server accepts in one request",
    )


api.add_router("/", accounts_router)
api.add_router("/messages", memos_router)
# The drafters' side of review (accesses, reprisal reports) sits beside the drafting API.
api.add_router("/messages", review_messages_router)
api.add_router("/review", review_router)
api.add_router("/ledger", ledger_router)
