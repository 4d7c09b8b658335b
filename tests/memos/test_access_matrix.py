"""Every message endpoint x every persona x draft and submitted: the status each must get,
the event each successful action records, and nothing written by a refused one.

Personas: alice (owner) and cora (co-drafter) draft; bob (invited) and carol (invited, has
signed the current version) co-sign; oscar is staff outside the message; rita, dana, sam,
ada and ian hold the other roles; anon sends no credentials. To anyone outside a message
it does not exist (404, exactly as for an unknown or malformed id)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from dissent.accounts.models import User
from dissent.events.types import EventType
from dissent.memos.actions import do_sign, do_submit
from dissent.memos.models import Memo, Version
from tests.conftest import ApiClient
from tests.memos.helpers import (
    BASE,
    EDITED,
    TEXT,
    add_codrafter,
    assert_event,
    assert_no_text_in_events,
    invite,
    last_event_id,
    make_memo,
    new_events,
    save,
    snapshot,
    url,
)

DRAFTERS = ("alice", "cora")
INVITEES = ("bob", "carol")
OUTSIDERS = ("oscar", "rita", "dana", "sam", "ada", "ian")
PERSONAS = (*DRAFTERS, *INVITEES, *OUTSIDERS)
STATES = ("draft", "submitted")


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    suffix: str
    need: str  # read | draft | sign
    body: dict[str, Any] | None = None
    query: dict[str, Any] = field(default_factory=dict)
    created: int = 200

    def __str__(self) -> str:
        return self.name


ENDPOINTS = [
    Endpoint("get", "get", "", "read"),
    Endpoint("patch", "patch", "", "draft", {"base_version": 2, "title": "A better title"}),
    Endpoint("versions", "get", "/versions", "read"),
    Endpoint("version", "get", "/versions/2", "read"),
    Endpoint("diff", "get", "/diff", "read", query={"from": 1, "to": 2}),
    Endpoint("invite", "post", "/invite", "draft", {"emails": ["oscar@example.org"]}),
    Endpoint(
        "codrafters", "post", "/codrafters", "draft", {"email": "oscar@example.org"}, created=201
    ),
    Endpoint("signatures", "get", "/signatures", "draft", query={"page": 1, "q": "example"}),
    Endpoint("sign", "post", "/sign", "sign", {"version": 2}),
    Endpoint("decline", "post", "/decline", "sign"),
    Endpoint("withdraw", "post", "/withdraw", "sign"),
    Endpoint(
        "submit", "post", "/submit", "draft", {"version": 2, "names_visible_to": "principals"}
    ),
]

# In a draft, what a co-signer's action meets: bob has not signed, carol signed version 2.
SIGNER_OUTCOME = {
    ("sign", "bob"): 200,
    ("sign", "carol"): 409,
    ("decline", "bob"): 200,
    ("decline", "carol"): 409,
    ("withdraw", "bob"): 409,
    ("withdraw", "carol"): 200,
}


def expected(ep: Endpoint, persona: str, state: str) -> tuple[int, str | None]:
    """(status, error code) the persona must get."""
    if persona == "anon":
        return 401, "unauthenticated"
    if persona in OUTSIDERS:
        return 404, "not_found"
    if ep.need == "read" or (ep.need == "draft" and ep.method == "get" and persona in DRAFTERS):
        return 200, None
    if ep.need == "draft" and persona in INVITEES:
        return 403, "forbidden"
    if ep.need == "sign" and persona in DRAFTERS:
        return 403, "forbidden"
    if state == "submitted":
        return 409, "wrong_state"
    status = SIGNER_OUTCOME.get((ep.name, persona), ep.created)
    return status, None if status < 400 else "wrong_state"


def expected_event(
    ep: Endpoint, memo: Memo, users: dict[str, User]
) -> tuple[EventType, dict[str, object]] | None:
    v2 = Version.objects.get(memo=memo, number=2).content_hash
    return {
        "patch": (EventType.VERSION_SAVED, {"version": 3}),
        "invite": (EventType.INVITED, {"user": str(users["oscar"].id)}),
        "codrafters": (EventType.CODRAFTER_ADDED, {"user": str(users["oscar"].id)}),
        "sign": (EventType.SIGNED, {"version": 2, "hash": v2}),
        "decline": (EventType.DECLINED, {}),
        "withdraw": (EventType.SIGNATURE_WITHDRAWN, {"version": 2}),
        "submit": (
            EventType.SUBMITTED,
            {"version": 2, "hash": v2, "signatures": 1, "names": "principals"},
        ),
    }.get(ep.name)


def build(users: dict[str, User], state: str) -> Memo:
    """A message at version 2 with both drafters and both co-signers (carol signed v2)."""
    alice = users["alice"]
    memo = make_memo(alice)
    add_codrafter(memo, alice, users["cora"])
    save(memo, alice, **EDITED)
    invite(memo, alice, users["bob"], users["carol"])
    memo.refresh_from_db()
    do_sign(memo, version=2, acting_user=users["carol"])
    if state == "submitted":
        do_submit(memo, version=2, names_visible_to="office", acting_user=alice)
    memo.refresh_from_db()
    return memo


Call = Callable[[Endpoint, str], Any]


@pytest.fixture
def people(
    alice: User,
    cora: User,
    bob: User,
    carol: User,
    oscar: User,
    rita: User,
    dana: User,
    sam: User,
    ada: User,
    ian: User,
) -> dict[str, User]:
    return {
        "alice": alice,
        "cora": cora,
        "bob": bob,
        "carol": carol,
        "oscar": oscar,
        "rita": rita,
        "dana": dana,
        "sam": sam,
        "ada": ada,
        "ian": ian,
    }


@pytest.fixture
def call(people: dict[str, User], api_for: Callable[[User], ApiClient]) -> Callable[[str], Call]:
    """call(persona)(endpoint, memo_id): one request with the persona's bearer token."""
    apis = {name: api_for(user) for name, user in people.items()}
    anon = Client()

    def as_persona(persona: str) -> Call:
        def request(ep: Endpoint, memo_id: str) -> Any:
            path = BASE if memo_id == "list" else url(memo_id, ep.suffix)
            if persona == "anon":
                if ep.method == "get":
                    return anon.get(path, ep.query)
                return getattr(anon, ep.method)(
                    path, ep.body or {}, content_type="application/json"
                )
            api = apis[persona]
            if ep.method == "get":
                return api.get(path, **ep.query)
            return getattr(api, ep.method)(path, ep.body)

        return request

    return as_persona


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_endpoint_for_every_persona(
    ep: Endpoint, state: str, people: dict[str, User], call: Callable[[str], Call]
) -> None:
    wrong = []
    shared = build(people, state)  # refusals and reads write nothing, so they may share one
    for persona in (*PERSONAS, "anon"):
        status, code = expected(ep, persona, state)
        writes = status < 400 and ep.method != "get"
        memo = build(people, state) if writes else shared
        before, since = snapshot(), last_event_id()
        response = call(persona)(ep, str(memo.id))
        got = (response.status_code, response.json().get("error", {}).get("code"))
        if got != (status, code):
            wrong.append(
                f"{persona}: expected {(status, code)}, got {got}: {response.content[:200]!r}"
            )
            continue
        if ep.name == "get" and status == 200 and state != "draft":
            # Access transparency: opening a submitted message's text is recorded, and
            # that is the only write a read makes.
            (opened,) = new_events(since)
            assert opened.type == EventType.MESSAGE_OPENED
            assert opened.actor_id == people[persona].id
            assert opened.subject_id == str(memo.id)
            continue
        if not writes:
            assert snapshot() == before, f"{persona} {ep} wrote something"
            continue
        event = expected_event(ep, memo, people)
        assert event is not None
        (recorded,) = new_events(since)
        assert_event(recorded, event[0], people[persona], memo, **event[1])
    assert_no_text_in_events()
    assert wrong == []


@pytest.mark.parametrize("ep", ENDPOINTS, ids=str)
def test_unknown_and_malformed_ids_are_not_found_for_everyone(
    ep: Endpoint, people: dict[str, User], call: Callable[[str], Call]
) -> None:
    memo = build(people, "draft")
    before = snapshot()
    for bad in (str(uuid.uuid4()), "not-a-uuid", f"{memo.id}0"):
        for persona in PERSONAS:
            response = call(persona)(ep, bad)
            assert response.status_code == 404, (persona, bad, response.content[:200])
            assert response.json()["error"]["code"] == "not_found"
        assert call("anon")(ep, bad).status_code == 401
    assert snapshot() == before


def test_the_list_shows_a_message_to_its_drafters_and_invitees_only(
    people: dict[str, User], call: Callable[[str], Call]
) -> None:
    memo = build(people, "draft")
    listing = Endpoint("list", "get", "", "read")
    for persona in PERSONAS:
        response = call(persona)(listing, "list")
        assert response.status_code == 200, persona
        ids = [item["id"] for item in response.json()["items"]]
        assert ids == ([str(memo.id)] if persona in DRAFTERS + INVITEES else []), persona
    assert call("anon")(listing, "list").status_code == 401


def test_only_staff_who_may_file_can_create(
    people: dict[str, User], call: Callable[[str], Call]
) -> None:
    create = Endpoint("create", "post", "", "draft", dict(TEXT))
    for persona in PERSONAS:
        before, since = snapshot(), last_event_id()
        response = call(persona)(create, "list")
        if persona in ("rita", "dana", "sam", "ada", "ian"):
            assert response.status_code == 403, persona
            assert response.json()["error"]["code"] == "not_eligible"
            assert snapshot() == before
            continue
        assert response.status_code == 201, persona
        memo = Memo.objects.get(id=response.json()["id"])
        created, saved = new_events(since)
        assert_event(created, EventType.MEMO_CREATED, people[persona], memo)
        assert_event(saved, EventType.VERSION_SAVED, people[persona], memo, version=1)
    before = snapshot()
    assert call("anon")(create, "list").status_code == 401
    assert snapshot() == before
    assert_no_text_in_events()
