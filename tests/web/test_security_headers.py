"""Every response carries the browser-side defences: a strict CSP with a per-response nonce,
no framing, no MIME sniffing, no referrer leaks to other sites; HSTS over TLS."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings

from dissent.accounts.models import User
from tests.conftest import PASSWORD, ApiClient

pytestmark = pytest.mark.django_db


def directives(response: HttpResponse) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_common_headers(response: HttpResponse) -> dict[str, list[str]]:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]  # no copy in any browser or proxy cache
    csp = directives(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    for name, values in csp.items():
        assert "'unsafe-inline'" not in values, name
        assert "'unsafe-eval'" not in values, name
        assert "*" not in values, name
    return csp


def nonce_of(response: HttpResponse) -> str:
    (nonce,) = [v for v in directives(response)["script-src"] if v.startswith("'nonce-")]
    return nonce.removeprefix("'nonce-").removesuffix("'")


def test_page_has_strict_csp_with_a_nonce_its_scripts_carry(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(alice)
    first = client.get("/")
    assert first.status_code == 200
    csp = assert_common_headers(first)
    assert csp["script-src"][0] == "'self'"
    assert csp["style-src"] == ["'self'"]
    nonce = nonce_of(first)
    html = first.content.decode()
    # Every inline <script> carries this response's nonce; there is no inline style.
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    for attributes in inline_scripts:
        assert f'nonce="{nonce}"' in attributes
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    # A fresh nonce for every response, or it protects nothing.
    assert nonce_of(client.get("/")) != nonce


def test_login_page_has_the_headers_too() -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert_common_headers(response)


def test_api_response_has_the_headers(alice: User, api_for: Callable[[User], ApiClient]) -> None:
    response = api_for(alice).get("/api/v1/me")
    assert response.status_code == 200
    assert_common_headers(response)


def test_api_error_response_has_the_headers() -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert_common_headers(response)


def test_no_hsts_over_plain_http_in_the_test_settings() -> None:
    assert "Strict-Transport-Security" not in Client().get("/healthz", secure=True)


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True)
def test_hsts_on_secure_requests_when_https_is_on(
    alice: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(alice)
    page = client.get("/", secure=True)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000"
    api = client.get("/api/v1/me", secure=True)
    assert api.status_code == 200
    assert api["Strict-Transport-Security"] == "max-age=31536000"
    # Over plain HTTP the browser ignores HSTS; the answer is a redirect to HTTPS instead.
    plain = client.get("/api/v1/me")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/api/v1/me"


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_secure_cookie_settings_reach_the_cookies(alice: User) -> None:
    client = Client()
    response = client.get("/accounts/login/", secure=True)
    assert response.cookies["csrftoken"]["secure"] is True
    response = client.post(
        "/accounts/login/", {"login": alice.email, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_message_text_is_never_stored_by_caches_but_static_files_are(
    alice: User, client_for: Callable[[User], Client], api_for: Callable[[User], ApiClient]
) -> None:
    from tests.memos.helpers import make_memo

    memo = make_memo(alice)
    for response in (
        client_for(alice).get(f"/messages/{memo.id}/"),
        client_for(alice).get(f"/messages/{memo.id}/edit"),
        api_for(alice).get(f"/api/v1/messages/{memo.id}"),
        api_for(alice).get(f"/api/v1/messages/{memo.id}/versions/1"),
        Client().get(f"/messages/{memo.id}/"),  # the redirect to sign in
    ):
        assert response.status_code in (200, 302)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "no-store" in Client().get("/healthz")["Cache-Control"]
    css = Client().get("/static/vendor/uswds/css/uswds.min.css")  # WhiteNoise answers first
    assert css.status_code == 200 and "no-store" not in css["Cache-Control"]
    css.close()
