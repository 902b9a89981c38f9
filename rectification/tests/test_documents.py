"""Documents of issue 3: the red-header print page, the notice as .docx and the ledger as .xlsx."""

import io
from datetime import timedelta
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from accounts.tests.factories import PersonFactory
from rectification.documents import LEDGER_HEADERS, attachment_response, clean_text, ledger_xlsx
from rectification.models import Handover, ProgressUpdate, RectificationItem
from rectification.selectors import item_visible_to
from supervision.models import Finding

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _print_url(notice):
    return reverse("rectification:notice_print", args=[notice.pk])


def _docx_url(notice):
    return reverse("rectification:notice_docx", args=[notice.pk])


LEDGER_URL = "/rectification/items/ledger.xlsx"


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _ledger_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["整改台账"]
    return list(sheet.iter_rows(min_row=3, values_only=True))


def _clone_items(item, count: int) -> None:
    """`count` more items of the same notice, each with a progress update."""
    clones = RectificationItem.objects.bulk_create(
        [
            RectificationItem(
                notice=item.notice,
                finding=item.finding,
                unit=item.unit,
                problem=f"问题{n}",
                measures=f"措施{n}",
                responsible_department=item.responsible_department,
                responsible_person=item.responsible_person,
                responsible_leader=item.responsible_leader,
                deadline=item.deadline,
                created_by=item.created_by,
            )
            for n in range(count)
        ]
    )
    ProgressUpdate.objects.bulk_create(
        [ProgressUpdate(item=clone, text=f"进展{clone.pk}", author=item.created_by) for clone in clones]
    )


# --- print page --------------------------------------------------------------------------------------


def test_print_page_shows_the_red_header_number_and_both_recipients(client, supervisor, acknowledged_notice):
    # given
    client.force_login(supervisor)

    # when
    response = client.get(_print_url(acknowledged_notice))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="red-header"' in html
    assert 'class="red-rule"' in html
    assert acknowledged_notice.document_number in html
    assert acknowledged_notice.title in html
    assert "常德市公安局交通警察支队文件" in html
    assert "一大队党总支" in html and "车管科" in html
    assert html.count('<dd class="recipient-status">已签收</dd>') == 2
    assert "值班期间玩手机游戏" in html
    assert "css/print.css" in html and "js/print.js" in html
    assert "<script>" not in html  # no inline script: only the static file
    assert "draft-watermark" not in html


def test_print_page_of_a_draft_shows_a_watermark_instead_of_a_number(client, supervisor, draft_notice):
    # given
    client.force_login(supervisor)

    # when
    response = client.get(_print_url(draft_notice))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="draft-watermark"' in html
    assert "常交监〔" not in html
    assert "签发后交办" in html


def test_print_page_escapes_user_text(client, supervisor, issued_notice):
    # given
    Finding.objects.filter(notices=issued_notice).update(description="<script>alert(1)</script>")
    client.force_login(supervisor)

    # when
    response = client.get(_print_url(issued_notice))

    # then
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_documents_need_a_login(client, issued_notice):
    # given: nobody is signed in

    # when
    responses = [client.get(_print_url(issued_notice)), client.get(_docx_url(issued_notice)), client.get(LEDGER_URL)]

    # then
    assert [response.status_code for response in responses] == [302, 302, 302]


def test_outsider_gets_404_for_the_notice_and_an_empty_ledger(client, outsider, open_item):
    # given
    client.force_login(outsider)

    # when
    print_response = client.get(_print_url(open_item.notice))
    docx_response = client.get(_docx_url(open_item.notice))
    ledger_response = client.get(LEDGER_URL)

    # then
    assert print_response.status_code == 404
    assert docx_response.status_code == 404
    assert ledger_response.status_code == 200
    assert _ledger_rows(ledger_response.content) == []
    assert "一大队" not in ledger_response.content.decode("latin-1")  # nothing of brigade A anywhere


# --- notice .docx ------------------------------------------------------------------------------------


def test_notice_docx_contains_the_document(client, supervisor, acknowledged_notice):
    # given
    client.force_login(supervisor)

    # when
    response = client.get(_docx_url(acknowledged_notice))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["X-Content-Type-Options"] == "nosniff"
    filename = f"{acknowledged_notice.document_number}整改通知书.docx"
    assert f"filename*=UTF-8''{quote(filename)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith('attachment; filename="')
    text = _docx_text(response.content)
    assert "常德市公安局交通警察支队文件" in text
    assert acknowledged_notice.document_number in text
    assert acknowledged_notice.title in text
    assert "值班期间玩手机游戏" in text
    assert "一大队党总支" in text and "车管科" in text
    assert "支部已签收" in text and "车管科已签收" in text


def test_notice_docx_layout_is_a4_with_a_red_header_and_east_asian_fonts(supervisor, issued_notice):
    # given
    from rectification.documents import notice_docx

    # when
    document = Document(io.BytesIO(notice_docx(issued_notice)))

    # then
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    header_run = document.paragraphs[0].runs[0]
    assert header_run.text == "常德市公安局交通警察支队文件"
    assert str(header_run.font.color.rgb) == "C8102E"
    xml = document.element.xml
    assert 'w:eastAsia="仿宋"' in xml and 'w:eastAsia="宋体"' in xml
    assert 'w:color="C8102E"' in xml  # the red rule (paragraph bottom border)
    assert len(document.tables) == 1 and len(document.tables[0].columns) == 3


def test_draft_notice_docx_is_named_as_a_draft(client, supervisor, draft_notice):
    # given
    client.force_login(supervisor)

    # when
    response = client.get(_docx_url(draft_notice))

    # then
    assert response.status_code == 200
    assert f"filename*=UTF-8''{quote('草稿整改通知书.docx')}" in response["Content-Disposition"]
    assert "草稿" in _docx_text(response.content)


def test_hostile_description_still_makes_a_valid_docx(client, supervisor, issued_notice):
    # given: markup and control characters XML forbids
    Finding.objects.filter(notices=issued_notice).update(description="<script>alert(1)</script>\x01\x02\x08坏&数据\x1f")
    client.force_login(supervisor)

    # when
    response = client.get(_docx_url(issued_notice))

    # then
    assert response.status_code == 200
    text = _docx_text(response.content)
    assert "<script>alert(1)</script>坏&数据" in text
    assert "\x01" not in text and "\x02" not in text


# --- ledger .xlsx ------------------------------------------------------------------------------------


def test_ledger_lists_the_visible_items_under_the_exact_headers(client, supervisor, submitted_item, today):
    # given
    client.force_login(supervisor)

    # when
    response = client.get(LEDGER_URL)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["X-Content-Type-Options"] == "nosniff"
    assert f"filename*=UTF-8''{quote('整改台账-20261123.xlsx')}" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["整改台账"]
    sheet = workbook["整改台账"]
    assert [cell.value for cell in sheet[2]] == list(LEDGER_HEADERS)
    assert sheet.freeze_panes == "A3"
    assert "A1:N1" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert sheet["A2"].font.bold
    rows = _ledger_rows(response.content)
    assert len(rows) == 1
    row = dict(zip(LEDGER_HEADERS, rows[0], strict=True))
    assert row["单位"] == "一大队一中队"
    assert row["文号"] == submitted_item.notice.document_number
    assert row["问题"] == "值班期间玩手机游戏"
    assert row["责任人"] == "责任人甲" and row["责任领导"] == "责任领导乙"
    assert row["完成时限"].date() == submitted_item.deadline
    assert sheet["J3"].is_date and sheet["J3"].number_format == "yyyy-mm-dd"
    assert row["状态"] == "待验收"
    latest = ProgressUpdate.objects.filter(item=submitted_item).order_by("created_at", "id").last()
    assert row["整改进展"] == latest.text


def test_ledger_follows_the_item_filter(client, supervisor, open_item):
    # given: one more item, closed out
    _clone_items(open_item, 1)
    closed = RectificationItem.objects.exclude(pk=open_item.pk).get()
    RectificationItem.objects.filter(pk=closed.pk).update(status="closed", closed_at=timezone.now())
    client.force_login(supervisor)

    # when
    everything = _ledger_rows(client.get(LEDGER_URL).content)
    only_closed = _ledger_rows(client.get(LEDGER_URL, {"status": "closed"}).content)

    # then
    assert len(everything) == 2
    assert len(only_closed) == 1
    row = dict(zip(LEDGER_HEADERS, only_closed[0], strict=True))
    assert row["问题"] == closed.problem
    assert row["状态"] == "已销号"
    assert row["销号日期"].date() == timezone.localdate()


def test_ledger_with_an_invalid_filter_is_400(client, supervisor, open_item):
    # given
    client.force_login(supervisor)

    # when
    response = client.get(LEDGER_URL, {"status": "nonsense", "deadline_from": "not-a-date"})

    # then
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "status" in body and "deadline_from" in body


def test_ledger_cells_are_never_formulas(client, supervisor, open_item):
    # given
    RectificationItem.objects.filter(pk=open_item.pk).update(
        problem="=cmd|' /C calc'!A0", measures="+1+1", responsible_department=open_item.unit
    )
    ProgressUpdate.objects.create(item=open_item, text="@SUM(1,1)\x07", author=open_item.created_by)
    client.force_login(supervisor)

    # when
    response = client.get(LEDGER_URL)

    # then
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["整改台账"]
    problem, measures, progress = sheet["E3"], sheet["F3"], sheet["M3"]
    assert problem.value == "=cmd|' /C calc'!A0" and problem.data_type == "s"
    assert measures.value == "+1+1" and measures.data_type == "s"
    assert progress.value == "@SUM(1,1)" and progress.data_type == "s"
    assert problem.quotePrefix and measures.quotePrefix and progress.quotePrefix
    raw = io.BytesIO(response.content)
    import zipfile

    assert b"<f>" not in zipfile.ZipFile(raw).read("xl/worksheets/sheet1.xml")


def test_ledger_query_count_does_not_grow_with_the_items(client, supervisor, submitted_item):
    # given
    client.force_login(supervisor)
    client.get(LEDGER_URL)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as one:
        assert len(_ledger_rows(client.get(LEDGER_URL).content)) == 1

    # when
    _clone_items(submitted_item, 9)
    with CaptureQueriesContext(connection) as ten:
        assert len(_ledger_rows(client.get(LEDGER_URL).content)) == 10

    # then
    assert len(one.captured_queries) == len(ten.captured_queries)


def test_ledger_xlsx_of_a_queryset(supervisor, open_item):
    # given: the API calls ledger_xlsx(items) with a scoped queryset
    items = item_visible_to(supervisor)

    # when
    content = ledger_xlsx(items)

    # then
    rows = _ledger_rows(content)
    assert [row[4] for row in rows] == ["值班期间玩手机游戏"]


def test_ledger_overdue_days(supervisor, open_item):
    # given
    RectificationItem.objects.filter(pk=open_item.pk).update(deadline=timezone.localdate() - timedelta(days=3))

    # when
    rows = _ledger_rows(ledger_xlsx(item_visible_to(supervisor)))

    # then
    assert rows[0][LEDGER_HEADERS.index("逾期天数")] == 3


# --- helpers -----------------------------------------------------------------------------------------


def test_attachment_response_has_an_ascii_fallback_and_the_utf8_name():
    # given / when
    response = attachment_response(b"x", "整改台账-20261123.xlsx", XLSX)

    # then
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and fallback.endswith(".xlsx")
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6-20261123.xlsx" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_response_neutralises_quotes_and_line_breaks():
    # given / when
    response = attachment_response(b"x", 'a"b\r\nc.docx', DOCX)

    # then
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert 'filename="a_bc.docx"' in disposition
    assert "filename*=UTF-8''a%22bc.docx" in disposition


def test_clean_text_strips_what_xml_forbids():
    assert clean_text("a\x00b\x0bc\td\ne\uffff") == "abc\td\ne"
    assert clean_text(None) == ""


def test_handover_order_is_party_first(supervisor, acknowledged_notice):
    # given
    from rectification.documents import notice_context

    # when
    recipients = notice_context(acknowledged_notice)["recipients"]

    # then
    assert [r["side"] for r in recipients] == ["党组织", "业务牵头部门"]
    assert acknowledged_notice.handovers.filter(status=Handover.Status.ACKNOWLEDGED).count() == 2
    assert all(r["by"] and r["at"] for r in recipients)
    assert PersonFactory  # factories importable for clones
