"""The main journey of every role in Chromium, through the real pages (clicks and form fills; services
only arrange what comes before the journey), and a tour of every menu entry of the committee and of a
supervisor.

Every test gets the `page` fixture of tests/browser/conftest.py, which fails it at teardown on any console
error and on any request leaving 127.0.0.1. Every main page visited is checked at 1366x768 for a
horizontal scroll bar and saved under var/screenshots/journey-*.png.

The dual-handover rectification journey (issue → both acknowledgements → item → reject → close-out) is
in test_rectification_journey.py; the supervisor's journey here ends where that one starts: the notice
is issued to both recipients.
"""

import io
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from accounts.models import BusinessArea
from audit.models import AuditEvent
from cases.models import Case, CasePerson, Liability
from cases.tests.factories import build_chain
from conftest import PASSWORD
from ratings.models import RatingRound
from ratings.tests import conftest as rating_fixtures
from rectification.models import Handover, RectificationNotice
from risk.models import Alert, AlertVerification, CircuitBreak, RestoreRequest
from risk.tests.alert_factories import make_alert, make_model
from supervision.models import Evidence, Finding, FindingCategory, Inspection
from supervision.services import clue_transfer
from supervision.tests.factories import make_finding
from tests.browser.conftest import assert_no_horizontal_scroll, login, screenshot

# A proposed rating round of 2026 (squads A1, A2 and B1 rated), as in the ratings tests.
distinct_scores = rating_fixtures.distinct_scores
draft = rating_fixtures.draft
proposed = rating_fixtures.proposed


# --- helpers ------------------------------------------------------------------------------------------


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def sign_out(page):
    page.click("#current-user")  # the user menu holds "sign out"
    with page.expect_navigation():
        page.click("nav form[action$='/accounts/logout/'] button[type=submit]")


def sign_in(page, live_server, username):
    """Sign out whoever is signed in, sign in as `username` and land on the workbench."""
    if page.locator("nav.navbar").count():
        sign_out(page)
    login(page, live_server, username, PASSWORD)
    assert path_of(page) == "/", page.url
    assert page.locator("nav.navbar").count() == 1


def open_menu_entry(page, href: str):
    """Follow a navbar entry as a user does: open its dropdown if it is in one, then click it."""
    link = page.locator(f"#main-nav a[href='{href}']").first
    if not link.is_visible():
        page.locator(f"#main-nav li.dropdown:has(a[href='{href}']) > a.dropdown-toggle").click()
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("load")
    assert path_of(page).split("?")[0] == href, page.url


def click_through(page, selector: str):
    with page.expect_navigation():
        page.locator(selector).first.click()
    page.wait_for_load_state("load")


def submit(page, form_selector: str):
    click_through(page, f"{form_selector} button[type=submit]")


def check_page(page, name: str):
    """A main page: fits 1366 px without a horizontal scroll bar, and is kept as a screenshot."""
    screenshot(page, f"journey-{name}")
    assert_no_horizontal_scroll(page)


def success_message(page) -> str:
    return " ".join(page.locator("main .alert-success").all_inner_texts())


def image_file(tmp_path, name: str, image_format: str, colour: tuple) -> str:
    """A small real photo (JPEG or PNG), made here, on disk for the file chooser."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, format=image_format)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return str(path)


# --- the supervisor: an inspection with photos, then a notice issued ----------------------------------


def test_supervisor_files_an_inspection_with_photos_and_issues_a_notice(
    page, live_server, tmp_path, org, supervisor, party_secretary, business_lead
):
    sign_in(page, live_server, "supervisor")

    # the inspection, from the menu
    open_menu_entry(page, "/supervision/inspections/")
    check_page(page, "supervisor-1-inspections")
    click_through(page, "a[href='/supervision/inspections/new/']")
    page.select_option("select[name=kind]", "unannounced")
    page.select_option("select[name=layer]", "functional")
    page.fill("input[name=inspection_date]", "2026-11-20")
    page.fill("input[name=theme]", "优化营商环境专项暗访")
    page.fill("textarea[name=summary]", "对一中队窗口进行暗访")
    page.select_option("select[name=target_units]", [str(org.a1.pk)])
    check_page(page, "supervisor-2-inspection-form")
    submit(page, "main form[method=post]")
    inspection = Inspection.objects.get()
    assert path_of(page) == f"/supervision/inspections/{inspection.pk}/"
    assert (inspection.theme, inspection.organizing_unit, inspection.created_by) == (
        "优化营商环境专项暗访",
        org.jcs,
        supervisor,
    )
    assert list(inspection.target_units.all()) == [org.a1]

    # a finding of that inspection with two photos; the unit is the only target, so it is chosen
    click_through(page, f"a[href='/supervision/findings/new/?inspection={inspection.pk}']")
    assert page.locator("select[name=inspection]").input_value() == str(inspection.pk)
    category = FindingCategory.objects.get(code="work_discipline")
    page.select_option("select[name=category]", str(category.pk))
    page.select_option("select[name=severity]", "serious")
    # vehicle administration: its lead department (车管科) receives the business side of the handover
    page.select_option("select[name=business_area]", str(BusinessArea.objects.get(code="vehicle_admin").pk))
    page.fill("textarea[name=description]", "窗口民警工作时间玩手机游戏")
    page.set_input_files(
        "input[name=files]",
        [
            image_file(tmp_path, "暗访照片1.jpg", "JPEG", (200, 30, 30)),
            image_file(tmp_path, "暗访照片2.png", "PNG", (30, 30, 200)),
        ],
    )
    check_page(page, "supervisor-3-finding-form")
    submit(page, "form[enctype='multipart/form-data']")
    finding = Finding.objects.get()
    assert path_of(page) == f"/supervision/findings/{finding.pk}/"
    assert (finding.inspection, finding.unit, finding.severity) == (inspection, org.a1, "serious")
    assert sorted(finding.evidence.values_list("original_name", "kind")) == [
        ("暗访照片1.jpg", Evidence.Kind.JPG),
        ("暗访照片2.png", Evidence.Kind.PNG),
    ]
    evidence_names = page.locator(".evidence-list").inner_text()
    assert "暗访照片1.jpg" in evidence_names and "暗访照片2.png" in evidence_names
    check_page(page, "supervisor-4-finding")
    # the photo comes back byte for byte from the download link
    photo = finding.evidence.get(kind=Evidence.Kind.PNG)
    download = page.request.get(f"{live_server.url}/supervision/evidence/{photo.pk}/download/")
    assert download.ok and download.body() == (tmp_path / "暗访照片2.png").read_bytes()

    # the notice, from the finding: a draft first, then issued to both recipients
    click_through(page, f"a[href^='/rectification/notices/new/?unit={org.a1.pk}']")
    assert page.locator(f"input[name=findings][value='{finding.pk}']").is_checked()
    page.fill("textarea[name=requirements]", "立即整改，举一反三，十个工作日内报送整改情况。")
    check_page(page, "supervisor-5-notice-form")
    submit(page, "main form[method=post]")
    notice = RectificationNotice.objects.get()
    assert path_of(page) == f"/rectification/notices/{notice.pk}/"
    assert notice.status == RectificationNotice.Status.DRAFT and list(notice.findings.all()) == [finding]
    submit(page, "form[action$='/issue/']")
    notice.refresh_from_db()
    assert notice.status == RectificationNotice.Status.ISSUED
    assert notice.document_number and notice.document_number in page.content()
    assert page.locator("#handovers [data-side]").count() == 2
    assert set(notice.handovers.values_list("side", "status")) == {
        (Handover.Side.PARTY, Handover.Status.PENDING),
        (Handover.Side.BUSINESS, Handover.Status.PENDING),
    }
    check_page(page, "supervisor-6-notice-issued")
    actions = set(AuditEvent.objects.filter(actor=supervisor).values_list("action", flat=True))
    assert {"inspection.create", "finding.create", "notice.create", "notice.issue"} <= actions

    # both recipients find it waiting on their workbench
    sign_in(page, live_server, "party_secretary")
    assert f"/rectification/notices/{notice.pk}/" in page.content()


# --- dual verification (双核双报): a supervisor and a discipline inspector confirm an alert ----------------


def verify_alert(page, alert, comment: str):
    form = "form[action$='/verify/']"
    page.check(f"{form} input[name=agree][value=agree]")
    for factor in alert.factors:
        page.check(f"{form} input[name=factor_{factor['model']}][value=agree]")
    page.fill(f"{form} textarea[name=comment]", comment)
    submit(page, form)


def test_supervisor_and_discipline_inspector_confirm_an_alert(
    page, live_server, org, supervisor, discipline_inspector, committee_member
):
    alert = make_alert(unit=org.a1)
    detail = f"/risk/alerts/{alert.pk}/"

    # the supervisor verifies first: still pending, awaiting the other side
    sign_in(page, live_server, "supervisor")
    open_menu_entry(page, "/risk/alerts/")
    check_page(page, "alert-1-list")
    click_through(page, f"main a[href='{detail}']")
    assert page.locator("#factors tbody tr").count() == 2
    check_page(page, "alert-2-detail")
    verify_alert(page, alert, "核查业务流水属实")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PENDING
    assert page.locator("form[action$='/verify/']").count() == 0  # one verification per side
    assert "verification-agree" in page.locator("#verifications [data-role=supervisor]").get_attribute("class")

    # the discipline inspector verifies second: confirmed
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/risk/alerts/?awaiting=1")
    click_through(page, f"main a[href='{detail}']")
    verify_alert(page, alert, "纪委核实属实")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CONFIRMED
    assert set(AlertVerification.objects.filter(alert=alert).values_list("verifier__username", "agree")) == {
        ("supervisor", True),
        ("inspector", True),
    }
    verifications = page.locator("#verifications").inner_text()
    assert "核查业务流水属实" in verifications and "纪委核实属实" in verifications
    assert page.locator("#verifications .verification-agree").count() == 2
    assert page.locator("form[action$='/verify/']").count() == 0
    check_page(page, "alert-3-confirmed")
    assert AuditEvent.objects.filter(action="alert.confirm", object_id=str(alert.pk)).count() == 1


# --- a circuit break restored: the unit leader requests, a supervisor approves ----------------------------


def make_break(unit) -> CircuitBreak:
    model = make_model("t-night")
    return CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.ACCOUNT,
        scope_key="acct-night",
        unit=unit,
        model=model,
        status=CircuitBreak.Status.ACTIVE,
        evidence={
            "model": model.code,
            "count": 9,
            "counts": {"records": 9},
            "parameters": {"threshold": 5},
            "sample_record_ids": [31, 32],
        },
    )


def test_unit_leader_requests_and_supervisor_approves_a_breaker_restore(
    page, live_server, org, squad_leader, supervisor
):
    breaker = make_break(org.a1)
    detail = f"/risk/breakers/{breaker.pk}/"

    sign_in(page, live_server, "squad_leader")
    open_menu_entry(page, "/risk/breakers/")
    check_page(page, "breaker-1-list")
    click_through(page, f"main a[href='{detail}']")
    assert page.locator("form[action$='/restore-decision/']").count() == 0
    page.fill("form[action$='/restore-request/'] textarea[name=reason]", "已核实为夜间值班正常业务，申请恢复")
    submit(page, "form[action$='/restore-request/']")
    breaker.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.RESTORE_REQUESTED
    assert "已核实为夜间值班正常业务" in page.locator("#restore").inner_text()
    check_page(page, "breaker-2-requested")

    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}{detail}")
    form = "form[action$='/restore-decision/']"
    page.check(f"{form} input[name=decision][value=approve]")
    page.fill(f"{form} textarea[name=comment]", "核查属实，同意恢复")
    submit(page, form)
    breaker.refresh_from_db()
    assert breaker.status == CircuitBreak.Status.RESTORED and breaker.restored_at is not None
    restore = RestoreRequest.objects.get(breaker=breaker)
    assert (restore.decision, restore.requested_by, restore.decided_by) == ("approved", squad_leader, supervisor)
    assert "核查属实，同意恢复" in page.locator("#restore").inner_text()
    assert page.locator("form[action*='/restore-']").count() == 0
    check_page(page, "breaker-3-restored")
    assert AuditEvent.objects.filter(action="circuit_break.restore", object_id=str(breaker.pk)).count() == 1


# --- the committee: the dashboard, then a rating round approved ---------------------------------------


def test_committee_reads_the_dashboard_and_approves_the_rating(page, live_server, proposed, committee_member):
    assert proposed.status == RatingRound.Status.PROPOSED

    sign_in(page, live_server, "committee")
    open_menu_entry(page, "/dashboard/")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-chart]')).every(el => el.querySelector('canvas, svg'))"
    )
    assert page.locator("#key-figures [data-figure]").count() == 9
    page.wait_for_timeout(600)  # let the entry animations finish before the picture
    check_page(page, "committee-1-dashboard")

    open_menu_entry(page, "/ratings/")
    check_page(page, "committee-2-rounds")
    click_through(page, f"main a[href='/ratings/{proposed.pk}/']")
    check_page(page, "committee-3-round-proposed")
    submit(page, "form[action$='/approve/']")
    proposed.refresh_from_db()
    assert proposed.status == RatingRound.Status.APPROVED
    assert proposed.approved_by == committee_member
    assert success_message(page)
    assert page.locator("form[action$='/approve/']").count() == 0
    check_page(page, "committee-4-round-approved")
    assert AuditEvent.objects.filter(action="rating_round.approve", object_id=str(proposed.pk)).count() == 1


# --- a discipline inspector: a case from a clue, concluded; the person becomes not eligible ------------


def test_discipline_inspector_concludes_a_case_from_a_clue_and_the_person_is_not_eligible(
    page, live_server, org, supervisor, discipline_inspector, today
):
    chain = build_chain(org)
    finding = make_finding(actor=supervisor, unit=org.a1, persons=[chain.officer, chain.colleague])
    clue = clue_transfer(actor=supervisor, finding=finding, reason="涉嫌违规撤销违法记录，移送纪委")

    sign_in(page, live_server, "inspector")
    # the person is eligible before the case
    page.goto(f"{live_server.url}/org/persons/{chain.officer.pk}/")
    assert page.locator("#eligibility [data-eligible]").get_attribute("data-eligible") == "true"

    open_menu_entry(page, "/supervision/clues/")
    check_page(page, "case-1-clues")
    click_through(page, f"main a[href='/supervision/clues/{clue.pk}/']")
    click_through(page, f"#clue-case a[href='/cases/new/?clue={clue.pk}']")
    # the form starts from the clue: its finding's description and persons
    assert page.locator("textarea[name=facts]").input_value() == finding.description
    chosen = page.eval_on_selector("select[name=persons]", "s => Array.from(s.selectedOptions).map(o => o.value)")
    assert sorted(chosen) == sorted([str(chain.officer.pk), str(chain.colleague.pk)])
    page.fill("input[name=title]", "窗口民警违规撤销违法记录")
    page.select_option("select[name=category]", "abuse_of_power")
    page.select_option("select[name=severity]", "serious")
    page.fill("input[name=misconduct_date]", "2026-08-01")
    check_page(page, "case-2-open-form")
    submit(page, "main form[method=post]")
    case = Case.objects.get()
    assert path_of(page) == f"/cases/{case.pk}/"
    assert (case.clue, case.unit, case.status) == (clue, org.a1, Case.Status.OPEN)

    submit(page, "form[action$='/start-investigation/']")
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING
    click_through(page, f"a[href='/cases/{case.pk}/conclude/']")
    links = {link.person_id: link.pk for link in CasePerson.objects.filter(case=case)}
    page.check("input[name=integrity_problem_confirmed][value=yes]")
    page.fill("textarea[name=conclusion]", "经调查，问题属实。")
    officer, colleague = links[chain.officer.pk], links[chain.colleague.pk]
    page.select_option(f"select[name=resp_{officer}]", "direct")
    page.select_option(f"select[name=action_{officer}]", "admonishment")
    page.select_option(f"select[name=resp_{colleague}]", "joint")
    page.select_option(f"select[name=action_{colleague}]", "reminder_talk")
    page.fill(f"input[name=note_{colleague}]", "知情未报")
    check_page(page, "case-3-conclude-form")
    submit(page, "main form[method=post]")
    case.refresh_from_db()
    assert path_of(page) == f"/cases/{case.pk}/"
    assert case.status == Case.Status.CONCLUDED and case.integrity_problem_confirmed
    assert Liability.objects.filter(case=case, person=chain.officer).exists()
    check_page(page, "case-4-concluded")

    # the person page, from the case's list of persons, now says "not eligible" and why
    click_through(page, f"main a[href='/org/persons/{chain.officer.pk}/']")
    eligibility = page.locator("#eligibility")
    assert eligibility.locator("[data-eligible]").get_attribute("data-eligible") == "false"
    assert case.number in eligibility.inner_text()
    with translation.override("zh-hans"):
        not_eligible = gettext("Not eligible")
    assert not_eligible in eligibility.locator("[data-eligible]").inner_text()
    check_page(page, "case-5-person-not-eligible")


# --- every main page of the committee and of a supervisor --------------------------------------------------


@pytest.fixture
def some_of_everything(org, supervisor, draft_notice, squad_leader):
    """A little data on the pages: a finding with a photo and a notice (draft_notice), an alert, a break."""
    make_alert(unit=org.a1)
    make_break(org.a1)


@pytest.mark.parametrize("username", ["committee", "supervisor"])
def test_every_menu_entry_fits_and_renders(page, live_server, some_of_everything, committee_member, username):
    sign_in(page, live_server, username)
    hrefs = page.eval_on_selector_all(
        "#main-nav a[href]:not(.dropdown-toggle)", "links => links.map(link => link.getAttribute('href'))"
    )
    hrefs = list(dict.fromkeys(hrefs))
    assert len(hrefs) >= 15, hrefs

    for href in hrefs:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status == 200, (href, response.status)
        page.wait_for_load_state("load")
        assert page.title().strip(), href
        heading = page.locator("h1, .swagger-ui h2.title").first
        heading.wait_for(state="visible")
        assert heading.inner_text().strip(), href
        slug = href.strip("/").replace("/", "-") or "workbench"
        screenshot(page, f"pages-{username}-{slug}")
        assert_no_horizontal_scroll(page)
