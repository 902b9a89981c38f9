"""The dual-handover journey in a real browser: issue → both acknowledgements → item → submission
with a photo → rejection → resubmission → close-out (销号)."""

from accounts.tests.factories import PersonFactory
from conftest import PASSWORD
from rectification.models import Handover, RectificationItem, RectificationNotice
from supervision.tests.factories import PNG_BYTES
from tests.browser.conftest import assert_no_horizontal_scroll, login, screenshot


def sign_out(page):
    page.click("#current-user")  # the user menu holds "sign out"
    with page.expect_navigation():
        page.click("nav form[action$='/accounts/logout/'] button[type=submit]")


def as_user(page, live_server, username, path):
    if page.locator("nav.navbar").count():
        sign_out(page)
    login(page, live_server, username, PASSWORD)
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, (username, path, response.status)


def submit(page, form_selector):
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()
    page.wait_for_load_state("load")


def report_progress(page, tmp_path, text, name):
    photo = tmp_path / name
    photo.write_bytes(PNG_BYTES)
    form = "form[action$='/progress/']"
    page.fill(f"{form} textarea[name=text]", text)
    page.set_input_files(f"{form} input[name=files]", str(photo))
    submit(page, form)
    assert name in page.content()


def test_dual_handover_journey(
    page, live_server, tmp_path, org, draft_notice, supervisor, party_secretary, business_lead, squad_leader
):
    notice_path = f"/rectification/notices/{draft_notice.pk}/"
    person = PersonFactory(unit=org.a1, name="责任人张三")
    leader = PersonFactory(unit=org.a1, name="责任领导李四")

    # the supervisor issues the notice: it gets its 文号 and goes to both recipients at once
    as_user(page, live_server, "supervisor", notice_path)
    submit(page, "form[action$='/issue/']")
    draft_notice.refresh_from_db()
    assert draft_notice.status == RectificationNotice.Status.ISSUED
    assert draft_notice.document_number in page.content()
    assert page.locator("#handovers [data-side]").count() == 2
    screenshot(page, "rectification-1-issued")
    assert_no_horizontal_scroll(page)

    # the party secretary acknowledges the party side, and only that side
    as_user(page, live_server, "party_secretary", notice_path)
    assert page.locator("[data-side=business] form").count() == 0
    page.fill("[data-side=party] textarea[name$=opinion]", "支部已签收，督促整改")
    submit(page, "[data-side=party] form")
    # the business lead department acknowledges its side
    as_user(page, live_server, "biz_lead", notice_path)
    assert page.locator("[data-side=party] form").count() == 0
    submit(page, "[data-side=business] form")
    draft_notice.refresh_from_db()
    assert draft_notice.status == RectificationNotice.Status.ACKNOWLEDGED
    assert set(draft_notice.handovers.values_list("acknowledged_by__username", flat=True)) == {
        "party_secretary",
        "biz_lead",
    }
    screenshot(page, "rectification-2-acknowledged")

    # the squad leader breaks it into an item
    as_user(page, live_server, "squad_leader", f"/rectification/notices/{draft_notice.pk}/items/new/")
    page.fill("textarea[name=measures]", "组织纪律教育，落实值班巡查制度")
    page.select_option("select[name=responsible_person]", value=str(person.pk))
    page.select_option("select[name=responsible_leader]", value=str(leader.pk))
    submit(page, "form[method=post]:has(textarea[name=measures])")
    item = RectificationItem.objects.get(notice=draft_notice)
    assert item.responsible_person.name == "责任人张三"

    # progress with a photo, then submission
    page.goto(f"{live_server.url}/rectification/items/{item.pk}/")
    report_progress(page, tmp_path, "已组织全队纪律教育", "教育现场.png")
    submit(page, "form[action$='/submit/']")
    item.refresh_from_db()
    assert item.status == RectificationItem.Status.SUBMITTED
    screenshot(page, "rectification-3-submitted")

    # the supervisor rejects it with a reason
    as_user(page, live_server, "supervisor", f"/rectification/items/{item.pk}/")
    page.check("input[name=decision][value=reject]")
    page.fill("textarea[name=comment]", "照片不能反映整改效果，请补充巡查记录")
    submit(page, "form[action$='/verify/']")
    item.refresh_from_db()
    assert item.status == RectificationItem.Status.OPEN
    assert "照片不能反映整改效果" in page.content()

    # the squad leader adds evidence and resubmits
    as_user(page, live_server, "squad_leader", f"/rectification/items/{item.pk}/")
    report_progress(page, tmp_path, "补充值班巡查记录", "巡查记录.png")
    submit(page, "form[action$='/submit/']")

    # the supervisor closes it out; the last item closes the notice
    as_user(page, live_server, "supervisor", f"/rectification/items/{item.pk}/")
    page.check("input[name=decision][value=accept]")
    page.fill("textarea[name=comment]", "整改到位，同意销号")
    submit(page, "form[action$='/verify/']")
    item.refresh_from_db()
    draft_notice.refresh_from_db()
    assert item.status == RectificationItem.Status.CLOSED
    assert draft_notice.status == RectificationNotice.Status.CLOSED
    assert draft_notice.look_backs.count() == 1
    page.goto(f"{live_server.url}{notice_path}")
    screenshot(page, "rectification-4-closed")
    assert_no_horizontal_scroll(page)
    assert Handover.objects.filter(notice=draft_notice, status=Handover.Status.ACKNOWLEDGED).count() == 2
