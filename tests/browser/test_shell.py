"""Journeys through the application shell: sign-in, workbench, unit scope and language choice."""

import re

from django.utils import translation

from accounts.models import Role, User
from conftest import PASSWORD
from tests.browser.conftest import assert_no_horizontal_scroll, login, screenshot

LOGIN_PATH = "/accounts/login/"


def _path(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def test_anonymous_visitor_is_sent_to_a_chinese_login_page(page, live_server):
    response = page.goto(f"{live_server.url}/")

    assert response.ok
    assert _path(page).startswith(f"{LOGIN_PATH}?next=/"), page.url
    screenshot(page, "shell-login")
    # Chromium announces zh-CN here, but the UI must be Chinese without relying on Accept-Language.
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#id_username").is_visible()
    assert page.locator("#id_password").is_visible()
    assert "登录" in page.locator("form:has(#id_password) button[type=submit]").inner_text()
    assert "登录" in page.title()
    assert_no_horizontal_scroll(page)


def test_anonymous_login_page_ignores_an_english_accept_language(browser, live_server, transactional_db):
    context = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    try:
        en_page = context.new_page()
        en_page.goto(f"{live_server.url}{LOGIN_PATH}")
        assert en_page.locator("html").get_attribute("lang") == "zh-CN"
        assert "登录" in en_page.content()
    finally:
        context.close()


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page, live_server, squad_leader):
    login(page, live_server, "squad_leader", "not-the-password")

    assert _path(page).startswith(LOGIN_PATH), page.url
    error = page.locator(".alert-danger")
    assert error.is_visible()
    assert error.inner_text().strip()
    # The username is kept, the password is not echoed back.
    assert page.input_value("#id_username") == "squad_leader"
    assert page.input_value("#id_password") == ""
    assert page.locator("nav.navbar").count() == 0


def test_squad_leader_lands_on_the_workbench(page, live_server, org, squad_leader):
    login(page, live_server, "squad_leader", PASSWORD)
    screenshot(page, "shell-workbench-squad-leader")

    assert _path(page) == "/", page.url
    assert page.locator("h1").inner_text().strip() == "工作台"
    roles = page.locator("#my-roles").inner_text()
    assert org.a1.name in roles
    with translation.override("zh-hans"):
        role_label = str(Role.UNIT_LEADER.label)
    assert role_label in roles
    # The navbar shows who is signed in.
    assert "squad_leader" in page.locator("#current-user").inner_text()
    assert_no_horizontal_scroll(page)


def test_squad_leader_sees_only_their_own_squad(page, live_server, org, squad_leader):
    login(page, live_server, "squad_leader", PASSWORD)

    response = page.goto(f"{live_server.url}/org/units/")
    assert response.status == 200
    table = page.locator("table").inner_text()
    assert org.a1.name in table
    assert org.b1.name not in table
    assert org.a.name not in page.locator("table tbody td:first-child").all_inner_texts()
    assert_no_horizontal_scroll(page)

    # Chromium logs the 404 status of the document as a console error; that is the expected outcome.
    page.allow_console_error(r"status of 404")
    response = page.goto(f"{live_server.url}/org/units/{org.b1.pk}/")
    assert response.status == 404
    assert org.b1.name not in page.content()


def test_language_choice_is_remembered_on_the_user(page, live_server, squad_leader):
    login(page, live_server, "squad_leader", PASSWORD)
    assert page.locator("h1").inner_text().strip() == "工作台"

    with page.expect_navigation():
        page.select_option("nav select[name=language]", "en")
    page.wait_for_load_state("load")

    assert _path(page) == "/", page.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().strip() == "Workbench"
    squad_leader.refresh_from_db()
    assert squad_leader.preferred_language == "en"

    page.click("#current-user")  # the user menu holds "sign out"
    logout_button = page.locator("nav form[action$='/accounts/logout/'] button[type=submit]")
    assert logout_button.inner_text().strip() == "Sign out"
    with page.expect_navigation():
        logout_button.click()
    page.wait_for_load_state("load")
    assert _path(page).startswith(LOGIN_PATH), page.url
    assert page.locator("nav.navbar").count() == 0

    # Forget the language cookie too: only the choice saved on the user can bring English back.
    page.context.clear_cookies()
    login(page, live_server, "squad_leader", PASSWORD)
    assert _path(page) == "/", page.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().strip() == "Workbench"
    assert User.objects.get(username="squad_leader").preferred_language == "en"
    screenshot(page, "shell-workbench-english")
