"""The JSON API's shell: credentials required everywhere, CSRF for sessions, one error
envelope, an OpenAPI document and a docs page that loads nothing from elsewhere."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from dissent.accounts.models import User
from dissent.api.main import api
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

SAMPLE_ID = "00000000-0000-4000-8000-000000000000"


@functools.cache
def operations() -> list[tuple[str, str]]:
    """(method, path) of every operation the API documents, path parameters filled in."""
    schema = api.get_openapi_schema()
    found = []
    for path, item in schema["paths"].items():
        for method in item:
            found.append((method, re.sub(r"\{[^}]+\}", SAMPLE_ID, path)))
    return found


def call(client: Client, method: str, path: str, **extra: Any) -> Any:
    if method in ("post", "put", "patch"):
        return getattr(client, method)(path, {}, content_type="application/json", **extra)
    return getattr(client, method)(path, **extra)


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_the_api_documents_its_operations() -> None:
    ops = operations()
    assert ("get", "/api/v1/me") in ops
    assert ("post", "/api/v1/tokens") in ops
    assert ("delete", f"/api/v1/tokens/{SAMPLE_ID}") in ops


def test_every_operation_without_credentials_is_401_with_the_envelope() -> None:
    for method, path in operations():
        error = assert_envelope(call(Client(), method, path), 401, "unauthenticated")
        assert "Bearer" in error["message"]


BAD_AUTHORIZATIONS = [
    "Bearer dct_" + "x" * 43,  # well-formed, unknown
    "Bearer not-a-token",
    "Bearer ",
    "Basic YWxpY2U6cGFzc3dvcmQ=",
    "dct_" + "x" * 43,  # no scheme
]


def test_bad_credentials_are_401(alice: User) -> None:
    for authorization in BAD_AUTHORIZATIONS:
        for method, path in operations():
            response = call(Client(), method, path, HTTP_AUTHORIZATION=authorization)
            assert_envelope(response, 401, "unauthenticated")


def test_session_post_without_csrf_token_is_403(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(alice)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    error = assert_envelope(response, 403, "forbidden")
    assert "CSRF" in error["message"]
    assert not alice.api_tokens.exists()


def test_session_delete_without_csrf_token_is_403(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    assert_envelope(client_for(alice).delete(f"/api/v1/tokens/{SAMPLE_ID}"), 403, "forbidden")


def test_session_get_needs_no_csrf_token(alice: User, client_for: Callable[[User], Client]) -> None:
    response = client_for(alice).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.org"


def test_session_post_with_csrf_token_works(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(alice)
    client.get("/accounts/security/")  # sets the csrftoken cookie, as a browser page would
    response = client.post(
        "/api/v1/tokens",
        {"name": "from the browser"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201
    assert alice.api_tokens.get().name == "from the browser"


def test_bearer_needs_no_csrf_token(alice: User, api_for: Callable[[User], ApiClient]) -> None:
    api = api_for(alice)
    api.client = Client(enforce_csrf_checks=True)
    assert api.post("/api/v1/tokens", {"name": "script"}).status_code == 201


def test_body_that_is_not_json_is_400(alice: User, api_for: Callable[[User], ApiClient]) -> None:
    api = api_for(alice)
    response = api.client.post(
        "/api/v1/tokens",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert_envelope(response, 400, "invalid_input")


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({}, "name", "Field required"),
        ({"name": ""}, "name", "at least 1 character"),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"name": "x", "days": 0}, "days", "greater than or equal to 1"),
        ({"name": "x", "days": "soon"}, "days", "valid integer"),
        ({"name": "x", "days": 3651}, "days", "less than or equal to 3650"),
    ],
)
def test_invalid_field_is_400_naming_the_field(
    alice: User, api_for: Callable[[User], ApiClient], body: dict[str, Any], field: str, says: str
) -> None:
    api = api_for(alice)
    error = assert_envelope(api.post("/api/v1/tokens", body), 400, "invalid_input")
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    assert says in error["message"]
    assert alice.api_tokens.count() == 1  # only the one api_for made


def test_unknown_api_path_is_404_envelope(
    alice: User, api_for: Callable[[User], ApiClient]
) -> None:
    assert_envelope(api_for(alice).get("/api/v1/no-such-thing"), 404, "not_found")
    # Outside the API, a person gets a page.
    page = Client().get("/no-such-page")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_openapi_document_lists_bearer_auth_and_errors() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Dissent Channel API"
    schemes = schema["components"]["securitySchemes"]
    bearer = [s for s in schemes.values() if s.get("scheme") == "bearer"]
    assert bearer == [{"type": "http", "scheme": "bearer"}]
    bearer_name = next(n for n, s in schemes.items() if s.get("scheme") == "bearer")
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method} {path}"
            assert {bearer_name: []} in operation["security"], where
            assert "401" in operation["responses"], where
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }, where


def test_docs_page_uses_only_local_assets() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert urls, "the docs page should load its script and styles"
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
    assert not re.search(r"https?://", html)
    assert "cdn" not in html.lower()
    for url in urls:
        if url.startswith("/static/"):
            asset = Client().get(url)
            assert asset.status_code == 200, url
