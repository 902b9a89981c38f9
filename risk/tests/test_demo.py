"""The risk engine's demo (risk.demo, run by `manage.py seed_demo`): every grade, every verification
state, an active breaker and the quarterly lists, written once and scoped like everything else."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from risk.models import Alert, AlertVerification, Assessment, CircuitBreak, RiskList
from risk.selectors import alert_visible_to


def _counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in (Assessment, Alert, AlertVerification, CircuitBreak, RiskList)
    }


def test_the_demo_shows_every_grade_an_active_breaker_and_the_quarterly_lists(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Risk engine demo: assessed 2026-09, 2026-10" in out.getvalue()

    by_grade = dict(Alert.objects.values_list("grade").annotate(n=Count("id")))
    assert set(by_grade) == set(Alert.Grade.values)
    states = set(Alert.objects.values_list("grade", "status"))
    for grade in Alert.Grade.values:
        assert {
            (grade, Alert.Status.CONFIRMED),
            (grade, Alert.Status.DISMISSED),
            (grade, Alert.Status.PENDING),
        } <= states
    # a half-verified alert: one verification, still pending
    half = Alert.objects.filter(status=Alert.Status.PENDING).annotate(n=Count("verifications")).filter(n=1)
    assert half.exists()

    assert CircuitBreak.objects.filter(status=CircuitBreak.Status.ACTIVE).count() >= 1
    lists = RiskList.objects.filter(quarter="2026Q3")
    assert lists.exists()
    assert all(risk_list.notice.status == "issued" for risk_list in lists.select_related("notice"))

    # scoped: the second brigade's squad leader sees none of the first brigade's alerts
    squad_leader2 = User.objects.get(username="squad_leader2")
    visible = alert_visible_to(squad_leader2)
    assert not visible.filter(unit__code__startswith="DD01").exists()

    # written once
    before = _counts()
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "Risk engine demo: already present, nothing written." in again.getvalue()
    assert _counts() == before
