"""Shared fixtures for browser tests: Debian Chromium driven by Playwright against
pytest-django's live server on http://localhost (WebAuthn refuses 127.0.0.1 origins).

Use them like this::

    @pytest.mark.browser
    def test_something(browser_page, base_url, transactional_db):
        user = make_user("alice", Role.STAFF)   # after transactional_db: the live server
        browser_page.goto(f"{base_url}/accounts/login/")   # sees committed rows only
        ...
        assert_accessible(browser_page)

The page runs under the site's real Content-Security-Policy (no bypass), and every test
using `browser_page` fails if the browser reports a CSP violation or an uncaught script
error: that is the proof that no page relies on inline script or style.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from tests.conftest import need_chromium

# Playwright's sync API keeps an asyncio loop running in the test thread, and Django refuses
# ORM calls from a thread with a running loop. The ORM calls here are plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Debian Chromium per test module. Module scope, not session: Playwright's running
    event loop must not outlive the browser tests and leak into the rest of the suite."""
    executable = need_chromium()
    driver = sync_playwright().start()
    try:
        browser = driver.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        driver.stop()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2 at full strength costs about a second per hash on a busy machine, in the test
    # and again in the live server; the hasher is not what browser tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def base_url(live_server) -> str:  # type: ignore[no-untyped-def]
    """The live server as http://localhost:PORT (pytest-django binds `localhost`)."""
    url = str(live_server.url)
    assert url.startswith("http://localhost:"), f"browser tests need host localhost, got {url}"
    return url


class ConsoleProblems:
    """What the browser complained about on our own pages while the test ran (pages of other
    origins, such as a mock identity provider, are not ours to judge)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.csp: list[str] = []
        self.errors: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        page_url = message.page.url if message.page else ""
        if not page_url.startswith(self.origin):
            return
        text = f"{page_url}: {message.text} ({message.location.get('url', '')})"
        if "Content Security Policy" in message.text:
            self.csp.append(text)
        elif message.type == "error":
            self.errors.append(text)

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
def console_problems(base_url: str) -> ConsoleProblems:
    return ConsoleProblems(base_url)


def _loopback_only(route: Route) -> None:
    # No test may reach the internet; a page that tries (a CDN, say) gets a failed load,
    # which shows up as a console error on our pages.
    if urlsplit(route.request.url).hostname in ("localhost", "127.0.0.1", "::1"):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def browser_page(
    chromium: Browser, base_url: str, console_problems: ConsoleProblems
) -> Iterator[Page]:
    """A fresh browser profile (no cookies) on the live server, CSP enforced."""
    context = chromium.new_context(base_url=base_url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", _loopback_only)
    page = context.new_page()
    page.on("console", console_problems.on_console)
    page.on("pageerror", console_problems.on_page_error)
    try:
        yield page
        assert not console_problems.csp, "CSP violations:\n" + "\n".join(console_problems.csp)
        assert not console_problems.errors, "browser errors:\n" + "\n".join(console_problems.errors)
    finally:
        context.close()


def assert_accessible(page: Page) -> None:
    """Runs axe-core on the current page; fails listing every serious or critical WCAG 2.1
    A/AA violation.

    axe is evaluated through the DevTools protocol (page.evaluate), which the page's CSP does
    not govern, instead of page.add_script_tag, which inserts an inline <script> that the
    strict CSP (rightly) blocks. So the page under test keeps its real CSP and we still see
    every violation the site itself causes."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + n.failureSummary),
                }));
        }""",
        AXE_TAGS,
    )
    if violations:
        lines = [f"axe-core found {len(violations)} serious/critical violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.extend(f"    {node}" for node in violation["nodes"])
        pytest.fail("\n".join(lines))
