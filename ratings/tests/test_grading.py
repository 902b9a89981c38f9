"""The forced distribution as a pure function (no database): quotas, order, veto, secondary keys and ties."""

from collections import Counter
from decimal import Decimal

import pytest

from ratings.grading import (
    DEMONSTRATION,
    MODEL,
    SECONDARY_GRAVE,
    SECONDARY_ON_TIME,
    STANDARD,
    WARNING,
    grade_units,
    quotas_for,
    round_half_up_percent,
)


def distinct(n: int, vetoed=()):
    """n units with distinct scores, unit i ranked i+1 (score 100 - i)."""
    return [(i, Decimal(100 - i), 0, Decimal("1"), i in vetoed) for i in range(n)]


def grades(results) -> dict[int, str]:
    return {r.unit_id: r.grade for r in results}


@pytest.mark.parametrize(
    ("n", "model", "demonstration", "warning"),
    [(7, 1, 3, 1), (10, 1, 4, 1), (23, 2, 9, 2), (40, 4, 16, 4)],
)
def test_quotas_for_the_numbers_of_units_of_the_issue(n, model, demonstration, warning):
    # given n units with distinct scores
    quotas, results = grade_units(distinct(n))
    # then the quotas and the grades handed out are those of round-half-up(10 %, 40 %, 10 %)
    assert (quotas.model, quotas.demonstration, quotas.warning) == (model, demonstration, warning)
    counts = Counter(r.grade for r in results)
    assert counts[MODEL] == model
    assert counts[DEMONSTRATION] == demonstration
    assert counts[WARNING] == warning
    assert counts[STANDARD] == n - model - demonstration - warning
    # best first: model, then demonstration, then standard, the bottom warning-tagged
    order = [r.grade for r in results]
    assert (
        order == [MODEL] * model + [DEMONSTRATION] * demonstration + [STANDARD] * counts[STANDARD] + [WARNING] * warning
    )
    assert [r.rank for r in results] == list(range(1, n + 1))


@pytest.mark.parametrize(
    ("n", "percent", "expected"),
    [
        (7, 10, 1),  # 0.7
        (7, 40, 3),  # 2.8
        (23, 10, 2),  # 2.3
        (23, 40, 9),  # 9.2
        (5, 10, 1),  # 0.5 rounds up
        (15, 10, 2),  # 1.5 rounds up
        (25, 10, 3),  # 2.5 rounds up (not to even)
        (4, 10, 0),  # 0.4
        (11, 40, 4),  # 4.4
        (9, 50, 5),  # 4.5 rounds up
    ],
)
def test_round_half_up_is_exact(n, percent, expected):
    assert round_half_up_percent(n, percent) == expected


def test_small_rounds_give_what_the_percentages_allow():
    assert (quotas_for(1).model, quotas_for(1).demonstration, quotas_for(1).warning) == (0, 0, 0)
    assert (quotas_for(2).model, quotas_for(2).demonstration, quotas_for(2).warning) == (0, 1, 0)
    _quotas, results = grade_units(distinct(2))
    assert [r.grade for r in results] == [DEMONSTRATION, STANDARD]
    assert grade_units([]) == (quotas_for(0), [])


def test_the_veto_passes_the_place_to_the_next_eligible_unit():
    # given 10 units; the best (0) and the fourth (3) are vetoed
    _quotas, results = grade_units(distinct(10, vetoed={0, 3}))
    by_unit = {r.unit_id: r for r in results}
    # then neither is model or demonstration, both standard
    assert by_unit[0].grade == STANDARD and by_unit[0].vetoed and by_unit[0].vetoed_from == MODEL
    assert by_unit[3].grade == STANDARD and by_unit[3].vetoed_from == DEMONSTRATION
    # and the quotas are filled by the next eligible units: 1 model, 4 demonstration
    assert by_unit[1].grade == MODEL
    assert [by_unit[u].grade for u in (2, 4, 5, 6)] == [DEMONSTRATION] * 4
    assert by_unit[6].place_grade == STANDARD and by_unit[6].passed_over == 2  # moved up by the vetoes
    assert Counter(r.grade for r in results) == {MODEL: 1, DEMONSTRATION: 4, STANDARD: 4, WARNING: 1}
    # the rank is the rank by score; the veto changes grades, not ranks
    assert by_unit[0].rank == 1 and by_unit[1].rank == 2


def test_a_vetoed_unit_at_the_bottom_is_warning_tagged():
    _quotas, results = grade_units(distinct(10, vetoed={9}))
    assert grades(results)[9] == WARNING


def test_the_quotas_are_not_filled_from_the_warning_places():
    # given 10 units of which the 8 best are vetoed
    _quotas, results = grade_units(distinct(10, vetoed=set(range(8))))
    # then the only eligible unit above the warning place is model; nobody takes a warning place up
    assert grades(results)[8] == MODEL
    assert grades(results)[9] == WARNING
    assert Counter(r.grade for r in results) == {STANDARD: 8, MODEL: 1, WARNING: 1}


def test_equal_scores_are_separated_by_fewer_grave_findings():
    # given 10 units; units 0 and 1 share the best score, unit 1 has fewer grave findings
    entries = distinct(10)
    entries[0] = (0, Decimal(100), 2, Decimal(1), False)
    entries[1] = (1, Decimal(100), 1, Decimal("0.5"), False)
    _quotas, results = grade_units(entries)
    by_unit = {r.unit_id: r for r in results}
    # then unit 1 is model (a better on-time rate does not beat fewer grave findings)
    assert by_unit[1].grade == MODEL and by_unit[1].rank == 1
    assert by_unit[0].grade == DEMONSTRATION and by_unit[0].rank == 2
    assert by_unit[0].separated_by == by_unit[1].separated_by == SECONDARY_GRAVE
    assert not by_unit[0].tie_unresolved and not by_unit[1].tie_unresolved


def test_equal_scores_and_grave_findings_are_separated_by_the_higher_on_time_rate():
    entries = distinct(10)
    entries[0] = (0, Decimal(100), 1, Decimal("0.8"), False)
    entries[1] = (1, Decimal(100), 1, Decimal("0.9"), False)
    _quotas, results = grade_units(entries)
    by_unit = {r.unit_id: r for r in results}
    assert by_unit[1].grade == MODEL
    assert by_unit[0].grade == DEMONSTRATION
    assert by_unit[1].separated_by == SECONDARY_ON_TIME


def test_a_full_tie_across_a_boundary_is_flagged_and_both_get_the_lower_grade():
    # given 10 units; units 0 and 1 are equal on score, grave findings and on-time rate (model: 1 place)
    entries = distinct(10)
    entries[1] = (1, Decimal(100), 0, Decimal(1), False)
    _quotas, results = grade_units(entries)
    by_unit = {r.unit_id: r for r in results}
    # then neither gets the model place: both are flagged, provisionally demonstration
    for unit_id in (0, 1):
        assert by_unit[unit_id].tie_unresolved
        assert by_unit[unit_id].grade == DEMONSTRATION
        assert by_unit[unit_id].tie_grades == {MODEL: 1, DEMONSTRATION: 1}
        assert by_unit[unit_id].rank == 1
    assert by_unit[0].tie_group == by_unit[1].tie_group == 1
    # the other places are untouched: the next three are demonstration, no model is given
    assert [by_unit[u].grade for u in (2, 3, 4)] == [DEMONSTRATION] * 3
    assert by_unit[5].grade == STANDARD
    assert Counter(r.grade for r in results)[MODEL] == 0


def test_a_tie_inside_one_grade_is_not_flagged():
    entries = distinct(10)
    entries[3] = (3, Decimal(98), 0, Decimal(1), False)  # equal to unit 2, both demonstration places
    _quotas, results = grade_units(entries)
    by_unit = {r.unit_id: r for r in results}
    assert by_unit[2].grade == by_unit[3].grade == DEMONSTRATION
    assert not by_unit[2].tie_unresolved and not by_unit[3].tie_unresolved
    assert by_unit[2].rank == by_unit[3].rank == 3


def test_a_tie_at_the_warning_boundary_flags_every_unit_of_the_tie():
    # given 10 units; the last two are fully tied and there is one warning place
    entries = distinct(10)
    entries[9] = (9, Decimal(92), 0, Decimal(1), False)
    _quotas, results = grade_units(entries)
    by_unit = {r.unit_id: r for r in results}
    for unit_id in (8, 9):
        assert by_unit[unit_id].tie_unresolved
        assert by_unit[unit_id].grade == WARNING
        assert by_unit[unit_id].tie_grades == {WARNING: 1, STANDARD: 1}


def test_a_vetoed_unit_tied_with_eligible_units_is_not_part_of_a_top_tie():
    # given units 0 (vetoed) and 1 fully tied at the top
    entries = distinct(10, vetoed={0})
    entries[1] = (1, Decimal(100), 0, Decimal(1), False)
    _quotas, results = grade_units(entries)
    by_unit = {r.unit_id: r for r in results}
    # the vetoed unit cannot take the model place, so the eligible one does, without a tie
    assert by_unit[0].grade == STANDARD and not by_unit[0].tie_unresolved
    assert by_unit[1].grade == MODEL and not by_unit[1].tie_unresolved


def test_the_result_does_not_depend_on_the_order_of_the_input():
    entries = distinct(23, vetoed={2, 15})
    entries[5] = (5, Decimal(96), 0, Decimal(1), False)  # tied with unit 4, both demonstration
    entries[12] = (12, Decimal(89), 0, Decimal(1), False)  # tied with unit 11 across demonstration/standard
    _q, forward = grade_units(entries)
    assert {r.unit_id for r in forward if r.tie_unresolved} == {11, 12}
    _q, backward = grade_units(list(reversed(entries)))
    assert {(r.unit_id, r.grade, r.rank, r.tie_unresolved) for r in forward} == {
        (r.unit_id, r.grade, r.rank, r.tie_unresolved) for r in backward
    }


def test_a_unit_appears_once():
    with pytest.raises(ValueError, match="once"):
        grade_units([(1, Decimal(1), 0, Decimal(1), False), (1, Decimal(2), 0, Decimal(1), False)])
