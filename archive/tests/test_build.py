"""What a year's archive holds, for a unit and for a person, built set-based."""

import json

import pytest

from archive.services import FINDING_NOT_HANDED_OVER, Subject, archive_build
from archive.tests.conftest import SECRET

pytestmark = pytest.mark.django_db


def test_unit_archive_holds_the_units_own_objects_of_the_year(crafted, org, clerk):
    # when
    data = archive_build(year=2026, units=[org.a1], persons=[])[Subject("unit", org.a1.pk)]

    # then
    sections = data["sections"]
    assert data["kind"] == "unit" and data["year"] == 2026 and data["subject"]["code"] == "A1"
    findings = {f["id"]: f for f in sections["findings"]}
    assert set(findings) == {crafted.finding.pk, crafted.grave.pk}  # not 2025, not A2, not the brigade
    assert findings[crafted.finding.pk]["status"] == "rectifying"
    assert findings[crafted.finding.pk]["notices"] == [crafted.notice.document_number]
    assert findings[crafted.grave.pk]["status"] == FINDING_NOT_HANDED_OVER
    assert findings[crafted.grave.pk]["persons"] == [clerk.name]
    assert findings[crafted.grave.pk]["severity"] == "grave"
    assert findings[crafted.grave.pk]["category"] == "work_discipline"

    [notice] = sections["notices"]
    assert notice["number"] == crafted.notice.document_number
    assert notice["status"] == "rectifying" and notice["item_count"] == 1
    [item] = sections["items"]
    assert item["id"] == crafted.item.pk and item["status"] == "open"
    assert item["deadline"] == crafted.item.deadline.isoformat()
    assert item["on_time"] is None  # not yet due
    assert item["notice_number"] == crafted.notice.document_number and item["sequence"] == 1

    assert {(a["month"], a["grade"], a["status"]) for a in sections["alerts"]} == {
        ("2026-10", "orange", "confirmed"),
        ("2026-09", "yellow", "pending"),
    }
    [breaker] = sections["circuit_breaks"]
    assert breaker["scope_key"] == clerk.badge_number and breaker["model"] == "t-deletes"
    assert breaker["status"] == "active"
    [risk_list] = sections["risk_lists"]
    assert risk_list["quarter"] == "2026Q3" and risk_list["entry_count"] == 2
    [case] = sections["cases"]
    assert case["number"] == "纪案〔2026〕1号" and case["category"] == "bribery" and case["severity"] == "serious"
    assert case["status"] == "concluded" and case["integrity_problem_confirmed"] is True
    assert case["misconduct_date"] == "2026-06-01" and case["person_count"] == 1
    [liability] = sections["liabilities"]
    assert liability["level"] == "direct" and liability["start_date"] == "2026-07-01"
    assert liability["end_date"] == "2027-06-30" and liability["status"] == "active"
    [rating] = sections["ratings"]
    assert rating == {
        "year": 2026,
        "score": "88.500",
        "rank": 1,
        "grade": "model",
        "vetoed": False,
        "published_on": "2026-11-23",
    }

    totals = data["totals"]
    assert totals["findings"] == {"count": 2, "general": 0, "serious": 1, "grave": 1}
    assert totals["notices"] == {"count": 1, "closed": 0}
    assert totals["items"] == {"count": 1, "closed": 0, "on_time": 0, "late": 0}
    assert totals["alerts"]["count"] == 2 and totals["alerts"]["confirmed"] == 1
    assert totals["cases"] == {"count": 1, "integrity_problem_confirmed": 1}
    assert totals["liabilities"] == {"count": 1, "in_force": 1}
    assert totals["ratings"] == {"count": 1}


def test_a_unit_archive_is_the_unit_itself_not_its_subtree(crafted, org):
    built = archive_build(year=2026, units=[org.a, org.a2], persons=[])
    brigade = built[Subject("unit", org.a.pk)]["sections"]
    assert [f["id"] for f in brigade["findings"]] == [crafted.brigade.pk]
    assert brigade["alerts"] == [] and brigade["cases"] == [] and brigade["ratings"] == []
    assert [f["id"] for f in built[Subject("unit", org.a2.pk)]["sections"]["findings"]] == [crafted.other.pk]


def test_person_archive_holds_what_concerns_the_person(crafted, org, clerk):
    data = archive_build(year=2026, units=[], persons=[clerk])[Subject("person", clerk.pk)]

    sections = data["sections"]
    assert set(sections) == {"findings", "alerts", "circuit_breaks", "cases", "liabilities"}
    assert data["subject"]["badge_number"] == clerk.badge_number and data["subject"]["unit"] == org.a1.name
    assert [f["id"] for f in sections["findings"]] == [crafted.grave.pk]
    assert [a["id"] for a in sections["alerts"]] == [crafted.confirmed.pk]
    assert [b["id"] for b in sections["circuit_breaks"]] == [crafted.breaker.pk]
    [case] = sections["cases"]
    assert case["responsibility"] == "direct" and case["action"] == "admonishment"
    assert [row["id"] for row in sections["liabilities"]] == [crafted.liability.pk]
    assert data["totals"]["findings"]["grave"] == 1


def test_a_break_on_the_persons_login_counts_too_but_not_a_device(crafted, org, clerk):
    from risk.models import CircuitBreak
    from risk.tests.alert_factories import make_model

    on_login = CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.USER, scope_key="clerk_zhang", unit=org.b1, model=make_model(), evidence={}
    )
    CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.DEVICE, scope_key=clerk.badge_number, unit=org.b1, model=make_model()
    )
    data = archive_build(year=2026, units=[], persons=[clerk])[Subject("person", clerk.pk)]
    assert {b["id"] for b in data["sections"]["circuit_breaks"]} == {crafted.breaker.pk, on_login.pk}


def test_the_previous_year_holds_only_its_own_objects(crafted, org, clerk):
    built = archive_build(year=2025, units=[org.a1], persons=[clerk])
    unit = built[Subject("unit", org.a1.pk)]
    assert [f["id"] for f in unit["sections"]["findings"]] == [crafted.old.pk]
    assert unit["sections"]["alerts"] == [] and unit["sections"]["cases"] == [] and unit["sections"]["ratings"] == []
    assert built[Subject("person", clerk.pk)]["sections"]["findings"] == []


def test_an_unpublished_rating_round_is_not_in_the_archive(crafted, org):
    from ratings.models import RatingRound

    RatingRound.objects.filter(pk=crafted.round.pk).update(status=RatingRound.Status.APPROVED)
    data = archive_build(year=2026, units=[org.a1], persons=[])[Subject("unit", org.a1.pk)]
    assert data["sections"]["ratings"] == []


def test_case_facts_title_conclusion_and_reasons_never_reach_an_archive(crafted, org, clerk):
    built = archive_build(year=2026)
    text = json.dumps(list(built.values()), ensure_ascii=False)
    assert "纪案〔2026〕1号" in text  # the case is there...
    assert SECRET not in text  # ...but nothing of its text


def test_building_everything_agrees_with_building_one_subject(crafted, org, clerk):
    everything = archive_build(year=2026)
    assert (
        everything[Subject("unit", org.a1.pk)]
        == archive_build(year=2026, units=[org.a1], persons=[])[Subject("unit", org.a1.pk)]
    )
    assert (
        everything[Subject("person", clerk.pk)]
        == archive_build(year=2026, units=[], persons=[clerk])[Subject("person", clerk.pk)]
    )
