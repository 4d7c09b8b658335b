"""The HTML pages of drafting, co-signing and submission: each renders for its user, outsiders
get the same 404 as for an unknown id (GET and POST), anonymous visitors are sent to sign in,
wrong role 403, wrong state 409, forms keep typed text on errors, the editor's conflict
answer, the diff page, the signature panel's paging and search, and events without text."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import Settings as SettingsWrapper

from dissent.accounts.models import User
from dissent.accounts.roles import Role
from dissent.events.types import EventType
from dissent.memos.models import Invitation, Memo, SubmittedSignature, Version
from dissent.memos.states import InvitationStatus, State
from tests.memos.helpers import (
    BODY_SENTINEL,
    EDITED,
    TEXT,
    TITLE_SENTINEL,
    add_codrafter,
    assert_event,
    assert_no_text_in_events,
    invite,
    last_event_id,
    make_memo,
    new_events,
    save,
    snapshot,
)

ClientFor = Callable[[User], Client]
JSON = {"HTTP_ACCEPT": "application/json"}
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "signature-results"}


def csrf(client: Client) -> str:
    if "csrftoken" not in client.cookies:
        client.get("/")  # any page with a form sets the cookie
    return client.cookies["csrftoken"].value


def post(client: Client, path: str, data: dict[str, object] | None = None, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": csrf(client)}, **extra)


def page(memo: Memo | str, suffix: str = "") -> str:
    memo_id = memo.id if isinstance(memo, Memo) else memo
    return f"/messages/{memo_id}/{suffix}"


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def sign(memo: Memo, user: User) -> None:
    from dissent.memos.actions import do_sign

    memo.refresh_from_db()
    do_sign(memo, version=memo.version_count, acting_user=user)


# --- every page and form of one message: (method, suffix) --------------------------------
MESSAGE_URLS = [
    ("get", ""),
    ("get", "edit"),
    ("post", "edit"),
    ("get", "diff"),
    ("post", "invite"),
    ("post", "codrafters"),
    ("post", "submit"),
    ("post", "sign"),
    ("post", "decline"),
    ("post", "withdraw"),
]


def _without_tokens(body: str) -> str:
    """The page without what differs on every response (CSRF token, CSP nonce)."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r'nonce="[^"]+"', "", body)


@pytest.mark.parametrize(("method", "suffix"), MESSAGE_URLS)
def test_outsiders_get_the_page_an_unknown_id_gets(
    method: str,
    suffix: str,
    alice: User,
    bob: User,
    oscar: User,
    rita: User,
    client_for: ClientFor,
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    before = snapshot()
    for outsider in (oscar, rita):
        client = client_for(outsider)
        data = {
            "version": 1,
            "base_version": 1,
            "emails": oscar.email,
            "email": oscar.email,
            "names_visible_to": "office",
            **TEXT,
        }

        def call(path: str, client: Client = client, data: dict[str, object] = data):  # type: ignore[no-untyped-def]
            return post(client, path, data) if method == "post" else client.get(path)

        hidden = call(page(memo, suffix))
        unknown = call(page(str(uuid.uuid4()), suffix))
        malformed = call(page("not-a-uuid", suffix))
        assert hidden.status_code == unknown.status_code == malformed.status_code == 404
        assert _without_tokens(html(hidden)) == _without_tokens(html(unknown))
        assert TITLE_SENTINEL not in html(hidden)
    assert snapshot() == before


@pytest.mark.parametrize(("method", "suffix"), MESSAGE_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(method: str, suffix: str, alice: User) -> None:
    memo = make_memo(alice)
    client = Client()
    response = getattr(client, method)(page(memo, suffix))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("path", ["/messages/", "/messages/invitations/", "/messages/new"])
def test_lists_and_new_need_sign_in(path: str, db: None) -> None:
    response = Client().get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- lists ---------------------------------------------------------------------------------


def test_my_messages_lists_what_i_draft_with_exact_counts(
    alice: User, bob: User, carol: User, oscar: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol, oscar)
    sign(memo, carol)  # then the text changes: carol's signature is on an earlier version
    save(memo, alice, **EDITED)
    sign(memo, bob)
    make_memo(bob, title="Bob's own message")
    response = client_for(alice).get("/messages/")
    assert response.status_code == 200
    body = html(response)
    assert TITLE_SENTINEL in body and "Bob&#x27;s own message" not in body
    assert "1 on the current version, 1 on an earlier one; 1 awaiting, of 3 invited" in body
    assert "Circulating" in body and "UNCLASSIFIED" in body
    assert 'href="/messages/new"' in body


def test_my_messages_explains_who_may_not_file(kim: User, client_for: ClientFor) -> None:
    client = client_for(kim)
    body = html(client.get("/messages/"))
    assert "Contractor accounts cannot file" in body and 'href="/messages/new"' not in body
    refused = client.get("/messages/new")
    assert refused.status_code == 403 and "Contractor accounts cannot file" in html(refused)


def test_invitations_ask_to_confirm_a_changed_text(
    alice: User, bob: User, carol: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol)
    sign(memo, bob)
    save(memo, alice, **EDITED)
    body = html(client_for(bob).get("/messages/invitations/"))
    assert TITLE_SENTINEL in body
    assert "Needs your confirmation: you signed version 1, the text is now version 2" in body
    assert "Awaiting your answer" in html(client_for(carol).get("/messages/invitations/"))
    assert "Nobody has invited you" in html(client_for(alice).get("/messages/invitations/"))


# --- the editor ----------------------------------------------------------------------------


def test_new_message_form_then_create(alice: User, client_for: ClientFor) -> None:
    client = client_for(alice)
    form = client.get("/messages/new")
    assert form.status_code == 200
    assert "(SBU)" in html(form) and "(CUI)" in html(form) and 'name="base_version"' in html(form)
    since = last_event_id()
    response = post(client, "/messages/new", {**TEXT, "base_version": 0})
    memo = Memo.objects.get()
    assert response.status_code == 302 and response["Location"] == page(memo, "edit")
    created, saved = new_events(since)
    assert_event(created, EventType.MEMO_CREATED, alice, memo)
    assert_event(saved, EventType.VERSION_SAVED, alice, memo, version=1)
    editor = client.get(response["Location"])
    assert "Saved as version 1." in html(editor) and BODY_SENTINEL in html(editor)
    assert 'name="base_version" value="1"' in html(editor)


def test_autosave_of_a_new_message_answers_json_with_its_address(
    alice: User, client_for: ClientFor
) -> None:
    response = post(client_for(alice), "/messages/new", {**TEXT, "base_version": 0}, **JSON)
    memo = Memo.objects.get()
    assert response.status_code == 200
    assert response.json() == {
        "saved": True,
        "id": str(memo.id),
        "version": 1,
        "banner": "UNCLASSIFIED",
        "edit_url": page(memo, "edit"),
        "message_url": page(memo),
    }


def test_editor_saves_a_new_version_on_top_of_the_one_it_started_from(
    alice: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    client = client_for(alice)
    editor = client.get(page(memo, "edit"))
    assert editor.status_code == 200 and BODY_SENTINEL in html(editor)
    since = last_event_id()
    response = post(client, page(memo, "edit"), {**EDITED, "base_version": 1}, **JSON)
    assert response.status_code == 200 and response.json()["version"] == 2
    (saved,) = new_events(since)
    assert_event(saved, EventType.VERSION_SAVED, alice, memo, version=2)
    again = post(client, page(memo, "edit"), {**EDITED, "base_version": 2}, **JSON)
    assert again.json()["version"] == 2  # unchanged text: no new version
    assert Version.objects.filter(memo=memo).count() == 2


def test_editor_conflict_keeps_both_texts_and_overwrites_nothing(
    alice: User, cora: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    save(memo, cora, body="(U) Cora's version of the argument.")
    before = snapshot()
    mine = {**TEXT, "body": "(U) Alice's typed text, never to be lost.", "base_version": 1}
    response = post(client_for(alice), page(memo, "edit"), mine)
    assert response.status_code == 409
    body = html(response)
    assert "Alice&#x27;s typed text, never to be lost." in body  # in the form, untouched
    assert "Cora&#x27;s version of the argument." in body  # the co-drafter's version beside it
    assert "saved by Cora" in body and f"{page(memo, 'diff')}?to=2" in body
    assert 'name="base_version" value="2"' in body  # the next Save goes on top of version 2
    assert snapshot() == before
    as_json = post(client_for(alice), page(memo, "edit"), mine, **JSON)
    data = as_json.json()
    assert as_json.status_code == 409 and data["error"]["code"] == "conflict"
    assert data["latest_version"] == 2 and "Cora&#x27;s version" in data["conflict_html"]
    assert snapshot() == before
    resolved = post(client_for(alice), page(memo, "edit"), {**mine, "base_version": 2})
    assert resolved.status_code == 302
    assert Version.objects.filter(memo=memo).count() == 3


def test_a_malformed_base_version_is_refused_and_the_typed_text_kept(
    alice: User, bob: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    client = client_for(alice)
    before = snapshot()
    typed = {**TEXT, "body": "(U) Typed while the form was tampered with."}
    for bad in ("\u00b2", "9" * 5000, "one"):  # "²" is a digit to str.isdigit, not to int()
        response = post(client, page(memo, "edit"), {**typed, "base_version": bad})
        assert response.status_code == 400, bad
        body = html(response)
        assert "base_version must be a whole number" in body
        assert "Typed while the form was tampered with." in body  # the text is not lost
        assert 'name="base_version" value="1"' in body  # the next Save goes on version 1
    # Signing a version no version number can be: "the text changed", as for any other;
    # one longer than any database integer: refused as typed
    response = post(client_for(bob), page(memo, "sign"), {"version": str(2**31)})
    assert response.status_code == 409 and "version 1 is current" in html(response)
    response = post(client_for(bob), page(memo, "sign"), {"version": str(2**63)})
    assert response.status_code == 400
    assert "version must be a whole number of 1 or more, 18 digits at most" in html(response)
    assert snapshot() == before


def test_editor_errors_show_next_to_the_field_and_keep_the_text(
    alice: User, client_for: ClientFor, settings: SettingsWrapper
) -> None:
    memo = make_memo(alice)
    client = client_for(alice)
    before = snapshot()
    too_long = post(client, page(memo, "edit"), {**EDITED, "title": "x" * 301, "base_version": 1})
    assert too_long.status_code == 400
    body = html(too_long)
    assert re.search(r'id="id_title-error" role="alert">[^<]*the limit is 300', body)
    assert "usa-form-group--error" in body and "(U) A third paragraph." in body
    settings.MARKING_CEILING = "SBU"
    above = post(
        client,
        page(memo, "edit"),
        {**EDITED, "body": "(CUI) Controlled text.", "base_version": 1},
        **JSON,
    )
    assert above.status_code == 400 and above.json()["error"]["field"] == "body"
    big = post(client, "/messages/new", {**TEXT, "body": "(U) " + "é" * 110_000})
    assert big.status_code == 400 and "the limit is 200 KB" in html(big)
    assert snapshot() == before


def test_only_drafters_edit_and_only_drafts(alice: User, bob: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    bob_client = client_for(bob)
    assert bob_client.get(page(memo, "edit")).status_code == 403
    before = snapshot()
    assert post(bob_client, page(memo, "edit"), {**EDITED, "base_version": 1}).status_code == 403
    for suffix in ("invite", "codrafters", "submit"):
        assert post(bob_client, page(memo, suffix), {"emails": "x@example.org"}).status_code == 403
    assert snapshot() == before
    post(client_for(alice), page(memo, "submit"), {"version": 1, "names_visible_to": "office"})
    submitted = client_for(alice).get(page(memo, "edit"))
    assert submitted.status_code == 409 and "can no longer change" in html(submitted)


def test_a_drafter_cannot_sign_their_own_message(alice: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)
    for verb in ("sign", "decline", "withdraw"):
        assert post(client_for(alice), page(memo, verb), {"version": 1}).status_code == 403


# --- the message page ----------------------------------------------------------------------


def test_message_page_for_the_drafter(
    alice: User, bob: User, cora: User, client_for: ClientFor
) -> None:
    memo = make_memo(
        alice,
        body="(CUI//SP-PRVCY) Names of applicants.\n\n"
        "(U) <script>alert(1)</script> and [x](javascript:alert(2))",
    )
    invite(memo, alice, bob)
    body = html(client_for(alice).get(page(memo)))
    assert body.count("DISSENT CHANNEL") == 1
    assert body.count(">CUI//SP-PRVCY</p>") == 2  # banner top and bottom
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert 'href="javascript' not in body
    assert "Invite co-signers" in body and "Add a co-drafter" in body
    assert "Submit version 1" in body and 'name="version" value="1"' in body
    assert "You: invited to co-sign (Bob)" in body.split("Timeline")[1]
    add_codrafter(memo, alice, cora)
    timeline = html(client_for(cora).get(page(memo))).split("Timeline")[1]
    assert "Alice: invited to co-sign (Bob)" in timeline
    assert "Alice: co-drafter added (Cora)" in timeline


def test_message_page_for_an_invitee_hides_names_and_drafter_tools(
    alice: User, bob: User, carol: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol)
    body = html(client_for(bob).get(page(memo)))
    assert BODY_SENTINEL in body and "Sign version 1" in body and "Decline" in body
    assert "Invite co-signers" not in body and "Submit version" not in body
    assert "carol@example.org" not in body and 'id="signatures"' not in body
    timeline = body.split("Timeline")[1]
    assert "invited to co-sign" not in timeline and "Alice" not in timeline


def test_signing_binds_to_the_version_shown_and_asks_to_confirm_after_a_change(
    alice: User, bob: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    bob_client = client_for(bob)
    since = last_event_id()
    signed = post(bob_client, page(memo, "sign"), {"version": 1})
    assert signed.status_code == 302
    (event,) = new_events(since)
    assert_event(event, EventType.SIGNED, bob, memo, version=1)
    save(memo, alice, **EDITED)
    body = html(bob_client.get(page(memo)))
    assert "You signed version 1; the text has changed since" in body
    assert f"{page(memo, 'diff')}?from=1&amp;to=2" in body
    assert "Confirm my signature on version 2" in body
    alice_view = html(client_for(alice).get(page(memo)))
    assert "signed an earlier version" in alice_view
    before = snapshot()
    stale = post(bob_client, page(memo, "sign"), {"version": 1})
    assert stale.status_code == 409 and "version 2 is current" in html(stale)
    assert snapshot() == before
    assert post(bob_client, page(memo, "sign"), {"version": 2}).status_code == 302
    invitation = Invitation.objects.get(memo=memo, user=bob)
    assert invitation.signed_version.number == 2  # type: ignore[union-attr]


def test_decline_and_withdraw_from_the_page(
    alice: User, bob: User, carol: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol)
    sign(memo, carol)
    since = last_event_id()
    assert post(client_for(bob), page(memo, "decline")).status_code == 302
    assert post(client_for(carol), page(memo, "withdraw")).status_code == 302
    declined, withdrawn = new_events(since)
    assert_event(declined, EventType.DECLINED, bob, memo)
    assert_event(withdrawn, EventType.SIGNATURE_WITHDRAWN, carol, memo, version=1)
    again = post(client_for(carol), page(memo, "withdraw"))
    assert again.status_code == 409 and "no signature of yours" in html(again)


def test_invite_form_reports_each_address(
    alice: User, bob: User, carol: User, rita: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    invite(memo, alice, carol)
    since = last_event_id()
    emails = f"{bob.email}, BOB@example.org\n{carol.email}\nnobody@example.org; {rita.email}"
    response = post(client_for(alice), page(memo, "invite"), {"emails": emails})
    assert response.status_code == 200
    body = html(response)
    assert "Invited 1: bob@example.org." in body
    assert "Already invited (not invited twice): carol@example.org." in body
    assert "Not found in the organization: nobody@example.org." in body
    assert "Cannot be invited (not a staff member" in body and "rita@example.org" in body
    assert ">nobody@example.org\nrita@example.org</textarea>" in body  # left to correct
    (event,) = new_events(since)
    assert event.type == EventType.INVITED and event.payload == {"user": str(bob.id)}
    empty = post(client_for(alice), page(memo, "invite"), {"emails": " \n "})
    assert empty.status_code == 400 and "give at least one e-mail address" in html(empty)


def test_add_codrafter_form(alice: User, bob: User, cora: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob)
    client = client_for(alice)
    added = post(client, page(memo, "codrafters"), {"email": cora.email})
    assert added.status_code == 302
    assert "Cora can now edit this message." in html(client.get(added["Location"]))
    refused = post(client, page(memo, "codrafters"), {"email": bob.email})
    assert refused.status_code == 409
    assert 'id="codrafter-email-error" role="alert"' in html(refused)
    assert f'value="{bob.email}"' in html(refused)


def test_submit_from_the_page(alice: User, bob: User, carol: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)
    invite(memo, alice, bob, carol)
    sign(memo, carol)
    save(memo, alice, **EDITED)
    sign(memo, bob)
    client = client_for(alice)
    stale = post(client, page(memo, "submit"), {"version": 1, "names_visible_to": "office"})
    assert stale.status_code == 409 and Memo.objects.get().state == State.DRAFT
    since = last_event_id()
    done = post(client, page(memo, "submit"), {"version": 2, "names_visible_to": "principals"})
    assert done.status_code == 302
    memo.refresh_from_db()
    assert memo.state == State.SUBMITTED and memo.names_visible_to == "principals"
    assert list(SubmittedSignature.objects.values_list("user__email", flat=True)) == [bob.email]
    (event,) = new_events(since)
    assert_event(event, EventType.SUBMITTED, alice, memo, version=2, signatures=1)
    body = html(client.get(done["Location"]))
    assert "Submitted version 2 to the review office with 1 signature." in body
    assert "Submitted with <strong>1</strong> signature on version 2." in body
    assert "Submit version" not in body and "Edit the text" not in body
    twice = post(client, page(memo, "submit"), {"version": 2, "names_visible_to": "office"})
    assert twice.status_code == 409
    late = post(client_for(carol), page(memo, "sign"), {"version": 2})
    assert late.status_code == 409 and "has been submitted" in html(late)


def test_submit_shows_why_a_drafter_may_not(alice: User, kim: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, kim)
    body = html(client_for(kim).get(page(memo)))
    assert "Contractor accounts cannot file" in body and "Submit version 1" not in body
    refused = post(
        client_for(kim), page(memo, "submit"), {"version": 1, "names_visible_to": "office"}
    )
    assert refused.status_code == 403 and Memo.objects.get().state == State.DRAFT
    unmarked = make_memo(alice, body="An unmarked paragraph.")
    body = html(client_for(alice).get(page(unmarked)))
    assert "Some paragraphs have no portion mark" in body and "Submit version 1" not in body


def test_older_versions_can_be_read(alice: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)
    save(memo, alice, **EDITED)
    client = client_for(alice)
    old = html(client.get(page(memo) + "?version=1"))
    assert "You are reading version 1. The current version is 2" in old
    assert "A third paragraph" not in old
    assert client.get(page(memo) + "?version=7").status_code == 404
    assert client.get(page(memo) + "?version=x").status_code == 400


# --- diff ----------------------------------------------------------------------------------


def test_diff_page_between_any_two_versions(alice: User, bob: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)
    save(memo, alice, **EDITED)
    save(memo, alice, **{**EDITED, "title": "A new title"})
    invite(memo, alice, bob)
    client = client_for(bob)  # invitees read the changes too
    default = html(client.get(page(memo, "diff")))
    assert "Changes from version 2 to 3" in default
    assert '<span class="usa-sr-only">Added: </span>A new title' in default
    chosen = html(client.get(page(memo, "diff") + "?from=1&to=2"))
    assert '<span class="usa-sr-only">Added: </span>(U) A third paragraph.' in chosen
    assert '<option value="1" selected>' in chosen and '<option value="2" selected>' in chosen
    assert client.get(page(memo, "diff") + "?from=1&to=9").status_code == 404
    assert client.get(page(memo, "diff") + "?from=one").status_code == 400


# --- the signature panel -------------------------------------------------------------------


@pytest.fixture
def crowd(alice: User) -> tuple[Memo, list[User]]:
    memo = make_memo(alice)
    people = [
        User.objects.create_user(
            f"signer{i:03d}@example.org", display_name=f"Signer {i:03d}", role=Role.STAFF
        )
        for i in range(120)
    ]
    invite(memo, alice, *people)
    for person in people[:30]:
        sign(memo, person)
    return memo, people


def test_signature_panel_pages_50_at_a_time_with_exact_counts(
    alice: User, crowd: tuple[Memo, list[User]], client_for: ClientFor
) -> None:
    memo, _ = crowd
    client = client_for(alice)
    first = html(client.get(page(memo)))
    assert '<strong data-count="signed_current">30</strong>' in first
    assert '<strong data-count="pending">90</strong>' in first
    assert '<strong data-count="invited">120</strong>' in first
    assert "Showing 50 of 120 invited · page 1 of 3." in first
    assert first.count('data-label="Name"') == 50 and "signer000@example.org" in first
    last = html(client.get(page(memo) + "?page=3"))
    assert "Showing 20 of 120" in last and "signer119@example.org" in last
    assert "signer000@example.org" not in last
    past_the_end = html(client.get(page(memo) + "?page=99"))
    assert "page 3 of 3" in past_the_end
    for bad in ("0", "\u00b2", "9" * 5000, str(2**63), "100001"):  # named, never a 500
        refused = client.get(page(memo), {"page": bad})
        assert refused.status_code == 400, bad
        assert "page must be a whole number from 1 to 100000" in html(refused)


def test_signature_panel_search_works_with_and_without_htmx(
    alice: User, crowd: tuple[Memo, list[User]], client_for: ClientFor
) -> None:
    memo, _ = crowd
    client = client_for(alice)
    plain = html(client.get(page(memo) + "?q=signer07"))
    assert "Showing 10 of 10 matching “signer07”" in plain and "<html" in plain
    partial = client.get(page(memo) + "?q=Signer 11", **HTMX)
    body = html(partial)
    assert partial.status_code == 200 and "<html" not in body
    assert body.strip().startswith('<div id="signature-results">')
    assert body.count('data-label="Name"') == 10 and "signer115@example.org" in body
    none = html(client.get(page(memo) + "?q=nobody"))
    assert "No one matching “nobody”" in none and 'data-label="Name"' not in none


def test_no_message_text_reaches_the_event_log(
    alice: User, bob: User, cora: User, client_for: ClientFor
) -> None:
    alice_client = client_for(alice)
    post(alice_client, "/messages/new", {**TEXT, "base_version": 0})
    memo = Memo.objects.get()
    post(alice_client, page(memo, "edit"), {**EDITED, "base_version": 1})
    post(alice_client, page(memo, "codrafters"), {"email": cora.email})
    post(alice_client, page(memo, "invite"), {"emails": bob.email})
    post(client_for(bob), page(memo, "sign"), {"version": 2})
    post(alice_client, page(memo, "submit"), {"version": 2, "names_visible_to": "office"})
    memo.refresh_from_db()
    assert memo.state == State.SUBMITTED
    assert Invitation.objects.get().status == InvitationStatus.SIGNED
    assert_no_text_in_events()


@pytest.mark.parametrize("persona", ["rita", "sam", "ada", "ian"])
def test_only_staff_get_the_message_links(
    persona: str, alice: User, client_for: ClientFor, request: pytest.FixtureRequest
) -> None:
    assert 'href="/messages/invitations/"' in html(client_for(alice).get("/"))
    user = request.getfixturevalue(persona)
    body = html(client_for(user).get("/", follow=True))
    assert "My messages" not in body and 'href="/messages/invitations/"' not in body


def test_a_save_after_submission_keeps_the_typed_text(
    alice: User, cora: User, client_for: ClientFor
) -> None:
    memo = make_memo(alice)
    add_codrafter(memo, alice, cora)
    post(client_for(alice), page(memo, "submit"), {"version": 1, "names_visible_to": "office"})
    late = post(client_for(cora), page(memo, "edit"), {**EDITED, "base_version": 1})
    assert late.status_code == 409
    assert "can no longer change" in html(late) and "(U) A third paragraph." in html(late)
    as_json = post(client_for(cora), page(memo, "edit"), {**EDITED, "base_version": 1}, **JSON)
    assert as_json.status_code == 409 and as_json.json()["error"]["code"] == "wrong_state"
    assert Version.objects.filter(memo=memo).count() == 1


def test_browser_line_breaks_do_not_make_a_new_version(alice: User, client_for: ClientFor) -> None:
    memo = make_memo(alice)  # saved with LF line breaks, as the API sends them
    as_browser = {k: v.replace("\n", "\r\n") for k, v in TEXT.items()}
    response = post(
        client_for(alice), page(memo, "edit"), {**as_browser, "base_version": 1}, **JSON
    )
    assert response.status_code == 200 and response.json()["version"] == 1
    assert Version.objects.filter(memo=memo).count() == 1
