"""The item list filtered by the day an item was created and the day it was closed out: one filter
definition (rectification.filters.ItemFilter) for the API, the page and the ledger export; days of the
detachment's time zone; scoped; a bad day is an error naming the field."""

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from dashboard.tests import factories as f
from rectification.models import RectificationItem

SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/v1/rectification-items/"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def dated(org, supervisor):
    """A1: `early` created 11-01 23:50 and closed out 11-10; `midnight` created 11-02 00:30 (16:30 UTC on
    11-01), still open. B1: `other` created and closed out on the same days as `early`."""
    notice_a, notice_b = f.notice(unit=org.a1, creator=supervisor), f.notice(unit=org.b1, creator=supervisor)
    closed_early = {
        "deadline": date(2026, 11, 15),
        "created_on": date(2026, 11, 1),
        "status": "closed",
        "closed_on": date(2026, 11, 10),
        "creator": supervisor,
    }
    early = f.item(notice=notice_a, **closed_early)
    RectificationItem.objects.filter(pk=early.pk).update(created_at=datetime(2026, 11, 1, 23, 50, tzinfo=SHANGHAI))
    midnight = f.item(notice=notice_a, deadline=date(2026, 11, 20), created_on=date(2026, 11, 2), creator=supervisor)
    RectificationItem.objects.filter(pk=midnight.pk).update(
        created_at=datetime.combine(date(2026, 11, 2), time(0, 30), SHANGHAI)
    )
    other = f.item(notice=notice_b, **closed_early)
    return early.pk, midnight.pk, other.pk


def test_the_api_filters_by_the_local_day_created_and_closed_out(api_as, org, supervisor, dated):
    early, midnight, other = dated
    client = api_as(supervisor)

    assert _ids(client.get(API, {"created_from": "2026-11-02"})) == {midnight}
    assert _ids(client.get(API, {"created_to": "2026-11-01"})) == {early, other}
    assert _ids(client.get(API, {"created_from": "2026-11-01", "created_to": "2026-11-01", "within": org.a.pk})) == {
        early
    }
    assert _ids(client.get(API, {"closed_from": "2026-11-10", "closed_to": "2026-11-10"})) == {early, other}
    assert _ids(client.get(API, {"closed_from": "2026-11-11"})) == set()
    # the last day a date can hold bounds nothing (and is no overflow)
    assert _ids(client.get(API, {"closed_to": "9999-12-31"})) == {early, other}


def test_the_day_filters_stay_within_scope(api_as, outsider, dated):
    _early, _midnight, other = dated
    assert _ids(api_as(outsider).get(API, {"created_to": "2026-11-01", "closed_from": "2026-11-01"})) == {other}


@pytest.mark.parametrize("field", ["created_from", "created_to", "closed_from", "closed_to"])
def test_a_bad_day_is_a_400_naming_the_filter(api_as, supervisor, dated, field):
    response = api_as(supervisor).get(API, {field: "2026-02-30"})
    assert response.status_code == 400
    assert field in response.json()


def test_the_page_and_its_ledger_filter_the_same_way(client, supervisor, dated):
    early, midnight, _other = dated
    client.force_login(supervisor)
    page = client.get(reverse("rectification:item_list"), {"created_from": "2026-11-02"})
    assert page.status_code == 200
    assert [item.pk for item in page.context["page"]] == [midnight]
    for field in ("created_from", "created_to", "closed_from", "closed_to"):
        assert f'name="{field}"' in page.content.decode()

    bad = client.get(reverse("rectification:item_list"), {"closed_to": "not-a-day"})
    assert bad.status_code == 200 and "closed_to" in bad.context["form"].errors

    ledger = client.get(reverse("rectification:item_ledger"), {"created_from": "2026-11-02"})
    assert ledger.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(ledger.content))["整改台账"]
    cells = {cell.value for row in sheet.iter_rows() for cell in row}
    assert RectificationItem.objects.get(pk=midnight).problem in cells
    assert RectificationItem.objects.get(pk=early).problem not in cells


@pytest.mark.parametrize("field", ["created_from", "created_to", "closed_from", "closed_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"])
def test_the_first_and_last_days_a_date_can_hold_are_no_error(api_as, supervisor, dated, field, day):
    assert api_as(supervisor).get(API, {field: day}).status_code == 200
