"""Bad input everywhere (issue 7, "Robustness"): wrong types, impossible or out-of-range dates, end
before start, huge strings, unknown choices, ids of objects out of the caller's scope and duplicate
submissions get a 400 (or 404/409) naming the field, never a 500, and nothing is written. Plus output
escaping of user-entered text in pages and exports."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rectification.models import ProgressUpdate, RectificationNotice
from supervision.models import Finding, FindingCategory

HUGE = "字" * 100_000
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def category_id():
    return FindingCategory.objects.get(code="work_discipline").pk


def finding_body(org, **overrides):
    body = {
        "unit": org.a1.pk,
        "category": category_id(),
        "severity": "general",
        "description": "值班期间玩手机游戏",
        "found_on": str(timezone.localdate() - timedelta(days=1)),
    }
    body.update(overrides)
    return body


def assert_names(response, field):
    assert response.status_code == 400, (response.status_code, response.content[:500])
    body = response.json()
    assert field in body, body


# --- findings: every kind of bad value, nothing written -------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unit", "abc"),  # wrong type
        ("unit", 10**30),  # a number no id can be
        ("category", [1, 2]),  # wrong type
        ("severity", "apocalyptic"),  # unknown choice
        ("found_on", "2026-02-30"),  # no such date
        ("found_on", "99999-01-01"),  # out of range
        ("found_on", "not a date"),
        ("description", ""),  # required
    ],
)
def test_finding_create_rejects_bad_values(api_as, supervisor, org, field, value):
    before = Finding.objects.count()
    response = api_as(supervisor).post("/api/v1/findings/", finding_body(org, **{field: value}), format="json")
    assert_names(response, field)
    assert Finding.objects.count() == before


def test_finding_create_rejects_future_date_and_huge_text(api_as, supervisor, org):
    client = api_as(supervisor)
    future = str(timezone.localdate() + timedelta(days=3))
    assert_names(client.post("/api/v1/findings/", finding_body(org, found_on=future), format="json"), "found_on")
    response = client.post("/api/v1/findings/", finding_body(org, description=HUGE), format="json")
    assert_names(response, "description")
    assert not Finding.objects.exists()


def test_finding_for_a_unit_out_of_scope_is_refused(api_as, brigade_leader, org):
    """A brigade-A leader cannot file a finding against brigade B (or at all): 400/403, nothing written."""
    response = api_as(brigade_leader).post("/api/v1/findings/", finding_body(org, unit=org.b1.pk), format="json")
    assert response.status_code in (400, 403, 404)
    assert not Finding.objects.exists()


# --- notices -----------------------------------------------------------------------------------------


def test_notice_create_rejects_past_deadline_and_outside_findings(api_as, supervisor, org, finding_a1):
    from supervision.tests.factories import make_finding

    client = api_as(supervisor)
    body = {
        "unit": org.a1.pk,
        "findings": [finding_a1.pk],
        "title": "整改通知",
        "requirements": "立即整改",
        "deadline": str(timezone.localdate() - timedelta(days=1)),
    }
    assert_names(client.post("/api/v1/notices/", body, format="json"), "deadline")
    other_unit = make_finding(actor=supervisor, unit=org.b1)
    body["deadline"] = str(timezone.localdate() + timedelta(days=30))
    response = client.post("/api/v1/notices/", {**body, "findings": [other_unit.pk]}, format="json")
    assert_names(response, "findings")
    assert_names(client.post("/api/v1/notices/", {**body, "findings": "x"}, format="json"), "findings")
    assert_names(client.post("/api/v1/notices/", {**body, "title": HUGE}, format="json"), "title")
    assert not RectificationNotice.objects.exists()


def test_notice_issue_twice_is_a_conflict(api_as, supervisor, draft_notice, party_secretary, business_lead):
    client = api_as(supervisor)
    first = client.post(f"/api/v1/notices/{draft_notice.pk}/issue/", {}, format="json")
    assert first.status_code == 200, first.content
    second = client.post(f"/api/v1/notices/{draft_notice.pk}/issue/", {}, format="json")
    assert second.status_code == 409
    assert second.json()["current_status"] == first.json()["status"]


# --- rectification items -----------------------------------------------------------------------------


def test_item_progress_and_extension_bad_input(api_as, squad_leader, open_item):
    client = api_as(squad_leader)
    url = f"/api/v1/rectification-items/{open_item.pk}"
    assert_names(client.post(f"{url}/progress/", {"text": ""}, format="json"), "text")
    assert_names(client.post(f"{url}/progress/", {"text": HUGE}, format="json"), "text")
    assert not ProgressUpdate.objects.filter(item=open_item).exists()
    earlier = str(open_item.deadline - timedelta(days=1))
    assert_names(
        client.post(f"{url}/extension/", {"reason": "需要时间", "new_deadline": earlier}, format="json"), "new_deadline"
    )
    assert_names(
        client.post(f"{url}/extension/", {"reason": "x", "new_deadline": "2026-13-01"}, format="json"), "new_deadline"
    )
    assert not open_item.requests.exists()


def test_item_verify_unknown_choice_and_wrong_type(api_as, supervisor, submitted_item):
    client = api_as(supervisor)
    url = f"/api/v1/rectification-items/{submitted_item.pk}/verify/"
    response = client.post(url, {"approve": "perhaps", "opinion": "x"}, format="json")
    assert response.status_code == 400
    submitted_item.refresh_from_db()
    assert submitted_item.status == "submitted"


# --- list filters: wrong types and out-of-range numbers are a 400 naming the parameter ----------------


@pytest.mark.parametrize(
    ("url", "parameter", "value"),
    [
        ("/api/v1/rectification-items/ledger/", "notice", "1.0866812663494814e+41"),
        ("/api/v1/alerts/", "assessment", "-1.7976931348623155e+308"),
        ("/api/v1/risk-scores/", "assessment", "5.5e40"),
        ("/api/v1/calendar/", "year", "0"),
        ("/api/v1/ratings/", "year", "0.5"),
        ("/api/v1/findings/", "page_size", "abc"),
        ("/api/v1/business-records/", "page_size", "0"),
        ("/api/v1/findings/", "found_from", "2026-02-30"),
        ("/api/v1/findings/", "severity", "apocalyptic"),
        ("/api/v1/findings/", "ordering", "password"),
    ],
)
def test_list_filter_bad_values(api_as, supervisor, url, parameter, value):
    response = api_as(supervisor).get(url, {parameter: value})
    assert_names(response, parameter)


def test_unknown_route_under_api_is_json_404(api_as, supervisor):
    response = api_as(supervisor).get("/api/v1/findings/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_unsupported_method_with_export_format_is_405(api_as, supervisor):
    response = api_as(supervisor).generic("TRACE", "/api/v1/findings/?format=csv")
    assert response.status_code == 405


# --- output escaping ---------------------------------------------------------------------------------


def test_user_text_is_escaped_in_pages_and_formula_safe_in_exports(client, api_as, supervisor, org):
    from supervision.tests.factories import make_finding

    finding = make_finding(actor=supervisor, unit=org.a1, description=f"{SCRIPT}{FORMULA}")
    client.force_login(supervisor)
    page = client.get(reverse("supervision:finding_detail", args=[finding.pk])).content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    exported = api_as(supervisor).get("/api/v1/findings/", {"format": "csv"})
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell.startswith("'<script>") or cell.startswith(f"'{SCRIPT}") or SCRIPT in cell for cell in cells)

    from openpyxl import load_workbook

    workbook = api_as(supervisor).get("/api/v1/findings/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value


# --- pages: periods, statistics and dashboard parameters never 500 -----------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"period": "9999-99"},
        {"period": "<script>"},
        {"start": "2026-12-31", "end": "2026-01-01"},  # end before start
        {"start": "0000-01-01", "end": "99999-01-01"},
        {"year": "abc", "month": "13"},
        {"unit": "1e41"},
    ],
)
@pytest.mark.parametrize("name", ["dashboard:index", "dashboard:statistics"])
def test_dashboard_and_statistics_bad_periods_never_500(client, committee_member, name, query):
    client.force_login(committee_member)
    response = client.get(reverse(name), query)
    assert response.status_code in (200, 400), response.status_code
    assert SCRIPT not in response.content.decode()


# --- more writes ----------------------------------------------------------------------------------------


def test_allowlist_add_bad_values(api_as, supervisor, org):
    from risk.models import AllowlistEntry

    client = api_as(supervisor)
    good = {
        "scope_kind": "account",
        "scope_key": "u001",
        "reason": "专项任务",
        "until": (timezone.now() + timedelta(days=5)).isoformat(),
    }
    assert_names(client.post("/api/v1/allowlist/", {**good, "scope_kind": "planet"}, format="json"), "scope_kind")
    assert_names(client.post("/api/v1/allowlist/", {**good, "until": "yesterday"}, format="json"), "until")
    assert_names(client.post("/api/v1/allowlist/", {**good, "reason": HUGE}, format="json"), "reason")
    assert not AllowlistEntry.objects.exists()


def test_case_open_bad_values(api_as, discipline_inspector, org):
    from cases.models import Case

    client = api_as(discipline_inspector)
    good = {
        "unit": org.a1.pk,
        "title": "测试",
        "category": "bribery",
        "severity": "serious",
        "misconduct_date": "2026-04-01",
        "facts": "事实",
    }
    assert_names(client.post("/api/v1/cases/", {**good, "category": "piracy"}, format="json"), "category")
    assert_names(
        client.post("/api/v1/cases/", {**good, "misconduct_date": "2026-02-30"}, format="json"), "misconduct_date"
    )
    assert_names(client.post("/api/v1/cases/", {**good, "unit": "A1"}, format="json"), "unit")
    assert_names(client.post("/api/v1/cases/", {**good, "facts": HUGE}, format="json"), "facts")
    assert not Case.objects.exists()


def test_restore_request_bad_reason(api_as, supervisor, org):
    from ratings.tests.factories import circuit_break

    breaker = circuit_break(org.a1)
    client = api_as(supervisor)
    url = f"/api/v1/circuit-breaks/{breaker.pk}/restore-request/"
    response = client.post(url, {"reason": ""}, format="json")
    assert response.status_code in (400, 403, 409)
    response = client.post(url, {"reason": HUGE}, format="json")
    assert response.status_code in (400, 403, 409)


def test_user_text_is_plain_in_the_notice_docx(supervisor, org):
    """The .docx holds the text as typed (a Word document runs no script and no formula)."""
    from docx import Document

    from rectification.documents import notice_docx
    from rectification.services import notice_create
    from supervision.tests.factories import make_finding

    finding = make_finding(actor=supervisor, unit=org.a1, description=f"{SCRIPT}{FORMULA}")
    notice = notice_create(
        actor=supervisor,
        unit=org.a1,
        findings=[finding],
        title=f"通知{SCRIPT}",
        requirements=FORMULA,
        deadline=timezone.localdate() + timedelta(days=30),
    )
    document = Document(io.BytesIO(notice_docx(notice)))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert SCRIPT in text
    assert FORMULA in text
    assert "&lt;" not in text


# --- found by the form sweep (tests/test_form_sweep.py) -----------------------------------------------


def test_ids_beyond_64_bits_match_no_row_instead_of_failing(org):
    """A multiple choice of ids filters `pk__in`; SQLite raised OverflowError for such a number."""
    from accounts.models import Unit

    assert list(Unit.objects.filter(pk__in=[10**20, org.a1.pk])) == [org.a1]
    assert list(Unit.objects.filter(pk__in=[10**20, -(10**20)])) == []
    assert Unit.objects.exclude(pk__in=[10**20]).count() == Unit.objects.count()


def test_the_inspection_form_names_an_unknown_unit_beyond_64_bits(client, supervisor, org):
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:inspection_create"),
        {"target_units": ["99999999999999999999"], "organizing_unit": org.jcs.pk, "theme": "检查"},
    )
    assert response.status_code == 200
    assert "target_units" in response.context["form"].errors


@pytest.mark.parametrize("next_url", ["no-such-view", "supervision:finding_list", "//evil.example/", ""])
def test_the_language_switch_goes_home_for_a_next_that_is_no_path_of_this_site(client, supervisor, next_url):
    client.force_login(supervisor)
    response = client.post("/accounts/language/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_unit_search_names_an_over_long_search(client, supervisor, org):
    """The search is read through a form (it was cut to 50 characters silently)."""
    client.force_login(supervisor)
    response = client.get("/org/units/", {"q": "字" * 51})
    assert response.status_code == 200
    assert "q" in response.context["form"].errors
    assert org.a1.name in response.content.decode()  # the list is shown unfiltered


@pytest.mark.parametrize(
    ("url", "parameter"),
    [("/audit/", "action"), ("/risk/lists/", "quarter"), ("/supervision/findings/", "q"), ("/org/units/", "q")],
)
def test_a_nul_character_in_a_page_parameter_is_a_400_naming_it(client, admin_user, url, parameter):
    """PostgreSQL refuses a NUL character in any text parameter: these were 500s there."""
    client.force_login(admin_user)
    response = client.get(url, {parameter: "a\x00b", "unit": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"<code>{parameter}</code>" in body and "<code>unit</code>" not in body
    assert "不允许包含空字符" in body


@pytest.mark.parametrize("parameter", ["search", "q\x00"])
def test_a_nul_character_in_an_api_parameter_is_a_400_naming_it(api_as, supervisor, parameter):
    response = api_as(supervisor).get("/api/v1/findings/", {parameter: "a\x00b"})
    assert response.status_code == 400
    assert list(response.json()) == [parameter.replace("\x00", "\\x00")]


def test_the_refused_parameter_is_named_in_the_users_language(client, supervisor):
    supervisor.preferred_language = "en"
    supervisor.save(update_fields=["preferred_language"])
    client.force_login(supervisor)
    response = client.get("/org/units/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
