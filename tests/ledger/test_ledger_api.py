"""/api/v1/ledger: the latest checkpoint, inclusion and consistency proofs (RFC 9162). Who
may see which inclusion proof; bad or out-of-range parameters are 400 naming the parameter."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.crypto.signing import SignerKey
from dissent.events.types import EventType
from dissent.ledger import merkle, store
from dissent.ledger.models import LogEntry
from dissent.ledger.note import open_checkpoint
from dissent.memos.models import Memo
from tests.conftest import ApiClient
from tests.ledger.helpers import grow
from tests.memos.helpers import invite, make_memo

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ledger"


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]


def assert_bad_parameter(response: Any, field: str) -> None:
    """A 400 in the API's error envelope that names the bad query parameter first."""
    assert response.status_code == 400, response.content
    body = error(response)
    assert body["code"] == "invalid_input"
    assert body["field"] == field
    assert body["message"].startswith(field)


def entry_of(memo: Memo, type: EventType) -> int:
    return LogEntry.objects.get(event__subject_id=str(memo.id), event__type=type).index


@pytest.fixture
def memos(alice: User, bob: User, carol: User) -> dict[str, Memo]:
    mine = make_memo(alice)
    invite(mine, alice, bob)
    theirs = make_memo(carol)
    grow(3)
    return {"mine": mine, "theirs": theirs}


# --------------------------------------------------------------------------- checkpoint


def test_the_checkpoint_is_the_signed_note_as_text(
    log_signer: SignerKey, alice: User, api_for: Callable[[User], ApiClient]
) -> None:
    api = api_for(alice)
    response = api.get(f"{BASE}/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]  # always the log's latest
    checkpoint, _ = open_checkpoint(response.content.decode(), log_signer.verifier)
    assert checkpoint.size == store.size() > 0
    assert checkpoint.root == store.root(checkpoint.size)


def test_the_checkpoint_needs_a_signed_in_user(log_signer: SignerKey) -> None:
    response = Client().get(f"{BASE}/checkpoint")
    assert response.status_code == 401
    assert error(response)["code"] == "unauthenticated"


def test_without_a_signing_key_the_checkpoint_says_what_to_set(
    settings: SettingsWrapper, alice: User, api_for: Callable[[User], ApiClient]
) -> None:
    settings.LEDGER_SIGNING_KEY = ""
    settings.DEBUG = settings.DEMO = False
    response = api_for(alice).get(f"{BASE}/checkpoint")
    assert response.status_code == 503
    assert "DISSENT_LEDGER_SIGNING_KEY" in error(response)["message"]


# --------------------------------------------------------------------------- inclusion


def check_inclusion(response: Any, index: int, size: int) -> None:
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["index"], body["size"]) == (index, size)
    leaf = b64(body["leaf"])
    assert merkle.leaf_hash(leaf) == b64(body["leaf_hash"])
    assert b64(body["root"]) == store.root(size)
    merkle.verify_inclusion(
        b64(body["leaf_hash"]), index, size, [b64(p) for p in body["proof"]], b64(body["root"])
    )


def test_an_auditor_gets_any_inclusion_proof(
    memos: dict[str, Memo], ian: User, api_for: Callable[[User], ApiClient]
) -> None:
    api = api_for(ian)
    size = store.size()
    for index in (0, entry_of(memos["theirs"], EventType.MEMO_CREATED), size - 1):
        check_inclusion(api.get(f"{BASE}/inclusion", index=index, size=size), index, size)
    check_inclusion(api.get(f"{BASE}/inclusion", index=2, size=3), 2, 3)


def test_a_drafter_gets_proofs_for_their_own_messages_only(
    memos: dict[str, Memo], alice: User, api_for: Callable[[User], ApiClient]
) -> None:
    api = api_for(alice)
    size = store.size()
    for type in (EventType.MEMO_CREATED, EventType.VERSION_SAVED, EventType.INVITED):
        index = entry_of(memos["mine"], type)
        check_inclusion(api.get(f"{BASE}/inclusion", index=index, size=size), index, size)
    for index in (
        entry_of(memos["theirs"], EventType.MEMO_CREATED),
        LogEntry.objects.get(
            event__type=EventType.USER_CREATED, event__subject_id=str(alice.id)
        ).index,
        size - 1,  # a failed sign-in
    ):
        response = api.get(f"{BASE}/inclusion", index=index, size=size)
        assert response.status_code == 404
        assert error(response)["code"] == "not_found"


@pytest.mark.parametrize("persona", ["bob", "oscar", "rita", "dana", "sam", "ada"])
def test_everyone_else_is_told_the_entry_does_not_exist(
    memos: dict[str, Memo],
    persona: str,
    request: pytest.FixtureRequest,
    api_for: Callable[[User], ApiClient],
) -> None:
    # bob is invited to co-sign alice's message: he may read it, not its log.
    api = api_for(request.getfixturevalue(persona))
    index = entry_of(memos["mine"], EventType.MEMO_CREATED)
    response = api.get(f"{BASE}/inclusion", index=index, size=store.size())
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "message": "no such log entry", "field": None}


def test_inclusion_needs_a_signed_in_user(memos: dict[str, Memo]) -> None:
    response = Client().get(f"{BASE}/inclusion", {"index": 0, "size": 1})
    assert response.status_code == 401


def test_a_session_works_as_well_as_a_token(
    memos: dict[str, Memo], alice: User, client_for: Callable[[User], Client]
) -> None:
    index = entry_of(memos["mine"], EventType.MEMO_CREATED)
    response = client_for(alice).get(f"{BASE}/inclusion", {"index": index, "size": index + 1})
    check_inclusion(response, index, index + 1)


BAD_INCLUSION: list[tuple[dict[str, object], str]] = [
    ({"index": "abc", "size": 3}, "index"),
    ({"index": 1.5, "size": 3}, "index"),
    ({"index": 0, "size": "many"}, "size"),
    ({"index": 0}, "size"),
    ({"size": 3}, "index"),
    ({"index": 0, "size": 0}, "size"),
    ({"index": 0, "size": -1}, "size"),
    ({"index": -1, "size": 3}, "index"),
    ({"index": 3, "size": 3}, "index"),
    ({"index": 0, "size": 10**6}, "size"),
    ({"index": 0, "size": 10**30}, "size"),
]


@pytest.mark.parametrize(("params", "field"), BAD_INCLUSION)
def test_bad_inclusion_parameters_are_400_naming_them(
    memos: dict[str, Memo],
    ian: User,
    api_for: Callable[[User], ApiClient],
    params: dict[str, object],
    field: str,
) -> None:
    assert_bad_parameter(api_for(ian).get(f"{BASE}/inclusion", **params), field)


def test_a_size_beyond_the_log_is_400_even_for_someone_without_access(
    memos: dict[str, Memo], oscar: User, api_for: Callable[[User], ApiClient]
) -> None:
    response = api_for(oscar).get(f"{BASE}/inclusion", index=0, size=store.size() + 1)
    assert response.status_code == 400
    assert error(response)["field"] == "size"


# --------------------------------------------------------------------------- consistency


def test_consistency_proofs_for_any_signed_in_user(
    memos: dict[str, Memo], oscar: User, api_for: Callable[[User], ApiClient]
) -> None:
    api = api_for(oscar)
    size = store.size()
    for old, new in ((1, size), (size - 3, size), (size, size), (4, 8)):
        response = api.get(f"{BASE}/consistency", old=old, new=new)
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["old"], body["new"]) == (old, new)
        assert b64(body["old_root"]) == store.root(old)
        assert b64(body["new_root"]) == store.root(new)
        merkle.verify_consistency(
            old, new, b64(body["old_root"]), b64(body["new_root"]), [b64(p) for p in body["proof"]]
        )


def test_consistency_needs_a_signed_in_user(memos: dict[str, Memo]) -> None:
    assert Client().get(f"{BASE}/consistency", {"old": 1, "new": 2}).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"old": "x", "new": 3}, "old"),
        ({"old": 1}, "new"),
        ({"old": 0, "new": 3}, "old"),
        ({"old": -2, "new": 3}, "old"),
        ({"old": 4, "new": 3}, "old"),
        ({"old": 1, "new": 0}, "new"),
        ({"old": 1, "new": 10**6}, "new"),
        ({"old": 1, "new": 10**30}, "new"),
    ],
)
def test_bad_consistency_parameters_are_400_naming_them(
    memos: dict[str, Memo],
    alice: User,
    api_for: Callable[[User], ApiClient],
    params: dict[str, object],
    field: str,
) -> None:
    assert_bad_parameter(api_for(alice).get(f"{BASE}/consistency", **params), field)


def test_the_endpoints_are_documented(alice: User, api_for: Callable[[User], ApiClient]) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {f"{BASE}/checkpoint", f"{BASE}/inclusion", f"{BASE}/consistency"} <= set(paths)
    content = paths[f"{BASE}/checkpoint"]["get"]["responses"]["200"]["content"]
    assert "text/plain" in content
