"""Shared by the tests of drafting, co-signing and submission."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import PAYLOAD_KEYS, EventType
from dissent.memos import content as text
from dissent.memos.actions import do_add_codrafter, do_create_memo, do_invite, do_save_version
from dissent.memos.models import Drafter, Invitation, Memo, SubmittedSignature, Version
from tests.conftest import ApiClient

# Strings that must never reach an event payload (the log holds metadata, never text).
TITLE_SENTINEL = "Zanzibar-title-7f3a"
BODY_SENTINEL = "Quokka-body-91c2"
SUMMARY_SENTINEL = "Marmot-summary-5b10"
RECS_SENTINEL = "Ibex-recs-c4d8"
SENTINELS = (TITLE_SENTINEL, BODY_SENTINEL, SUMMARY_SENTINEL, RECS_SENTINEL)

TEXT: dict[str, str] = {
    "title": f"Reconsider the visa policy {TITLE_SENTINEL}",
    "summary": f"(U) The policy harms our aims {SUMMARY_SENTINEL}.",
    "body": f"(U) First paragraph {BODY_SENTINEL}.\n\n(U) Second paragraph.",
    "recommendations": f"(U) Suspend the rule {RECS_SENTINEL}.",
}
EDITED: dict[str, str] = {**TEXT, "body": TEXT["body"] + "\n\n(U) A third paragraph."}

BASE = "/api/v1/messages"

Api = Callable[[User], ApiClient]  # the api_for fixture


def content(**overrides: str) -> text.MemoContent:
    return text.clean(**{**TEXT, **overrides})


def make_memo(owner: User, **overrides: str) -> Memo:
    return do_create_memo(content(**overrides), acting_user=owner)


def save(memo: Memo, user: User, **overrides: str) -> Version:
    memo.refresh_from_db()
    return do_save_version(
        memo, content(**overrides), base_version=memo.version_count, acting_user=user
    )


def add_codrafter(memo: Memo, owner: User, codrafter: User) -> None:
    do_add_codrafter(memo, codrafter.email, acting_user=owner)


def invite(memo: Memo, owner: User, *users: User) -> None:
    do_invite(memo, [u.email for u in users], acting_user=owner)


def url(memo: Memo | str, suffix: str = "") -> str:
    memo_id = memo.id if isinstance(memo, Memo) else memo
    return f"{BASE}/{memo_id}{suffix}"


def snapshot() -> dict[str, Any]:
    """Everything an action may write, to prove a refused one wrote nothing."""
    return {
        "events": Event.objects.count(),
        "versions": sorted(Version.objects.values_list("memo_id", "number", "content_hash")),
        "memos": sorted(
            Memo.objects.values_list("id", "state", "version_count", "names_visible_to")
        ),
        "drafters": sorted(Drafter.objects.values_list("memo_id", "user_id")),
        "invitations": sorted(
            Invitation.objects.values_list("memo_id", "user_id", "status", "signed_version_id")
        ),
        "submitted": SubmittedSignature.objects.count(),
    }


def new_events(since: int) -> list[Event]:
    return list(Event.objects.filter(id__gt=since).order_by("id"))


def last_event_id() -> int:
    row = Event.objects.order_by("-id").first()
    return row.id if row else 0


def assert_event(event: Event, type: EventType, actor: User, memo: Memo, **payload: object) -> None:
    assert event.type == type, f"expected {type.name}, got {EventType(event.type).name}"
    assert event.actor_id == actor.id
    assert event.subject_id == str(memo.id)
    assert set(event.payload) == PAYLOAD_KEYS[type]
    for key, value in payload.items():
        assert event.payload[key] == value, (key, event.payload)


def assert_no_text_in_events() -> None:
    """No event payload anywhere carries message text."""
    dump = json.dumps([e.payload for e in Event.objects.all()])
    for sentinel in SENTINELS:
        assert sentinel not in dump


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]
