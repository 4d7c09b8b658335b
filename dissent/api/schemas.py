from __future__ import annotations

from django.http import JsonResponse
from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    """The one error envelope: {"error": {"code": ..., "message": ..., "field": ...}}."""

    error: ErrorBody


# Declared on every operation so the OpenAPI document tells clients what can come back.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


def envelope(code: str, message: str, field: str | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(status: int, code: str, message: str) -> JsonResponse:
    """The envelope for answers given before or outside ninja (middleware, unknown paths)."""
    return JsonResponse(envelope(code, message), status=status)
