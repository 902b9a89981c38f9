"""Fixtures and helpers for browser journeys driven by the Debian Chromium through Playwright.

Every test collected under tests/browser is automatically:
  * marked `browser`,
  * run against a transactional database (the live server answers from another thread),
  * skipped with a reason when /usr/bin/chromium or the playwright package is missing.

One Chromium serves the whole run of browser tests (`browser` is session-scoped). Playwright's sync
API keeps an asyncio loop running in the main thread while it is alive, which makes Django refuse
ORM calls ("You cannot call this from an async context") unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
So the variable is set only while Chromium runs, and Chromium is shut down as soon as the next test
is not a browser test: the rest of the suite never sees the loop or the variable (a process-wide
variable would leak into subprocesses, e.g. the deploy check fails with async.E001).

The `page` fixture records console errors, uncaught page errors and requests leaving the machine,
and fails the test at teardown when any of them occurred. A test that provokes an expected console
error (e.g. opening a page that answers 404) declares it with `page.allow_console_error("...")`.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ASYNC_UNSAFE_VARIABLE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
LOCALE = "zh-CN"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Console errors caused by known, reported defects of the application (not of a test). Each entry
# names its fix; delete the entry once the fix is in, so the check becomes strict again.
KNOWN_APP_CONSOLE_ERRORS: list[re.Pattern] = []
# Milliseconds; a page of this app renders in well under a second locally.
DEFAULT_TIMEOUT_MS = 10_000

BROWSER_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BROWSER_DIR.parent.parent
SCREENSHOT_DIR = PROJECT_DIR / "var" / "screenshots"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "the playwright Python package cannot be imported"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} does not exist (install the Debian chromium package)"
    return None


def _is_browser_test(item) -> bool:
    return item is not None and BROWSER_DIR in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config, items):
    """Mark, and if need be skip, every test that lives under tests/browser."""
    reason = _skip_reason()
    for item in items:
        if not _is_browser_test(item):
            continue
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


class SharedChromium:
    """The Debian Chromium, launched on first use and shut down by `stop()`.

    Attribute access is delegated to the Playwright Browser, (re)launching it when needed, so the
    session-scoped `browser` fixture stays valid even if non-browser tests run in between.
    """

    def __init__(self):
        self._playwright = None
        self._browser = None
        self._saved_variable = None

    def _start(self):
        self._saved_variable = os.environ.get(ASYNC_UNSAFE_VARIABLE)
        os.environ[ASYNC_UNSAFE_VARIABLE] = "true"
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Exception:
            self._playwright.stop()
            self._playwright = None
            self._restore_variable()
            raise

    def stop(self):
        if self._playwright is None:
            return
        try:
            self._browser.close()
        finally:
            self._playwright.stop()
            self._playwright = self._browser = None
            self._restore_variable()

    def _restore_variable(self):
        if self._saved_variable is None:
            os.environ.pop(ASYNC_UNSAFE_VARIABLE, None)
        else:
            os.environ[ASYNC_UNSAFE_VARIABLE] = self._saved_variable

    def __getattr__(self, name):
        if self._browser is None:
            self._start()
        return getattr(self._browser, name)


_CHROMIUM = SharedChromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the fixtures of a browser test are torn down, stop Chromium unless another follows."""
    try:
        return (yield)
    finally:
        if not _is_browser_test(nextitem):
            _CHROMIUM.stop()


@pytest.fixture(scope="session")
def browser():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    yield _CHROMIUM
    _CHROMIUM.stop()


def _is_external(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https", "ws", "wss"}:
        return False  # data:, blob:, about:, chrome-extension: never leave the machine
    return (parts.hostname or "") not in LOCAL_HOSTS


@pytest.fixture
def page(browser, transactional_db, live_server):
    """A fresh browser context and page (1366x768, zh-CN) that records what must not happen.

    Attributes added to the Playwright page:
      console_errors     console messages of type "error" and uncaught page errors (strings)
      external_requests  URLs of requests to any host other than 127.0.0.1/localhost
      allow_console_error(pattern)  ignore console errors matching this regular expression
    """
    context = browser.new_context(viewport=VIEWPORT, locale=LOCALE)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []
    page.external_requests = []
    page.allowed_console_errors = list(KNOWN_APP_CONSOLE_ERRORS)

    def allow_console_error(pattern: str) -> None:
        page.allowed_console_errors.append(re.compile(pattern))

    def on_console(message):
        if message.type == "error":
            location = message.location or {}
            page.console_errors.append(f"console: {message.text} ({location.get('url', '')})")

    def on_page_error(error):
        page.console_errors.append(f"pageerror: {error}")

    def on_request(request):
        if _is_external(request.url):
            page.external_requests.append(request.url)

    page.allow_console_error = allow_console_error
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("request", on_request)

    yield page

    context.close()
    unexpected = [
        error
        for error in page.console_errors
        if not any(pattern.search(error) for pattern in page.allowed_console_errors)
    ]
    assert not unexpected, f"console errors in the browser: {unexpected}"
    assert not page.external_requests, f"requests left the machine: {page.external_requests}"


# --- Helpers ----------------------------------------------------------------------------------


def login(page, live_server, username: str, password: str, next_path: str = "") -> None:
    """Open the login page, submit the credentials and wait for the resulting page to load."""
    url = f"{live_server.url}/accounts/login/"
    if next_path:
        url += f"?next={next_path}"
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_load_state("load")


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG as var/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_horizontal_scroll(page) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, (
        f"horizontal scroll on {page.url}: content is {scroll_width}px wide, window {inner_width}px"
    )
