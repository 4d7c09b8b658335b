"""The review office's HTML pages: each renders for the roles it serves; outsiders and other
principals get the same 404 as for an unknown id; a wrong role gets 403; a form sent out of
turn gets 409 and writes nothing; a form with bad input keeps what was typed and shows the
error next to its field; every successful form records its event; every page that shows the
message text records the opening that the drafters then see."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from dissent.accounts.models import User
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.memos.models import Memo
from dissent.memos.states import State
from dissent.review import pages
from dissent.review.actions import (
    do_add_recipient,
    do_assign,
    do_comment,
    do_record_opening,
)
from dissent.review.models import Case, Comment, InternalNote, Meeting, Recipient, ReplyVersion
from tests.memos.helpers import BODY_SENTINEL, TITLE_SENTINEL, last_event_id, new_events
from tests.review.helpers import (
    COMMENT_SENTINEL,
    NOTE_SENTINEL,
    REASON_SENTINEL,
    REJOINDER,
    REPLY,
    REPLY_SENTINEL,
    SCOPE_SENTINEL,
    assert_no_text_in_events_or_mail,
    build,
    case_of,
    snapshot,
)

ClientFor = Callable[[User], Client]
PERSONAS = ("alice", "bob", "oscar", "rita", "dana", "sam", "pia", "ada", "ian")


@pytest.fixture
def browse(people: dict[str, User], client_for: ClientFor) -> Callable[[str], Client]:
    clients: dict[str, Client] = {}

    def get(persona: str) -> Client:
        if persona not in clients:
            clients[persona] = client_for(people[persona]) if persona != "anon" else Client()
        return clients[persona]

    return get


def csrf(client: Client) -> str:
    if "csrftoken" not in client.cookies:
        client.get("/")  # any page with a form sets the cookie
    return client.cookies["csrftoken"].value


def post(client: Client, path: str, data: dict[str, object] | None = None) -> Any:
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": csrf(client)})


def html(response: Any) -> str:
    return response.content.decode()


def without_nonces(page: str) -> str:
    """A page with its per-request values (CSP nonces, CSRF tokens) blanked."""
    return re.sub(r'(nonce|value)="[A-Za-z0-9+/=_-]{16,}"', r'\1=""', page)


def case_url(memo: Memo, suffix: str = "") -> str:
    return f"/review/{memo.id}/{suffix}"


def openings(memo: Memo) -> int:
    return Event.objects.filter(subject_id=str(memo.id), type=EventType.MESSAGE_OPENED).count()


# --------------------------------------------------------------------------- who sees which page


def expected_case_page(persona: str, stage: str) -> int:
    if persona == "anon":
        return 302  # to the sign-in page
    if persona in ("rita", "dana", "ian"):
        return 200
    if persona == "alice":
        return 302  # the drafters' own page
    if persona == "sam" and stage in ("distributed", "replied"):
        return 302  # the principal's reading page
    if persona == "bob":
        return 403  # co-signers follow the message on its own page
    return 404


@pytest.mark.parametrize("stage", ["submitted", "distributed", "replied"])
def test_case_page_for_every_persona(
    stage: str, people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, stage)
    wrong = []
    for persona in (*PERSONAS, "anon"):
        for memo_id in (memo.id, uuid.uuid4(), "not-a-uuid"):
            want = (
                expected_case_page(persona, stage)
                if memo_id == memo.id
                else (302 if persona == "anon" else 404)
            )
            got = browse(persona).get(f"/review/{memo_id}/").status_code
            if got != want:
                wrong.append(f"{persona} {memo_id}: expected {want}, got {got}")
    assert wrong == []


def test_an_unknown_id_and_a_hidden_case_answer_alike(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "submitted")
    hidden = browse("oscar").get(case_url(memo))
    unknown = browse("oscar").get(f"/review/{uuid.uuid4()}/")
    assert hidden.status_code == unknown.status_code == 404
    assert without_nonces(html(hidden)) == without_nonces(html(unknown))
    # Another principal, not on the list, learns nothing either, even once distributed.
    memo = build(people, "distributed")
    hidden = browse("pia").get(f"/review/reading/{memo.id}/")
    unknown = browse("pia").get(f"/review/reading/{uuid.uuid4()}/")
    assert hidden.status_code == unknown.status_code == 404
    assert without_nonces(html(hidden)) == without_nonces(html(unknown))


def test_redirects_send_each_reader_to_their_page(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "distributed")
    assert browse("sam").get(case_url(memo))["Location"] == f"/review/reading/{memo.id}/"
    assert browse("alice").get(case_url(memo))["Location"] == f"/messages/{memo.id}/"
    assert browse("rita").get(f"/review/reading/{memo.id}/")["Location"] == case_url(memo)
    assert browse("bob").get(f"/review/reading/{memo.id}/")["Location"] == f"/messages/{memo.id}/"
    assert browse("anon").get(case_url(memo))["Location"].startswith("/accounts/login/")


def test_list_pages_by_role(people: dict[str, User], browse: Callable[[str], Client]) -> None:
    build(people, "distributed")
    want = {
        "/review/": {"rita": 200, "dana": 200, "ian": 200, "alice": 403, "sam": 403, "ada": 403},
        "/review/reading/": {"sam": 200, "pia": 200, "rita": 403, "alice": 403, "ian": 403},
        "/review/reprisal-reports/": {"dana": 200, "ian": 200, "rita": 403, "alice": 403},
    }
    got = {
        path: {persona: browse(persona).get(path).status_code for persona in expected}
        for path, expected in want.items()
    }
    assert got == want
    for path in want:
        assert browse("anon").get(path)["Location"].startswith("/accounts/login/")


def test_nav_links_by_role(people: dict[str, User], browse: Callable[[str], Client]) -> None:
    def nav(persona: str) -> str:
        page = html(browse(persona).get("/"))
        return page[page.index('aria-label="Primary navigation"') :]

    assert "Review queue" in nav("rita") and "Reprisal reports" not in nav("rita")
    assert "Review queue" in nav("dana") and "Reprisal reports" in nav("dana")
    assert "Reading list" in nav("sam") and "Review queue" not in nav("sam")
    assert "Review queue" not in nav("alice") and "Reading list" not in nav("alice")


# --------------------------------------------------------------------------- the case page


def test_case_page_shows_the_office_everything_and_records_the_opening(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "distributed", names="principals")
    do_comment(case_of(memo), f"(U) {COMMENT_SENTINEL}", acting_user=people["sam"])
    before = openings(memo)
    page = html(browse("rita").get(case_url(memo)))
    assert openings(memo) == before + 1
    event = Event.objects.filter(type=EventType.MESSAGE_OPENED).latest("id")
    assert (event.actor_id, event.payload) == (people["rita"].id, {"role": "review_officer"})
    assert page.count("DISSENT CHANNEL") >= 2  # the caption
    assert page.count('class="dc-banner') == 2  # banner at the top and the bottom
    assert TITLE_SENTINEL in page and BODY_SENTINEL in page
    assert "Bob" in page  # the co-signer's name
    assert COMMENT_SENTINEL in page  # the principal's comment
    assert "Internal notes" in page
    assert "Start the review" in page  # the one step open in this state
    assert "Acknowledge receipt" not in page.split("What you can do now")[1].split("</section>")[0]


def test_auditor_sees_the_record_but_never_the_text(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "distributed")
    InternalNote.objects.create(case_id=memo.id, author=people["rita"], text=b"")
    before = openings(memo)
    response = browse("ian").get(case_url(memo))
    page = html(response)
    assert response.status_code == 200
    assert openings(memo) == before  # no text shown, no opening
    assert TITLE_SENTINEL not in page and BODY_SENTINEL not in page
    assert "Alice" not in page and "Bob" not in page
    assert "Internal notes" not in page and "What you can do now" not in page
    assert "review officer" in page  # the timeline names roles, not people


def test_wrong_role_gets_403_and_out_of_turn_gets_409_with_no_writes(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "submitted")
    before, since = snapshot(), last_event_id()
    # A principal, an auditor, the drafter and a co-signer may not acknowledge.
    statuses = {
        p: post(browse(p), case_url(memo, "acknowledge")).status_code
        for p in ("ian", "alice", "bob")
    }
    assert statuses == {"ian": 403, "alice": 403, "bob": 403}
    assert post(browse("sam"), case_url(memo, "acknowledge")).status_code == 404  # not yet his
    assert post(browse("oscar"), case_url(memo, "acknowledge")).status_code == 404
    # Out of turn: replying, distributing and closing before acknowledgment.
    for step, data in (
        ("start-review", {}),
        ("distribute", {}),
        ("close", {}),
        ("reply-drafts", {"body": REPLY, "base_version": "0"}),
    ):
        response = post(browse("rita"), case_url(memo, step), data)
        assert response.status_code == 409, step
        assert "cannot" in html(response) or "before" in html(response)
    # Only the office head sends replies and adds recipients.
    assert post(browse("rita"), case_url(memo, "reply"), {"version": "1"}).status_code == 403
    assert post(browse("rita"), case_url(memo, "recipients")).status_code == 403
    assert snapshot() == before
    assert new_events(since) == []


def test_case_page_forms_need_a_signed_in_post(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    """Every form of the case page: anonymous gets the sign-in page, a GET is not allowed,
    and neither writes anything."""
    memo = build(people, "submitted")
    meeting = Meeting.objects.create(case_id=memo.id, requested_by=people["alice"])
    forms = (
        "acknowledge",
        "assign",
        "scope",
        "distribute",
        "recipients",
        "start-review",
        "reply-drafts",
        "reply",
        f"meetings/{meeting.id}/record",
        "close",
        "notes",
    )
    before, since = snapshot(), last_event_id()
    for form in forms:
        response = browse("anon").post(case_url(memo, form))
        assert response.status_code == 302, form
        assert response["Location"].startswith("/accounts/login/"), form
        assert browse("rita").get(case_url(memo, form)).status_code == 405, form
    assert snapshot() == before
    assert new_events(since) == []


def test_each_step_through_the_pages_records_its_event(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "submitted")
    rita, dana = browse("rita"), browse("dana")

    def step(client: Client, path: str, data: dict[str, object], event: EventType) -> str:
        since = last_event_id()
        response = post(client, case_url(memo, path), data)
        assert response.status_code == 302, html(response)[:2000]
        assert response["Location"] == case_url(memo)
        types = [e.type for e in new_events(since)]
        assert types[-1] == event, types
        return html(client.get(response["Location"]))

    page = step(rita, "acknowledge", {}, EventType.ACKNOWLEDGED)
    assert "Receipt acknowledged" in page
    step(rita, "assign", {"officer": str(people["rita"].id)}, EventType.OFFICER_ASSIGNED)
    step(rita, "scope", {"decision": "in_scope", "channel": "eeo"}, EventType.SCOPE_DECIDED)
    page = step(rita, "distribute", {}, EventType.DISTRIBUTED)
    assert "Distributed to 1 principal." in page
    step(
        dana,
        "recipients",
        {"principal": str(people["pia"].id), "reason": f"(U) {REASON_SENTINEL}"},
        EventType.RECIPIENT_ADDED,
    )
    step(rita, "start-review", {}, EventType.REVIEW_STARTED)
    page = step(
        rita,
        "reply-drafts",
        {"body": REPLY.replace("\n", "\r\n"), "base_version": "0"},
        EventType.REPLY_DRAFT_SAVED,
    )
    assert "Saved reply draft version 1." in page
    # The same text again (as a browser sends it) makes no new version.
    response = post(
        rita,
        case_url(memo, "reply-drafts"),
        {"body": REPLY.replace("\n", "\r\n"), "base_version": "1"},
    )
    assert response.status_code == 302
    assert ReplyVersion.objects.filter(case_id=memo.id).count() == 1
    step(rita, "meetings", {"note": "(U) Tuesday?"}, EventType.MEETING_REQUESTED)
    meeting = Meeting.objects.get(case_id=memo.id)
    step(
        rita,
        f"meetings/{meeting.id}/record",
        {"held_on": date.today().isoformat(), "outcome": "(U) We met."},
        EventType.MEETING_RECORDED,
    )
    step(rita, "notes", {"text": f"(U) {NOTE_SENTINEL}"}, EventType.NOTE_ADDED)
    page = step(dana, "reply", {"version": "1"}, EventType.REPLY_SENT)
    assert REPLY_SENTINEL in page
    step(rita, "close", {}, EventType.CASE_CLOSED)
    case = case_of(memo)
    assert (case.state, case.officer_id) == (State.CLOSED, people["rita"].id)
    assert Recipient.objects.filter(case=case).count() == 2
    assert_no_text_in_events_or_mail()


def test_a_form_with_bad_input_keeps_the_text_and_shows_the_error_at_the_field(
    people: dict[str, User], browse: Callable[[str], Client], settings: Any
) -> None:
    memo = build(people, "under_review")
    settings.MARKING_CEILING = "SBU"
    typed = "(CUI) Above the ceiling {}.\r\n\r\n(U) Kept <b>as typed</b>."
    before, since = snapshot(), last_event_id()
    response = post(
        browse("rita"), case_url(memo, "reply-drafts"), {"body": typed, "base_version": "1"}
    )
    page = html(response)
    assert response.status_code == 400
    # Nothing changed; the page shown again with the text records that opening, truthfully.
    assert [e.type for e in new_events(since)] == [EventType.MESSAGE_OPENED]
    assert {**snapshot(), "events": 0} == {**before, "events": 0}
    assert 'id="reply-body-error"' in page and 'aria-invalid="true"' in page
    field = re.search(r'<textarea[^>]*id="reply-body"[^>]*>(.*?)</textarea>', page, re.S)
    assert field is not None
    assert field.group(1) == "(CUI) Above the ceiling {}.\n\n(U) Kept &lt;b&gt;as typed&lt;/b&gt;."
    # A redirection without a channel: the error sits at the channel select.
    memo = build(people, "submitted")
    response = post(
        browse("rita"),
        case_url(memo, "scope"),
        {"decision": "redirected", "note": f"(U) {SCOPE_SENTINEL}"},
    )
    page = html(response)
    assert response.status_code == 400
    assert 'id="scope-channel-error"' in page
    assert SCOPE_SENTINEL in page  # the note typed is kept
    assert case_of(memo).state == State.SUBMITTED


def test_a_malformed_version_number_is_refused_with_the_field_named(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "under_review")
    before, drafts = snapshot(), ReplyVersion.objects.count()
    # "²" is a digit to str.isdigit but not to int(); 5,000 digits are past int()'s limit
    for bad in ("\u00b2", "9" * 5000, "-1", "1.0"):
        response = post(
            browse("rita"), case_url(memo, "reply-drafts"), {"body": REPLY, "base_version": bad}
        )
        assert response.status_code == 400, bad
        assert "base_version must be a whole number" in html(response)
        response = post(browse("dana"), case_url(memo, "reply"), {"version": bad})
        assert response.status_code == 400, bad
        assert "version must be a whole number" in html(response)
    missing = post(browse("dana"), case_url(memo, "reply"), {"version": ""})
    assert missing.status_code == 400
    assert "version is missing: give a whole number" in html(missing)
    assert {**snapshot(), "events": 0} == {**before, "events": 0}  # pages shown: openings only
    assert ReplyVersion.objects.count() == drafts


def test_a_concurrent_reply_save_keeps_the_typed_text_and_moves_the_base(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "under_review")  # version 1 exists
    response = post(
        browse("dana"),
        case_url(memo, "reply-drafts"),
        {"body": "(U) Dana's own edit.", "base_version": "0"},
    )
    page = html(response)
    assert response.status_code == 409
    assert "Dana&#x27;s own edit." in page
    assert 'name="base_version" value="1"' in page  # the next save goes on top of version 1
    assert ReplyVersion.objects.filter(case_id=memo.id).count() == 1


def test_sending_an_unmarked_reply_is_refused_with_the_reason(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "under_review")
    post(
        browse("rita"),
        case_url(memo, "reply-drafts"),
        {"body": "No marks at all here.", "base_version": "1"},
    )
    response = post(browse("dana"), case_url(memo, "reply"), {"version": "2"})
    assert response.status_code == 400
    assert "mark" in html(response)
    assert case_of(memo).state == State.UNDER_REVIEW


# --------------------------------------------------------------------------- the queue


def test_queue_lists_cases_with_what_is_due_and_filters(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 15, tzinfo=UTC)):
        fresh = build(people, "submitted")  # long overdue now
    working = build(people, "distributed")
    build(people, "closed")
    do_assign(case_of(working), people["dana"], acting_user=people["dana"])
    page = html(browse("rita").get("/review/"))
    assert page.count(TITLE_SENTINEL) == 2  # the two open cases, not the closed one
    assert 'data-summary="awaiting_acknowledgment">1<' in page
    assert 'data-summary="unassigned">1<' in page
    assert "Acknowledgment overdue: was due 2026-03-04" in page and "Reply due" in page
    assert "<caption" in page and 'scope="col"' in page

    def listed(query: str) -> set[str]:
        found = re.findall(r'href="/review/([0-9a-f-]{36})/"', html(browse("rita").get(query)))
        return set(found)

    assert listed("/review/?state=submitted") == {str(fresh.id)}
    assert listed(f"/review/?officer={people['dana'].id}") == {str(working.id)}
    assert listed("/review/?officer=none") == {str(fresh.id)}
    assert listed("/review/?officer=me") == set()
    assert len(listed("/review/?state=all")) == 3
    assert listed("/review/?due=overdue") == {str(fresh.id)}
    assert 'data-summary="overdue">1<' in page
    assert listed("/review/?due=today") == set()
    assert browse("rita").get("/review/?state=draft").status_code == 400
    assert browse("rita").get("/review/?officer=nobody").status_code == 400
    assert browse("rita").get(f"/review/?officer={people['sam'].id}").status_code == 400
    # Auditors see the queue without titles.
    assert TITLE_SENTINEL not in html(browse("ian").get("/review/"))


def test_queue_orders_by_due_date_and_pages(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memos = []
    for day in (3, 1, 2):  # received on different days: different due dates
        with time_machine.travel(datetime(2026, 3, day, 15, tzinfo=UTC)):
            memos.append(build(people, "submitted"))
    build(people, "replied")  # nothing due: after the others
    ids = [str(m.id) for m in (memos[1], memos[2], memos[0])]

    def order(query: str) -> list[str]:
        page = html(browse("rita").get(query))
        return re.findall(r'href="/review/([0-9a-f-]{36})/"', page)

    assert order("/review/")[:3] == ids
    assert order("/review/?sort=-due")[:3] == ids[::-1]
    first = order("/review/?state=all")
    queue = pages.queue_page(
        pages.Relation.OFFICER, pages.QueueFilters(state="all", page=2), "", per_page=2
    )
    assert [str(r.memo_id) for r in queue.rows] == first[2:4]
    assert queue.total == pages.Tally(4) and not queue.has_next
    for bad in ("0", "\u00b2", "9" * 5000, str(2**63), "100001"):
        for path, who in (("/review/", "rita"), ("/review/reading/", "sam")):
            refused = browse(who).get(path, {"page": bad})
            assert refused.status_code == 400, (path, bad)
            assert "page must be a whole number from 1 to 100000" in html(refused)


def test_queue_htmx_answer_is_the_results_with_the_status_out_of_band(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    build(people, "submitted")
    response = browse("rita").get(
        "/review/?state=submitted", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results"
    )
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page and 'id="queue-results"' in page
    assert 'id="queue-status"' in page and 'hx-swap-oob="true"' in page


def test_counts_stop_at_the_cap(people: dict[str, User]) -> None:
    for _ in range(3):
        build(people, "submitted")
    rows = Case.objects.all()
    assert pages.tally(rows, cap=2) == pages.Tally(2, more=True)
    assert str(pages.tally(rows, cap=2)) == "2+"
    assert pages.tally(rows, cap=3) == pages.Tally(3)


# --------------------------------------------------------------------------- principals


def test_principal_reads_and_comments(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "distributed")
    sam = browse("sam")
    listing = html(sam.get("/review/reading/"))
    assert TITLE_SENTINEL in listing and "Secretary" in listing
    before = openings(memo)
    page = html(sam.get(f"/review/reading/{memo.id}/"))
    assert openings(memo) == before + 1
    assert page.count('class="dc-banner') == 2 and "DISSENT CHANNEL" in page
    assert "review/review.css" in page  # print styles: banners kept, navigation hidden
    assert "Bob" not in page  # names shown to the office only (the drafters' choice)
    assert "1 co-signer signed" in page
    since = last_event_id()
    response = post(sam, f"/review/reading/{memo.id}/comment", {"text": f"(U) {COMMENT_SENTINEL}"})
    assert response.status_code == 302
    assert [e.type for e in new_events(since)][-1] == EventType.COMMENT_ADDED
    assert COMMENT_SENTINEL in html(sam.get(f"/review/reading/{memo.id}/"))
    # An empty comment: 400, error at the field, nothing stored.
    response = post(sam, f"/review/reading/{memo.id}/comment", {"text": "  "})
    assert response.status_code == 400 and 'id="comment-text-error"' in html(response)
    assert Comment.objects.count() == 1
    # Pia, not a recipient, cannot comment; the office cannot comment (403).
    assert (
        post(browse("pia"), f"/review/reading/{memo.id}/comment", {"text": "x"}).status_code == 404
    )
    assert (
        post(browse("rita"), f"/review/reading/{memo.id}/comment", {"text": "x"}).status_code == 403
    )
    assert_no_text_in_events_or_mail()


def test_principal_sees_names_when_the_drafters_chose_so(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "distributed", names="principals")
    assert "Bob" in html(browse("sam").get(f"/review/reading/{memo.id}/"))


def test_comments_close_with_the_case(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "closed")
    page = html(browse("sam").get(f"/review/reading/{memo.id}/"))
    assert "comments are closed" in page
    assert (
        post(browse("sam"), f"/review/reading/{memo.id}/comment", {"text": "(U) x"}).status_code
        == 409
    )


# --------------------------------------------------------------------------- drafters' side


def test_drafter_panel_shows_status_recipients_access_log_and_reply(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "replied")
    do_add_recipient(
        case_of(memo), people["pia"], f"(U) {REASON_SENTINEL}", acting_user=people["dana"]
    )
    do_record_opening(memo, acting_user=people["sam"])
    page = html(browse("alice").get(f"/messages/{memo.id}/"))
    panel = page[page.index('id="review"') :]
    assert "With the review office" in panel and "Replied" in panel
    assert REASON_SENTINEL in panel and "extra recipient" in panel
    log = panel[panel.index("Who opened this message") :]
    assert "Sam" in log and "principal" in log
    assert REPLY_SENTINEL in panel  # the reply, rendered with its banners
    assert f'action="/review/{memo.id}/rejoinder"' in panel
    assert "Report reprisal or unauthorized disclosure" in page
    # Co-signers get the report link, not the review record.
    cosigner = html(browse("bob").get(f"/messages/{memo.id}/"))
    assert "Report reprisal" in cosigner and "With the review office" not in cosigner


def test_drafter_panel_shows_the_latest_openings_and_counts_the_rest(
    people: dict[str, User], browse: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The access log grows with every reading: the page lists only the latest and says how
    many there are."""
    memo = build(people, "distributed")
    for reader in ("rita", "sam", "dana"):
        do_record_opening(memo, acting_user=people[reader])
    monkeypatch.setattr(pages, "ACCESS_LOG_SHOWN", 2)
    page = html(browse("alice").get(f"/messages/{memo.id}/"))
    log = page[page.index("Who opened this message") :]
    log = log[: log.index("</section>")]
    # Alice's own opening of this page is the newest of the four.
    assert "The latest 2 of 4 are shown." in log
    assert "Alice" in log and "Dana" in log and "Sam" not in log and "Rita" not in log


def test_drafter_panel_names_the_channel_of_a_redirection(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "redirected")
    panel = html(browse("alice").get(f"/messages/{memo.id}/"))
    assert "Redirected: Equal Employment Opportunity office" in panel
    assert SCOPE_SENTINEL in panel


def test_rejoinder_once_through_the_pages(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "replied")
    alice = browse("alice")
    assert alice.get(case_url(memo, "rejoinder")).status_code == 200
    response = post(alice, case_url(memo, "rejoinder"), {"body": "Not marked."})
    assert response.status_code == 400 and "Not marked." in html(response)
    since = last_event_id()
    response = post(alice, case_url(memo, "rejoinder"), {"body": REJOINDER})
    assert response["Location"] == f"/messages/{memo.id}/"
    assert [e.type for e in new_events(since)] == [EventType.REJOINDER_SUBMITTED]
    before = snapshot()
    assert post(alice, case_url(memo, "rejoinder"), {"body": REJOINDER}).status_code == 409
    assert alice.get(case_url(memo, "rejoinder")).status_code == 409
    assert snapshot() == before
    assert post(browse("rita"), case_url(memo, "rejoinder"), {"body": REJOINDER}).status_code == 403
    assert "Tapir-rejoinder" in html(browse("rita").get(case_url(memo)))


def test_drafter_asks_for_a_meeting(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    memo = build(people, "acknowledged")
    response = post(browse("alice"), case_url(memo, "meetings"), {"note": "(U) Any day."})
    assert response["Location"] == f"/messages/{memo.id}/"
    assert Meeting.objects.filter(case_id=memo.id, requested_by=people["alice"]).exists()
    response = post(browse("alice"), case_url(memo, "meetings"), {"note": "again"})
    assert response.status_code == 409  # one open request at a time


def test_report_reprisal_from_a_draft_and_a_submitted_message(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    for stage in ("draft", "submitted"):
        memo = build(people, stage)
        for persona in ("alice", "bob"):
            client = browse(persona)
            assert client.get(case_url(memo, "report")).status_code == 200
            response = post(client, case_url(memo, "report"), {"kind": "reprisal", "text": ""})
            assert response.status_code == 400 and 'id="report-text-error"' in html(response)
            since = last_event_id()
            response = post(
                client,
                case_url(memo, "report"),
                {"kind": "unauthorized_disclosure", "text": "(U) It leaked."},
            )
            assert response["Location"] == f"/messages/{memo.id}/"
            assert [e.type for e in new_events(since)] == [EventType.REPRISAL_REPORTED]
        assert browse("oscar").get(case_url(memo, "report")).status_code == 404
    reports = html(browse("dana").get("/review/reprisal-reports/"))
    assert reports.count("Unauthorized disclosure") == 4
    report_id = re.findall(r'href="/review/reprisal-reports/([0-9a-f-]{36})/"', reports)[0]
    assert "It leaked." in html(browse("ian").get(f"/review/reprisal-reports/{report_id}/"))
    assert browse("rita").get(f"/review/reprisal-reports/{report_id}/").status_code == 404


def test_queue_rows_say_what_queries_due_of_says(people: dict[str, User]) -> None:
    """The queue computes each row's due date from plain values; it must agree with the
    review core's own answer (from the Case) for every state, on any day."""
    from dissent.review.calendar import today
    from dissent.review.queries import due_of

    cases = [
        case_of(build(people, stage))
        for stage in ("submitted", "acknowledged", "under_review", "replied", "redirected")
    ]
    for day in (today(), date(2026, 1, 2), date(2031, 7, 4)):
        with time_machine.travel(datetime(day.year, day.month, day.day, 17, tzinfo=UTC)):
            queue = pages.queue_page(
                pages.Relation.OFFICER, pages.QueueFilters(state="all"), "", per_page=50
            )
        rows = {r.memo_id: r for r in queue.rows}
        assert set(rows) == {c.memo_id for c in cases}
        for case in cases:
            assert rows[case.memo_id].due == due_of(case, on=day), (case.state, day)


def test_several_counts_in_one_query(people: dict[str, User]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for stage in ("submitted", "submitted", "closed"):
        build(people, stage)
    cases = Case.objects.order_by()
    with CaptureQueriesContext(connection) as queries:
        counts = pages.tallies(
            {
                "submitted": cases.filter(state=State.SUBMITTED),
                "closed": cases.filter(state=State.CLOSED),
                "nothing": cases.none(),
                "all": cases.order_by("-received_at"),
            },
            cap=2,
        )
    assert len(queries) == 1
    assert counts == {
        "submitted": pages.Tally(2),
        "closed": pages.Tally(1),
        "nothing": pages.Tally(0),
        "all": pages.Tally(2, more=True),
    }


@pytest.mark.parametrize("meeting", ["none", "open", "held"])
def test_allowed_actions_from_meetings_read_already_agree_with_the_database(
    people: dict[str, User], meeting: str
) -> None:
    """The pages hand allowed_actions the meetings they read anyway; it must then answer as
    when it asks the database itself, for every viewer."""
    from dissent.review import queries
    from dissent.review.access import access_case_for
    from dissent.review.actions import do_record_meeting, do_request_meeting

    memo = build(people, "under_review")
    if meeting != "none":
        asked = do_request_meeting(case_of(memo), "(U) Talk?", acting_user=people["alice"])
        if meeting == "held":
            do_record_meeting(
                asked, held_on=date(2026, 1, 5), outcome="(U) Done.", acting_user=people["rita"]
            )
    for persona in ("alice", "rita", "dana", "sam", "ian"):
        access = access_case_for(people[persona], memo.id)
        read = queries.meetings_of(access.case)
        by_itself = queries.allowed_actions(access)
        assert queries.allowed_actions(access, meetings=read) == by_itself, persona
        if persona in ("alice", "rita"):
            assert ("request_meeting" in by_itself) == (meeting != "open"), persona
        if persona == "rita":
            assert ("record_meeting" in by_itself) == (meeting == "open")


def test_the_pages_read_the_meetings_once_and_the_reading_page_not_at_all(
    people: dict[str, User], browse: Callable[[str], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    memo = build(people, "under_review")
    for persona, path, reads in (
        ("dana", f"/review/{memo.id}/", 1),
        ("alice", f"/messages/{memo.id}/", 1),
        ("sam", f"/review/reading/{memo.id}/", 0),
    ):
        with CaptureQueriesContext(connection) as done:
            assert browse(persona).get(path).status_code == 200
        meetings = [q for q in done.captured_queries if 'FROM "review_meeting"' in q["sql"]]
        assert len(meetings) == reads, (persona, [q["sql"] for q in meetings])


def test_the_latest_reply_draft_is_rendered_only_for_whoever_may_approve_it(
    people: dict[str, User], browse: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Officers edit the draft's text; only the office head sees it rendered, to approve it.
    A reply of up to 200 KB is not rendered for a page that does not show it."""
    from dissent.lib import markdown

    rendered: list[str] = []
    real = markdown.render

    def counting(source: str) -> str:
        rendered.append(source)
        return real(source)

    monkeypatch.setattr(markdown, "render", counting)
    memo = build(people, "under_review")
    officer = html(browse("rita").get(f"/review/{memo.id}/"))
    assert REPLY_SENTINEL in officer  # in the textarea, as typed
    assert not [s for s in rendered if REPLY_SENTINEL in s]
    head = html(browse("dana").get(f"/review/{memo.id}/"))
    assert "Approve and send version 1" in head
    assert len([s for s in rendered if REPLY_SENTINEL in s]) == 1
    assert f"<p>(U) We have read your message {REPLY_SENTINEL}.</p>" in head
