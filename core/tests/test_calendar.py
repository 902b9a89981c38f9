"""Working days with public holidays and make-up workdays (调休)."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from core.calendar import add_working_days, is_working_day, working_days_between
from core.models import CalendarDay
from core.services import RowErrors, calendar_import, calendar_rows_parse

pytestmark = pytest.mark.django_db

CSV_2026 = "core/data/calendar_2026.csv"


@pytest.fixture
def calendar_2026():
    call_command("import_calendar", CSV_2026)


def test_holidays_and_make_up_workdays(calendar_2026):
    assert not is_working_day(date(2026, 10, 1))  # National Day, a Thursday
    assert is_working_day(date(2026, 10, 10))  # make-up workday, a Saturday
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert is_working_day(date(2026, 10, 9))  # an ordinary Friday


def test_adding_working_days_across_national_day(calendar_2026):
    # Tue 2026-09-29 + 3 working days: Wed 30, (Oct 1-7 off), Thu 8, Fri 9
    assert add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)
    # Fri 2026-10-09 + 1: Saturday 10 is a make-up workday
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_adding_working_days_without_exceptions_skips_weekends():
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday + 1 = Monday
    assert add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_working_days_between(calendar_2026):
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3  # 8, 9, 10
    assert working_days_between(date(2026, 10, 10), date(2026, 10, 1)) == 0


def test_add_working_days_is_one_query(calendar_2026, django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(date(2026, 1, 1), 200)


def test_import_is_idempotent(calendar_2026):
    rows = CalendarDay.objects.count()
    call_command("import_calendar", CSV_2026)
    assert CalendarDay.objects.count() == rows == 25


def test_import_replaces_the_year(calendar_2026):
    calendar_import(actor=None, rows=calendar_rows_parse("date,kind,name\n2026-10-01,holiday,国庆节\n"))
    assert CalendarDay.objects.filter(date__year=2026).count() == 1


def test_bad_rows_are_all_named_and_nothing_is_written():
    text = (
        "date,kind,name\n2026-13-01,holiday,x\n2026-10-03,holiday,weekend\n2026-10-09,workday,x\n2026-10-01,party,x\n"
    )
    with pytest.raises(RowErrors) as error:
        calendar_rows_parse(text)
    assert [(e["row"], e["field"]) for e in error.value.errors] == [(2, "date"), (3, "kind"), (4, "kind"), (5, "kind")]
    assert not CalendarDay.objects.exists()


def test_command_reports_row_numbers(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2026-10-01,holiday\nnot-a-date,holiday\n", encoding="utf-8")
    with pytest.raises(CommandError, match="row 3, date"):
        call_command("import_calendar", str(bad))
    assert not CalendarDay.objects.exists()
