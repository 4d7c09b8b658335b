"""Oversized or malformed input is refused with the limit named, before anything is written;
Markdown and HTML in a message are rendered neutralised, never executed."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from dissent.accounts.models import User
from dissent.memos import content as text
from tests.conftest import ApiClient
from tests.memos.helpers import BASE, TEXT, Api, error, make_memo, snapshot, url

KB = 1024


@pytest.fixture
def api(alice: User, api_for: Api) -> ApiClient:
    return api_for(alice)


def test_the_limits_are_the_documented_ones() -> None:
    assert text.TITLE_MAX_CHARS == 300
    assert text.BODY_MAX_BYTES == 200 * KB


@pytest.mark.parametrize(
    ("fields", "field", "named"),
    [
        ({"title": "t" * 301}, "title", "the limit is 300"),
        ({"body": "(U) " + "x" * (200 * KB - 3)}, "body", "the limit is 200 KB"),
        # The body limit counts UTF-8 bytes: 70,000 euro signs are 210,000 bytes.
        ({"body": "(U) " + "€" * 70_000}, "body", "the body is 206 KB; the limit is 200 KB"),
        ({"summary": "s" * 5_001}, "summary", "the limit is 5000"),
        ({"recommendations": "r" * 50_001}, "recommendations", "the limit is 50000"),
    ],
)
def test_oversized_fields_are_refused_with_the_limit_named(
    alice: User, api: ApiClient, fields: dict[str, str], field: str, named: str
) -> None:
    memo = make_memo(alice)
    before = snapshot()
    for response in (
        api.post(BASE, {**TEXT, **fields}),
        api.patch(url(memo), {"base_version": 1, **fields}),
    ):
        assert response.status_code == 400
        err = error(response)
        assert (err["code"], err["field"]) == ("too_large", field)
        assert named in err["message"]
    assert snapshot() == before


def test_fields_exactly_at_the_limit_are_accepted(api: ApiClient) -> None:
    body = "(U) " + "x" * (200 * KB - 4)
    assert len(body.encode()) == 200 * KB
    response = api.post(BASE, {**TEXT, "title": "t" * 300, "body": body})
    assert response.status_code == 201, response.content[:300]
    assert response.json()["body"] == body


def test_a_request_over_the_server_limit_is_refused_in_the_envelope(api: ApiClient) -> None:
    before = snapshot()
    response = api.post(BASE, {**TEXT, "body": "(U) " + "x" * 3_000_000})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    err = error(response)
    assert err["code"] == "too_large" and "2560 KB" in err["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"body": "(U) a\x00b"}, "body", "NUL"),
        ({"title": "a\x00b"}, "title", "NUL"),
        ({"title": "two\nlines"}, "title", "one line"),
        ({"title": ""}, "title", "title"),
        ({"title": None}, "title", "string"),
        ({"body": ["(U) a list"]}, "body", "string"),
    ],
)
def test_malformed_fields_are_refused(
    api: ApiClient, fields: dict[str, object], field: str, words: str
) -> None:
    before = snapshot()
    response = api.post(BASE, {**TEXT, **fields})
    assert response.status_code == 400
    err = error(response)
    assert err["field"] == field and words in err["message"]
    assert snapshot() == before


def test_a_lone_surrogate_is_refused_not_a_server_error(api: ApiClient) -> None:
    before = snapshot()
    raw = '{"title": "half \\ud800 a character", "body": "(U) x"}'
    response = api.client.post(
        BASE, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    assert response.status_code == 400
    assert error(response)["field"] == "title"
    assert snapshot() == before


HOSTILE = "\n\n".join(
    [
        "(U) Plain <script>alert('s1')</script> text.",
        "(U) [click me](javascript:alert('s2'))",
        "(U) [shout](JAVASCRIPT:alert('s3'))",
        "(U) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "(U) <img src=x onerror=alert('s4')>",
        "(U) <a href=\"javascript:alert('s5')\">raw link</a>",
        "(U) <javascript:alert('s6')>",
        "(U) ![pic](https://example.org/x.png)",
        '<iframe src="https://example.org"></iframe>',
        '(U) <div style="background:url(javascript:alert(1))">styled</div>',
        "(U) [fine](https://example.org/policy)",
    ]
)


class _Tags(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_markdown_and_html_are_neutralised(api: ApiClient) -> None:
    response = api.post(
        BASE, {**TEXT, "body": HOSTILE, "summary": HOSTILE, "recommendations": HOSTILE}
    )
    assert response.status_code == 201
    for html in response.json()["html"].values():
        tags = _Tags(html).tags
        assert {tag for tag, _ in tags} == {"p", "a"}  # everything else arrived as text
        links = [attrs for tag, attrs in tags if tag == "a"]
        assert links == [
            {"href": "https://example.org/policy", "rel": "noopener noreferrer nofollow"}
        ]
        assert not any(
            name.startswith("on") or name == "style" for _, attrs in tags for name in attrs
        )
        assert "&lt;script&gt;" in html  # shown as text, not run
    # The stored text is what was typed: neutralising happens on the way out.
    assert response.json()["body"] == HOSTILE
