"""The monthly comprehensive assessment (每月综合研判): idempotency, explainable scores, alert grades,
a query count that does not grow with the number of persons, and its command and task."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PersonFactory, PostFactory
from risk.models import Alert, AlertVerification, Assessment, ModelHit, RiskModel, RiskScore, SubjectKind
from risk.rules import REGISTRY
from risk.services import alert_grade, assessment_month, assessment_run, risk_models_sync
from risk.tasks import assessment_run_task
from risk.tests.factories import MONTH, records

pytestmark = pytest.mark.django_db

VIOLATION = {"area": "violation_processing", "business_type": "violation.process"}
THRESHOLDS = {"blue": 30, "yellow": 50, "orange": 70, "red": 85}


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.RISK_ALERT_THRESHOLDS = dict(THRESHOLDS)


def deletions(person, count: int, *, month: date = MONTH, day: int = 12):
    """`count` violation records deleted by `person` on one day (violation_mass_delete: more than 5)."""
    return records(count, unit=person.unit, operator=person, month=month, day=day, flags=["deleted"], **VIOLATION)


def dui_not_transferred(person, *, month: date = MONTH):
    return records(
        1,
        unit=person.unit,
        operator=person,
        month=month,
        day=5,
        area="road_enforcement",
        business_type="road.dui",
        status="pending",
        completed_at=None,
        flags=["public_servant_dui"],
    )


def snapshot(assessment: Assessment):
    hits = sorted(
        ModelHit.objects.filter(assessment=assessment).values_list(
            "model__code", "subject_kind", "subject_key", "person_id", "unit_id", "count", "contribution"
        )
    )
    scores = sorted(
        RiskScore.objects.filter(assessment=assessment).values_list(
            "subject_kind", "subject_id", "index", "top_factors"
        )
    )
    alerts = sorted(
        Alert.objects.filter(assessment=assessment).values_list("pk", "person_id", "grade", "index", "status")
    )
    return hits, scores, alerts


@pytest.fixture
def clerks(org):
    """Four violation clerks of one post in squad A1: 6, 7, 10 deletions in a day, and 10 plus an
    untransferred DUI case; and a fifth under every threshold."""
    post = PostFactory(code="WFCL", name="违法处理")
    people = [PersonFactory(unit=org.a1, post=post, name=f"内勤{n}") for n in range(5)]
    for person, count in zip(people, (6, 7, 10, 10, 5), strict=True):
        deletions(person, count)
    dui_not_transferred(people[3])
    return people


# --- the run ---------------------------------------------------------------------------------------------


def test_assessment_scores_persons_posts_and_units_from_the_hits(clerks, org, today):
    # when
    result = assessment_run(month=MONTH)

    # then: contribution = weight * 25 * min(count / threshold, 2); the index is their sum, capped
    assessment = result.assessment
    assert (assessment.month, assessment.runs, assessment.hit_count) == (MONTH, 1, 5)
    person_index = dict(
        RiskScore.objects.filter(assessment=assessment, subject_kind=SubjectKind.PERSON).values_list(
            "person_id", "index"
        )
    )
    assert person_index == {
        clerks[0].pk: Decimal("45.0"),  # 1.5 * 25 * 6/5
        clerks[1].pk: Decimal("52.5"),  # 1.5 * 25 * 7/5
        clerks[2].pk: Decimal("75.0"),  # 1.5 * 25 * 2 (the ratio is capped at 2)
        clerks[3].pk: Decimal("100.0"),  # 75 + 2.0 * 25 * 1/1 = 125, capped at 100
    }
    post = RiskScore.objects.get(assessment=assessment, subject_kind=SubjectKind.POST)
    assert (post.post_id, post.index) == (clerks[0].post_id, Decimal("59.5"))  # 297.5 over its 5 holders
    unit = RiskScore.objects.get(assessment=assessment, subject_kind=SubjectKind.UNIT)
    assert (unit.unit_id, unit.index) == (org.a1.pk, Decimal("100.0"))  # 297.5 * 10 / 5 persons, capped
    assert (result.hits, result.scores, result.alerts_created) == (5, 6, 4)


def test_scores_are_explainable_by_their_models(clerks, today):
    # when
    assessment = assessment_run(month=MONTH).assessment

    # then: the top factors name each model, its count and its contribution, largest first
    score = RiskScore.objects.get(assessment=assessment, subject_kind=SubjectKind.PERSON, person=clerks[3])
    assert [(f["model"], f["count"], f["contribution"]) for f in score.top_factors] == [
        ("violation_mass_delete", 10, 75.0),
        ("dui_not_transferred", 1, 50.0),
    ]
    assert score.top_factors[0]["name"] == REGISTRY["violation_mass_delete"].name_zh
    assert score.contributions == {"violation_mass_delete": "75.0", "dui_not_transferred": "50.0"}
    for kind in (SubjectKind.POST, SubjectKind.UNIT):
        factors = RiskScore.objects.get(assessment=assessment, subject_kind=kind).top_factors
        assert {f["model"] for f in factors} == {"violation_mass_delete", "dui_not_transferred"}
    # the alert carries the same factors, and the hits their source records
    alert = Alert.objects.get(assessment=assessment, person=clerks[3])
    assert alert.factors == score.top_factors
    hit = ModelHit.objects.get(assessment=assessment, person=clerks[3], model__code="violation_mass_delete")
    assert hit.sample_record_ids and hit.subject_key == clerks[3].badge_number


def test_alerts_are_graded_by_the_configured_thresholds(clerks, today):
    # when
    assessment = assessment_run(month=MONTH).assessment

    # then
    grades = dict(Alert.objects.filter(assessment=assessment).values_list("person_id", "grade"))
    assert grades == {
        clerks[0].pk: Alert.Grade.BLUE,  # 45
        clerks[1].pk: Alert.Grade.YELLOW,  # 52.5
        clerks[2].pk: Alert.Grade.ORANGE,  # 75
        clerks[3].pk: Alert.Grade.RED,  # 100
    }
    assert assessment.alert_count == 4


def test_thresholds_are_settings(clerks, settings, today):
    # given
    settings.RISK_ALERT_THRESHOLDS = {"blue": 50, "yellow": 60, "orange": 80, "red": 99}

    # when
    assessment = assessment_run(month=MONTH).assessment

    # then
    grades = dict(Alert.objects.filter(assessment=assessment).values_list("person_id", "grade"))
    assert grades == {clerks[1].pk: "blue", clerks[2].pk: "yellow", clerks[3].pk: "red"}


@pytest.mark.parametrize(
    ("index", "grade"),
    [
        ("29.9", None),
        ("30", "blue"),
        ("49.9", "blue"),
        ("50", "yellow"),
        ("70", "orange"),
        ("85", "red"),
        ("100", "red"),
    ],
)
def test_alert_grade(index, grade):
    assert alert_grade(Decimal(index)) == grade


# --- idempotency ---------------------------------------------------------------------------------------


def test_running_twice_changes_nothing_but_the_run_count(clerks, today):
    # given
    first = assessment_run(month=MONTH)
    before = snapshot(first.assessment)

    # when
    second = assessment_run(month=MONTH)

    # then
    assert second.assessment.pk == first.assessment.pk and second.assessment.runs == 2
    assert snapshot(second.assessment) == before
    assert second.alerts_created == 0
    assert Assessment.objects.count() == 1
    assert Alert.objects.count() == 4 and ModelHit.objects.count() == 5


def test_rerun_keeps_reviewers_decisions_and_refreshes_untouched_alerts(clerks, supervisor, today):
    # given: one alert decided, one verified once, two untouched
    assessment = assessment_run(month=MONTH).assessment
    alerts = {a.person_id: a for a in Alert.objects.filter(assessment=assessment)}
    decided, verified = alerts[clerks[2].pk], alerts[clerks[1].pk]
    Alert.objects.filter(pk=decided.pk).update(status=Alert.Status.DISMISSED, dismissal_reason="系统误报")
    AlertVerification.objects.create(alert=verified, verifier=supervisor, role="supervisor", agree=True, comment="属实")
    untouched = alerts[clerks[0].pk]
    decided_before = Alert.objects.filter(pk=decided.pk).values().get()
    verified_before = Alert.objects.filter(pk=verified.pk).values().get()
    # and more records: everyone's index goes up
    for person in clerks[:3]:
        dui_not_transferred(person)

    # when
    result = assessment_run(month=MONTH)

    # then
    assert result.alerts_created == 0
    assert Alert.objects.filter(pk=decided.pk).values().get() == decided_before
    assert Alert.objects.filter(pk=verified.pk).values().get() == verified_before
    untouched.refresh_from_db()
    assert (untouched.index, untouched.grade) == (Decimal("95.0"), Alert.Grade.RED)  # 45 + 50
    assert {f["model"] for f in untouched.factors} == {"violation_mass_delete", "dui_not_transferred"}
    assert Alert.objects.filter(assessment=assessment).count() == 4


def test_rerun_withdraws_an_untouched_alert_that_no_longer_holds(clerks, supervisor, today):
    # given: the mass-deletion model switched off after a first run
    assessment = assessment_run(month=MONTH).assessment
    verified = Alert.objects.get(assessment=assessment, person=clerks[0])
    AlertVerification.objects.create(alert=verified, verifier=supervisor, role="supervisor", agree=True, comment="属实")
    RiskModel.objects.filter(code="violation_mass_delete").update(is_active=False)

    # when
    result = assessment_run(month=MONTH)

    # then: clerk 3 still has the DUI hit (50: yellow); the verified alert stays; the others go
    remaining = dict(Alert.objects.filter(assessment=assessment).values_list("person_id", "grade"))
    assert remaining == {clerks[0].pk: Alert.Grade.BLUE, clerks[3].pk: Alert.Grade.YELLOW}
    assert result.alerts_withdrawn == 2
    assert not ModelHit.objects.filter(assessment=assessment, model__code="violation_mass_delete").exists()


def test_model_parameters_and_switch_come_from_the_model_rows(clerks, today):
    # given
    risk_models_sync()
    RiskModel.objects.filter(code="violation_mass_delete").update(parameters={"max_per_day": 9})
    RiskModel.objects.filter(code="dui_not_transferred").update(is_active=False)

    # when
    assessment = assessment_run(month=MONTH).assessment

    # then: only the two clerks with 10 deletions are over 9
    hits = ModelHit.objects.filter(assessment=assessment)
    assert sorted(hits.values_list("person_id", "model__code")) == sorted(
        [(clerks[2].pk, "violation_mass_delete"), (clerks[3].pk, "violation_mass_delete")]
    )


def test_months_are_assessed_separately(clerks, org, today):
    # given: September has other records (on Monday the 14th)
    september = date(2026, 9, 1)
    deletions(clerks[4], 8, month=september, day=14)

    # when
    october = assessment_run(month=MONTH).assessment
    september_assessment = assessment_run(month=september).assessment

    # then
    assert ModelHit.objects.filter(assessment=september_assessment).get().person_id == clerks[4].pk
    assert not ModelHit.objects.filter(assessment=october, person=clerks[4]).exists()


# --- the cost does not grow with the number of persons -------------------------------------------------


def _persons_with_hits(org, count: int, month: date):
    """`count` persons with one hit each (6 deletions on a Monday): a blue alert each."""
    post = PostFactory(code="WFCL")
    monday = 14 if month.month == 9 else 12
    for _number in range(count):
        deletions(PersonFactory(unit=org.a1, post=post), 6, month=month, day=monday)


def _queries_of_two_runs(month: date) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as first:
        assessment_run(month=month)
    with CaptureQueriesContext(connection) as second:
        assessment_run(month=month)
    return len(first), len(second)


def test_query_count_does_not_grow_with_the_number_of_persons(org, today):
    # given: the model rows exist (their creation is a one-off)
    risk_models_sync()
    _persons_with_hits(org, 5, date(2026, 9, 1))
    _persons_with_hits(org, 50, MONTH)

    # when
    few = _queries_of_two_runs(date(2026, 9, 1))
    many = _queries_of_two_runs(MONTH)

    # then
    assert ModelHit.objects.filter(assessment__month=date(2026, 9, 1)).count() == 5
    assert ModelHit.objects.filter(assessment__month=MONTH).count() == 50
    assert Alert.objects.filter(assessment__month=date(2026, 9, 1)).count() == 5
    assert Alert.objects.filter(assessment__month=MONTH).count() == 50
    assert few == many, f"5 persons: {few} queries, 50 persons: {many}"


# --- command, task, beat --------------------------------------------------------------------------------


def test_command_runs_the_month(clerks, today, capsys):
    # when
    call_command("run_assessment", "--month", "2026-10")

    # then
    out = capsys.readouterr().out
    assert "2026-10 (run 1): 5 model hits" in out and "4 new alerts" in out
    assert Assessment.objects.get().month == MONTH


def test_command_defaults_to_the_previous_month(org, today, capsys):
    # when (today is 2026-11-23)
    call_command("run_assessment")

    # then
    assert Assessment.objects.get().month == date(2026, 10, 1)


@pytest.mark.parametrize("month", ["2026-13", "10/2026", "2026", "october"])
def test_command_refuses_a_bad_month(month, org):
    with pytest.raises(CommandError, match="--month: the month must look like 2026-10"):
        call_command("run_assessment", "--month", month)
    assert not Assessment.objects.exists()


def test_task_runs_the_previous_month_by_default(clerks, today):
    # when
    result = assessment_run_task()

    # then
    assert result == {"month": "2026-10", "hits": 5, "scores": 6, "alerts_created": 4, "alerts_withdrawn": 0}


def test_task_runs_a_given_month(org, today):
    assert assessment_run_task("2026-09")["month"] == "2026-09"


def test_assessment_month():
    assert assessment_month("2026-10") == date(2026, 10, 1)
    assert assessment_month(None, today=date(2026, 1, 15)) == date(2025, 12, 1)
    with pytest.raises(ValueError, match="2026-10"):
        assessment_month("2026-1x")


def test_the_assessment_is_on_the_beat_on_the_first_of_the_month():
    entry = settings.CELERY_BEAT_SCHEDULE["risk-assessment-monthly"]

    assert entry["task"] == assessment_run_task.name == "risk.tasks.assessment_run_task"
    schedule = entry["schedule"]
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {3}, {30})
