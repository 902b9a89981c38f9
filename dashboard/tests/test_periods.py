from datetime import date

import pytest

from core.errors import DomainError
from dashboard.figures import Period, parse_period, period_between


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "kind"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31), "2026-10", Period.MONTH),
        ("2026-2", date(2026, 2, 1), date(2026, 2, 28), "2026-02", Period.MONTH),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02", Period.MONTH),
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31), "2026Q1", Period.QUARTER),
        ("2026q3", date(2026, 7, 1), date(2026, 9, 30), "2026Q3", Period.QUARTER),
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31), "2026Q4", Period.QUARTER),
        ("2026H1", date(2026, 1, 1), date(2026, 6, 30), "2026H1", Period.HALF_YEAR),
        ("2026h2", date(2026, 7, 1), date(2026, 12, 31), "2026H2", Period.HALF_YEAR),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026", Period.YEAR),
        (" 2026 ", date(2026, 1, 1), date(2026, 12, 31), "2026", Period.YEAR),
        (
            "2026-01-05..2026-03-31",
            date(2026, 1, 5),
            date(2026, 3, 31),
            "2026-01-05..2026-03-31",
            Period.CUSTOM,
        ),
        ("2026-03-31 .. 2026-03-31", date(2026, 3, 31), date(2026, 3, 31), "2026-03-31..2026-03-31", Period.CUSTOM),
    ],
)
def test_periods_parse(text, start, end, label, kind):
    period = parse_period(text)

    assert (period.start, period.end, period.label, period.kind) == (start, end, label, kind)
    # The label is canonical: parsing it again gives the same period.
    assert parse_period(period.label) == period


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2026-13",
        "2026-0",
        "2026Q5",
        "2026Q0",
        "2026H3",
        "26",
        "1999",
        "2100",
        "2026-02-30..2026-03-01",
        "2026-03-01..2026-02-01",
        "2026-01-01...2026-02-01",
        "next year",
        "2026-10-01",
    ],
)
def test_bad_periods_name_the_period_field(text):
    with pytest.raises(DomainError) as error:
        parse_period(text)

    assert error.value.field == "period"
    assert error.value.message


def test_a_range_ending_before_it_starts_names_the_field_asked_for():
    with pytest.raises(DomainError) as error:
        period_between(date(2026, 3, 1), date(2026, 2, 1), field="to")

    assert error.value.field == "to"
    assert "2026-02-01" in error.value.message


def test_months_and_bounds_of_a_period():
    period = parse_period("2026-01-15..2026-03-02")

    assert period.months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    start, end = period.bounds()
    assert start.isoformat() == "2026-01-15T00:00:00+08:00"
    assert end.isoformat() == "2026-03-03T00:00:00+08:00"
