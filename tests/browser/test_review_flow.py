"""From submission to closure through the real review pages in Debian Chromium: rita (review
officer) finds the message in the queue, acknowledges it, finds it in scope and distributes
it; sam (principal) reads it in his reading list, prints it and comments; rita drafts the
reply; dana (office head) approves and sends it; alice (drafter) reads the reply and her
access log and writes a rejoinder; rita closes the case. Officers and principals sign in
with password and TOTP. axe-core on every page, and no CSP violation anywhere."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.types import EventType
from dissent.memos.states import State
from dissent.review.actions import do_add_distribution_entry
from dissent.review.models import Case, Comment, Rejoinder
from tests.browser.conftest import TIMEOUT_MS, ConsoleProblems, assert_accessible
from tests.conftest import PASSWORD, make_user, totp_code
from tests.memos.helpers import TEXT
from tests.review.helpers import submitted

pytestmark = pytest.mark.browser

TITLE = TEXT["title"]
REPLY = (
    "(U) The review office has read your message with care.\n\n"
    "(U) The policy will be reviewed at the next planning meeting."
)
COMMENT = "(U) Worth discussing with the regional bureaus."
REJOINDER = "(U) Thank you; we ask to be heard at that meeting."


def start_of_totp_window() -> datetime:
    """One second into the current 30-second TOTP window, so the code typed stays valid."""
    now = int(time.time())
    return datetime.fromtimestamp(now - now % 30 + 1, tz=UTC)


def sign_in(page: Page, email: str, *, totp: bool) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if totp:
        expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
        # Each persona signs in once, so allauth's replay guard (one use per user and code)
        # never sees the same code twice for a user.
        with time_machine.travel(start_of_totp_window(), tick=True):
            page.get_by_label("Code", exact=True).fill(totp_code())
            page.get_by_role("button", name="Sign in").first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    else:
        expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name=name, exact=True
    ).click()


def done(page: Page, text: str) -> None:
    """The success message after a form, then axe on the page it lands on."""
    expect(page.get_by_text(text).first).to_be_visible()
    assert_accessible(page)


@pytest.fixture
def open_page(
    chromium: Browser, base_url: str, console_problems: ConsoleProblems
) -> Iterator[object]:
    """More people's browsers: each its own profile and cookies, the same CSP watch."""
    contexts = []

    def make() -> Page:
        context = chromium.new_context(base_url=base_url, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", console_problems.on_console)
        page.on("pageerror", console_problems.on_page_error)
        return page

    yield make
    for context in contexts:
        context.close()


def test_from_submission_to_closure_through_the_pages(
    browser_page: Page,
    open_page,
    base_url: str,
    transactional_db: None,  # type: ignore[no-untyped-def]
) -> None:
    alice = make_user("alice", Role.STAFF)
    bob = make_user("bob", Role.STAFF)
    rita = make_user("rita", Role.REVIEW_OFFICER)
    make_user("dana", Role.OFFICE_HEAD)
    sam = make_user("sam", Role.PRINCIPAL)
    do_add_distribution_entry(sam, "Secretary", position=1, acting_user=None)
    memo = submitted(alice, bob, names="principals")
    case_path = f"/review/{memo.id}/"

    # rita: the queue shows what is due, and filters in place (htmx)
    officer = browser_page
    sign_in(officer, "rita@example.org", totp=True)
    nav(officer, "Review queue")
    expect(officer.get_by_role("heading", level=1)).to_have_text("Review queue")
    expect(officer.locator("[data-summary=awaiting_acknowledgment]")).to_have_text("1")
    expect(officer.get_by_role("row", name=re.compile(re.escape(TITLE)))).to_contain_text(
        "Acknowledgment due"
    )
    assert_accessible(officer)
    officer.get_by_label("State").select_option("closed")
    expect(officer.locator("#queue-status")).to_have_text("No cases matching these filters.")
    officer.get_by_label("State").select_option("submitted")
    expect(officer.locator("#queue-status")).to_contain_text("Showing cases 1 to 1 of 1")
    assert "state=submitted" in officer.url  # the filtered view has its own address
    assert_accessible(officer)

    # rita opens the case: banners top and bottom, the opening recorded
    officer.get_by_role("link", name=TITLE).click()
    officer.wait_for_url(f"{base_url}{case_path}")
    expect(officer.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(officer.locator("#message .dc-banner")).to_have_count(2)
    assert_accessible(officer)
    officer.get_by_role("button", name="Acknowledge receipt").click()
    done(officer, "Receipt acknowledged. The drafters have been told.")
    # USWDS draws its own radio: the person clicks the label, as here.
    officer.locator("label[for=decision-in-scope]").click()
    expect(
        officer.get_by_label("In scope: a policy matter for the Dissent Channel")
    ).to_be_checked()
    officer.get_by_role("button", name="Record the decision").click()
    done(officer, "Decided: in scope.")
    expect(officer.get_by_text("Secretary — Sam")).to_be_visible()
    officer.get_by_role("button", name="Distribute", exact=True).click()
    done(officer, "Distributed to 1 principal.")
    expect(officer.locator("#case-state")).to_have_text("Distributed")

    # sam reads it in his reading list, in print too, and comments
    principal = open_page()
    sign_in(principal, "sam@example.org", totp=True)
    nav(principal, "Reading list")
    expect(principal.get_by_role("row", name=re.compile(re.escape(TITLE)))).to_contain_text(
        "Secretary"
    )
    assert_accessible(principal)
    principal.get_by_role("link", name=TITLE).click()
    expect(principal.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(principal.get_by_text("Bob", exact=True)).to_be_visible()  # the drafters allowed it
    assert_accessible(principal)
    principal.emulate_media(media="print")
    expect(principal.locator("header.usa-header")).to_be_hidden()
    expect(principal.get_by_role("button", name="Send comment")).to_be_hidden()
    expect(principal.locator("#message .dc-banner").first).to_be_visible()
    expect(principal.locator("#message .dc-banner").last).to_be_visible()
    principal.emulate_media(media="screen")
    principal.get_by_label("Comment", exact=True).fill(COMMENT)
    principal.get_by_role("button", name="Send comment").click()
    done(principal, "Your comment has been sent to the review office.")
    assert Comment.objects.filter(case_id=memo.id, author=sam).count() == 1

    # rita sees the comment, starts the review and drafts the reply
    officer.reload()
    expect(officer.get_by_role("region", name="Principals' comments")).to_contain_text(
        "Worth discussing"
    )
    officer.get_by_role("button", name="Start the review and draft the reply").click()
    done(officer, "Review started.")
    officer.get_by_label("Reply (Markdown)").fill("The review office has read it.")
    officer.get_by_role("button", name="Save reply draft").click()
    done(officer, "Saved reply draft version 1.")
    expect(officer.get_by_text("not fully marked")).to_be_visible()
    officer.get_by_label("Reply (Markdown)").fill(REPLY)
    officer.get_by_role("button", name="Save reply draft").click()
    done(officer, "Saved reply draft version 2.")

    # dana, the office head, approves and sends it
    head = open_page()
    sign_in(head, "dana@example.org", totp=True)
    head.goto(case_path)
    expect(head.get_by_role("heading", name="Approve and send reply version 2")).to_be_visible()
    assert_accessible(head)
    head.get_by_role("button", name="Approve and send version 2").click()
    done(head, "Reply version 2 approved and sent to the drafters.")
    expect(head.locator("#case-state")).to_have_text("Replied")

    # alice reads the reply and who opened her message, and answers once
    drafter = open_page()
    sign_in(drafter, "alice@example.org", totp=False)
    nav(drafter, "My messages")
    drafter.get_by_role("link", name=TITLE).click()
    review = drafter.get_by_role("region", name="With the review office")
    expect(review).to_contain_text("Replied")
    expect(review).to_contain_text("The policy will be reviewed at the next planning meeting.")
    log = drafter.get_by_role("table", name="Who opened this message")
    expect(log).to_contain_text("Rita")
    expect(log).to_contain_text("Sam")
    expect(log).to_contain_text("Dana")
    assert_accessible(drafter)
    drafter.get_by_label("Rejoinder (Markdown)").fill(REJOINDER)
    drafter.get_by_role("button", name="Send the rejoinder").click()
    done(drafter, "Your rejoinder has been sent to the review office.")
    expect(drafter.get_by_role("heading", name=re.compile("^Your rejoinder"))).to_be_visible()
    assert Rejoinder.objects.filter(case_id=memo.id, author=alice).exists()

    # rita reads the rejoinder and closes the case
    officer.reload()
    expect(officer.get_by_role("region", name=re.compile("rejoinder"))).to_contain_text(
        "we ask to be heard"
    )
    officer.get_by_role("button", name="Close the case").click()
    done(officer, "The case is closed.")
    expect(officer.locator("#case-state")).to_have_text("Closed")
    drafter.reload()
    expect(drafter.locator("#review-state")).to_have_text("Closed")

    case = Case.objects.get(memo_id=memo.id)
    assert (case.state, case.acknowledged_by_id) == (State.CLOSED, rita.id)
    opened_by = set(
        Event.objects.filter(type=EventType.MESSAGE_OPENED, subject_id=str(memo.id)).values_list(
            "actor__email", flat=True
        )
    )
    # Every opening of the submitted text is recorded, the drafter's own included.
    assert opened_by == {
        "rita@example.org",
        "sam@example.org",
        "dana@example.org",
        "alice@example.org",
    }
