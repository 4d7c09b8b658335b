"""Signing in through the real pages in Debian Chromium: password, then the authenticator
code for a role that requires MFA; axe-core on every page on the way; keyboard access."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
import time_machine
from oidc_provider_mock import User as IdpUser
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import Page, expect

from dissent.accounts.roles import Role
from dissent.events.models import Event
from dissent.events.types import EventType
from tests.browser.conftest import ConsoleProblems, assert_accessible
from tests.conftest import PASSWORD, make_user, totp_code

pytestmark = pytest.mark.browser


def fill_password_form(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def start_of_totp_window() -> datetime:
    """One second into the current 30-second TOTP window: a code typed from here on stays
    valid for the rest of the flow, whatever the wall clock says."""
    now = int(time.time())
    return datetime.fromtimestamp(now - now % 30 + 1, tz=UTC)


def test_review_officer_signs_in_with_password_and_totp(
    browser_page: Page, base_url: str, transactional_db: None
) -> None:
    rita = make_user("rita", Role.REVIEW_OFFICER)  # has an authenticator app
    page = browser_page

    page.goto("/accounts/login/")
    expect(page).to_have_title(re.compile(r"^Sign in · Dissent Channel"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    fill_password_form(page, "rita@example.org")
    page.wait_for_url(f"{base_url}/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    assert_accessible(page)
    assert not Event.objects.filter(type=EventType.LOGIN, actor=rita).exists()

    with time_machine.travel(start_of_totp_window(), tick=True):
        page.get_by_label("Code", exact=True).fill(totp_code())
        page.get_by_role("button", name="Sign in").first.click()
        page.wait_for_url(f"{base_url}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Rita")
    expect(page.get_by_role("region", name="Your account")).to_contain_text("Role: Review officer")
    assert_accessible(page)
    assert Event.objects.filter(
        type=EventType.LOGIN, actor=rita, payload={"method": "password"}
    ).exists()

    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Account and security"
    ).click()
    page.wait_for_url(f"{base_url}/accounts/security/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account and security")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Two-factor authentication")).click()
    page.wait_for_url(f"{base_url}/accounts/2fa/")
    expect(page.get_by_role("heading", name="Authenticator App")).to_be_visible()
    assert_accessible(page)


def test_staff_member_without_mfa_goes_straight_home(
    browser_page: Page, base_url: str, transactional_db: None
) -> None:
    make_user("alice", Role.STAFF)
    page = browser_page
    page.goto("/accounts/login/")

    # A wrong password first: the error is announced, tied to the form, and accessible.
    fill_password_form(page, "alice@example.org", "not the password at all")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not correct")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    fill_password_form(page, "alice@example.org")
    page.wait_for_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice")
    expect(page.get_by_role("region", name="Your account")).to_contain_text("Role: Staff member")
    assert_accessible(page)


def test_single_sign_on_through_the_idp_in_a_real_browser(
    browser_page: Page,
    base_url: str,
    console_problems: ConsoleProblems,
    transactional_db: None,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    """The browser enforces CSP form-action on the redirect that follows the SSO form post:
    settings.py lists the IdP origin there. Without it the browser stops at our page."""
    people = [IdpUser(sub="erin", claims={"email": "erin@example.org", "name": "Erin E."})]
    with run_server_in_thread(user_claims=people) as server:
        idp = f"http://localhost:{server.server_port}"
        settings.OIDC_ENABLED = True
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
                "APPS": [
                    {
                        "provider_id": "sso",
                        "name": "Agency sign-on",
                        "client_id": "dissent-browser-test",
                        "secret": "not-checked-by-the-mock",
                        "settings": {"server_url": idp},
                    }
                ],
            }
        }
        page = browser_page
        page.goto("/accounts/login/")
        sso_button = page.get_by_role("button", name="Sign in with Agency sign-on")
        assert_accessible(page)  # the login page with its SSO button

        with page.expect_console_message(lambda m: "form-action" in m.text):
            sso_button.click()
        assert page.url.startswith(base_url)
        console_problems.csp.clear()  # the expected refusal

        policy = settings.CONTENT_SECURITY_POLICY
        settings.CONTENT_SECURITY_POLICY = {
            **policy,
            "DIRECTIVES": {
                **policy["DIRECTIVES"],
                "form-action": [*policy["DIRECTIVES"]["form-action"], idp],
            },
        }
        page.goto("/accounts/login/")
        sso_button.click()
        page.wait_for_url(f"{idp}/oauth2/authorize?**")
        page.get_by_role("button", name="erin").click()
        page.wait_for_url(f"{base_url}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Erin E.")
    assert Event.objects.filter(type=EventType.LOGIN, payload={"method": "sso"}).count() == 1


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    browser_page: Page, transactional_db: None
) -> None:
    page = browser_page
    page.goto("/accounts/login/")
    skip = page.get_by_role("link", name="Skip to main content")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # USWDS shows it on focus for sighted keyboard users

    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    # The next Tab continues inside main: the first field of the form, not the header.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email", exact=True)).to_be_focused()


def test_the_page_checks_catch_what_they_are_for(
    browser_page: Page, console_problems: ConsoleProblems, transactional_db: None
) -> None:
    """The axe and CSP checks above would pass vacuously if they were broken: break a page
    on purpose and watch both complain."""
    page = browser_page
    page.goto("/accounts/login/")

    page.evaluate(
        "() => { document.querySelector('main').append(document.createElement('button')); }"
    )
    with pytest.raises(pytest.fail.Exception, match="button-name"):
        assert_accessible(page)

    for injected in (
        "const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
        " document.body.append(s);",
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<p style=\"color: red\">inline style</p>');",
    ):
        with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
            page.evaluate(f"() => {{ {injected} }}")
    assert page.evaluate("() => window.pwned") is None
    assert len(console_problems.csp) == 2
    console_problems.csp.clear()  # seen and expected: don't fail the test at teardown
