"""Indicator values against a crafted data set, the veto, and the constant number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Unit
from accounts.tests.factories import PersonFactory, UnitFactory
from cases.models import Case, Liability
from ratings.indicators import rated_units, unit_figures
from ratings.models import RatingAdjustment, RatingRound
from ratings.services import rating_round_draft
from ratings.tests import factories as f
from risk.models import Alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(org):
    squad = UnitFactory(code="X", name="测试中队", kind=Unit.Kind.SQUAD, parent=org.a)
    window = UnitFactory(code="Y", name="测试窗口", kind=Unit.Kind.WINDOW, parent=org.cg)
    closed = UnitFactory(code="Z", name="撤销的中队", kind=Unit.Kind.SQUAD, parent=org.a, is_active=False)
    return squad, window, closed


@pytest.fixture
def crafted(units, supervisor):
    squad, _window, _closed = units
    f.staff(squad, 4)
    PersonFactory(unit=squad, is_active=False)  # not in service: not in the headcount
    # findings: 2 general, 1 serious, 1 grave in 2026 = 2 + 3 + 5 = 10 points; one of 2025 not counted
    for severity in ("general", "general", "serious", "grave"):
        f.finding(squad, severity=severity)
    f.finding(squad, severity="grave", found_on=date(2025, 12, 31))
    # items: closed on time, closed on its deadline day late in the evening (on time in Beijing time),
    # closed late; closed in 2025 (not of the year); open and overdue; open, not due; submitted overdue
    f.item(squad, deadline=date(2026, 3, 10), status="closed", closed_on=date(2026, 3, 9))
    f.item(squad, deadline=date(2026, 4, 10), status="closed", closed_on=date(2026, 4, 10), closed_hour=23)
    f.item(squad, deadline=date(2026, 5, 1), status="closed", closed_on=date(2026, 5, 3))
    f.item(squad, deadline=date(2025, 11, 1), status="closed", closed_on=date(2025, 12, 1))
    f.item(squad, deadline=date(2026, 2, 1), status="open")
    f.item(squad, deadline=date(2099, 1, 1), status="open")
    f.item(squad, deadline=date(2026, 1, 5), status="submitted")
    # alerts: confirmed in 2026 counts; confirmed in 2025, or pending, does not
    f.confirmed_alert(squad, month=date(2026, 3, 1))
    f.confirmed_alert(squad, month=date(2025, 12, 1))
    f.confirmed_alert(squad, month=date(2026, 4, 1), status=Alert.Status.PENDING)
    # circuit breaks: 2026 counts; 31 December 2025 at 23:00 Beijing time does not
    f.circuit_break(squad, tripped_on=date(2026, 6, 1))
    f.circuit_break(squad, tripped_on=date(2025, 12, 31), hour=23)
    # cases: open 2026 counts; cleared 2026 does not; 2025 does not; one of 2025 concluded (confirmed)
    # in 2026 does not count as a case of the year but vetoes the year
    f.case(squad, misconduct_date=date(2026, 4, 1))
    f.case(squad, misconduct_date=date(2026, 5, 1), status=Case.Status.CONCLUDED, confirmed=False)
    f.case(squad, misconduct_date=date(2025, 6, 1))
    veto = f.confirmed_case(squad, misconduct_date=date(2025, 10, 1), concluded_on=date(2026, 2, 1))
    # liabilities: starting in 2026 counts; revoked, or starting in 2025, does not
    f.liability(squad, start_date=date(2026, 8, 1))
    f.liability(squad, start_date=date(2026, 9, 1), status=Liability.Status.REVOKED)
    f.liability(squad, start_date=date(2025, 8, 1))
    return veto


def test_the_rated_units_are_the_active_squads_and_windows(org, units):
    _squad, _window, closed = units
    rated = set(rated_units().values_list("code", flat=True))
    assert rated == {"A1", "A2", "B1", "X", "Y"}
    assert closed.code not in rated


def test_indicator_values_of_a_crafted_data_set(org, units, crafted, supervisor, today):
    squad, window, _closed = units
    rating_round = RatingRound.objects.create(year=2026)
    RatingAdjustment.objects.create(round=rating_round, unit=squad, points="3", reason="加分", created_by=supervisor)
    RatingAdjustment.objects.create(round=rating_round, unit=squad, points="-1.5", reason="减分", created_by=supervisor)

    figures = unit_figures(year=2026, unit_ids=[squad.pk, window.pk], rating_round=rating_round)

    x = figures[squad.pk]
    assert x.headcount == 4
    assert (x.findings_general, x.findings_serious, x.findings_grave, x.findings_points) == (2, 1, 1, 10)
    assert (x.items_closed, x.items_closed_on_time, x.items_closed_late, x.items_open_overdue) == (3, 2, 1, 1)
    assert x.confirmed_alerts == 1
    assert x.circuit_breaks == 1
    assert x.cases == 1
    assert x.liabilities == 1
    assert x.manual_points == Decimal("1.50")
    assert x.veto_cases == [crafted.number]
    assert x.indicator_values() == {
        "findings_per_head": Decimal("2.5000"),
        "on_time_rate": Decimal("0.6667"),
        "overdue_items": 2,
        "confirmed_alerts": 1,
        "circuit_breaks": 1,
        "cases": 1,
        "liabilities": 1,
        "manual_points": Decimal("1.50"),
    }
    y = figures[window.pk]
    assert y.headcount == 0 and not y.vetoed
    assert y.indicator_values()["on_time_rate"] == Decimal("1.0000")  # nothing closed: nothing late
    assert y.indicator_values()["findings_per_head"] == Decimal("0.0000")


def test_the_score_is_base_100_plus_the_weighted_values(org, units, crafted, supervisor, today):
    squad, window, _closed = units
    result = rating_round_draft(year=2026, actor=supervisor)
    x = result.rating_round.ratings.get(unit=squad)
    # 100 - 20 x 2.5 + 10 x 0.6667 - 2 x 2 - 3 x 1 - 2 x 1 - 10 x 1 - 2 x 1 = 35.667
    assert x.score == Decimal("35.667")
    assert x.vetoed
    assert crafted.number in x.explanation
    assert x.indicators["findings_per_head"] == 2.5
    assert x.figures["items_closed_late"] == 1
    assert result.rating_round.weights["findings_per_head"] == "-20.000"
    y = result.rating_round.ratings.get(unit=window)
    assert y.score == Decimal("110.000")  # on-time rate 1 x 10


def test_an_inactive_indicator_does_not_count_and_is_not_in_the_weights(org, units, crafted, supervisor, today):
    from ratings.models import Indicator

    Indicator.objects.filter(code="findings_per_head").update(is_active=False)
    squad, _window, _closed = units
    result = rating_round_draft(year=2026, actor=supervisor)
    assert "findings_per_head" not in result.rating_round.weights
    assert result.rating_round.ratings.get(unit=squad).score == Decimal("85.667")


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_units(org, supervisor, today):
    # given 3 rated units with data
    few = f.squads(org.a, 3, prefix="F")
    for unit in few:
        f.staff(unit, 2)
        f.finding(unit)
        f.item(unit, deadline=date(2026, 3, 1), status="closed", closed_on=date(2026, 3, 2))
        f.confirmed_alert(unit)
        f.case(unit)
    units_before = list(rated_units().values_list("pk", flat=True))
    rating_round = rating_round_draft(year=2026, actor=supervisor).rating_round
    small_figures = _queries(lambda: unit_figures(year=2026, unit_ids=units_before, rating_round=rating_round))
    small_draft = _queries(lambda: rating_round_draft(year=2026, actor=supervisor))

    # when there are ten times as many
    many = f.squads(org.b, 30, prefix="M")
    for unit in many:
        f.staff(unit, 2)
        f.finding(unit, severity="grave")
        f.item(unit, deadline=date(2026, 3, 1), status="open")
        f.circuit_break(unit)
        f.liability(unit)
    units_after = list(rated_units().values_list("pk", flat=True))
    assert len(units_after) == len(units_before) + 30

    # then computing costs the same number of queries
    figures = _queries(lambda: unit_figures(year=2026, unit_ids=units_after, rating_round=rating_round))
    assert figures == small_figures == 8  # one per source table
    assert _queries(lambda: rating_round_draft(year=2026, actor=supervisor)) == small_draft
