"""No input may hold a NUL or a lone UTF-16 surrogate (dissent/lib/characters.py), whatever
door it comes through: PostgreSQL cannot store a NUL in text (psycopg raised, and the
request answered 500), and a lone surrogate is not a character. Both are refused as invalid
input naming the field, before any action runs, so nothing is written."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from dissent.accounts.models import ApiToken, User
from dissent.memos.models import Memo
from tests.conftest import ApiClient
from tests.memos.helpers import error, invite, make_memo, snapshot, url


def raw_post(api: ApiClient, path: str, body: str):  # type: ignore[no-untyped-def]
    """JSON as a script may send it: escapes such as \\u0000 and \\ud800 left as written."""
    return api.client.post(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )


@pytest.fixture
def memo(alice: User, bob: User) -> Memo:
    """alice's draft, bob invited to co-sign it."""
    memo = make_memo(alice)
    invite(memo, alice, bob)
    return memo


def test_the_api_refuses_them_in_bodies_and_query_strings_naming_the_field(
    alice: User, memo: Memo, api_for: Callable[[User], ApiClient]
) -> None:
    api = api_for(alice)
    before, tokens = snapshot(), ApiToken.objects.count()
    cases = [
        ("/api/v1/tokens", '{"name": "a\\u0000b"}', "name", "a NUL character"),
        (url(memo, "/codrafters"), '{"email": "x\\u0000@example.org"}', "email", "NUL"),
        (url(memo, "/invite"), '{"emails": ["ok@example.org", "\\u0000"]}', "emails.1", "NUL"),
        ("/api/v1/tokens", '{"name": "\\ud800"}', "name", "a lone UTF-16 surrogate"),
    ]
    for path, body, field, problem in cases:
        response = raw_post(api, path, body)
        assert response.status_code == 400, (path, response.content)
        got = error(response)
        assert got["code"] == "invalid_input" and got["field"] == field
        assert problem in got["message"] and got["message"].endswith("; remove it")
    response = raw_post(api, "/api/v1/tokens", '{"na\\u0000me": "x"}')
    assert response.status_code == 400
    assert error(response)["message"] == "a field name contains a NUL character; remove it"
    searched = api.get(url(memo, "/signatures"), q="bo\x00b")
    assert searched.status_code == 400 and error(searched)["field"] == "q"
    assert snapshot() == before and ApiToken.objects.count() == tokens
    # The same requests without the character go through.
    assert raw_post(api, "/api/v1/tokens", json.dumps({"name": "ab"})).status_code == 201
    assert api.get(url(memo, "/signatures"), q="bob").status_code == 200


def test_pages_and_forms_refuse_them_naming_the_field(
    alice: User, memo: Memo, client_for: Callable[[User], Client]
) -> None:
    client = client_for(alice)
    client.get(f"/messages/{memo.id}/")  # the CSRF cookie
    token = client.cookies["csrftoken"].value
    before = snapshot()
    posted = client.post(
        f"/messages/{memo.id}/invite",
        {"emails": "carol\x00@example.org", "csrfmiddlewaretoken": token},
    )
    assert posted.status_code == 400
    assert "emails contains a NUL character; remove it" in posted.content.decode()
    searched = client.get(f"/messages/{memo.id}/", {"q": "bo\x00b"})
    assert searched.status_code == 400
    assert "q contains a NUL character; remove it" in searched.content.decode()
    assert snapshot() == before
    assert client.get(f"/messages/{memo.id}/", {"q": "bob"}).status_code == 200
