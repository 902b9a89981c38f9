"""The cases demo (cases.demo, run by `manage.py seed_demo`): cases in every state, confirmed ones with
liability records, the former commander implicated for misconduct before the change of commander, one
objection granted and one pending; written once and scoped like everything else."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command

from accounts.demo_data import CHIEF_CHANGES, DEMO_TODAY
from accounts.models import Position, User
from cases.models import Case, Liability, LiabilityLevel, Objection
from cases.selectors import case_visible_to, liability_visible_to
from supervision.models import ClueTransfer


def _counts():
    return {model._meta.label: model._default_manager.count() for model in (Case, Liability, Objection)}


def test_the_demo_has_cases_in_every_state_with_records_and_objections(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Cases demo: 7 cases" in out.getvalue()

    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    confirmed = Case.objects.filter(integrity_problem_confirmed=True)
    assert confirmed.count() >= 3
    assert all(case.liabilities.exists() for case in confirmed)
    assert Case.objects.filter(source=Case.Source.CLUE).count() == 2
    # and one grave clue is left with discipline inspection, awaiting a decision
    assert ClueTransfer.objects.filter(status=ClueTransfer.Status.TRANSFERRED, case__isnull=True).exists()
    for case in Case.objects.all():
        assert case.misconduct_date.year == 2026 and case.misconduct_date < DEMO_TODAY

    # misconduct in the first direct brigade before its commander changed: the former commander answers
    before = Case.objects.get(unit__code="DD01-ZD01")
    assert before.misconduct_date < CHIEF_CHANGES["DD01"]
    chiefs = Liability.objects.filter(case=before, level=LiabilityLevel.CHIEF).select_related("position")
    commander = chiefs.get(position__title="大队长")
    assert commander.position.end_date == CHIEF_CHANGES["DD01"] - timedelta(days=1)
    current = Position.objects.held_on(DEMO_TODAY).get(unit__code="DD01", title="大队长")
    assert commander.person_id != current.person_id

    assert dict(Objection.objects.values_list("decision", "liability__status")) == {
        "granted": "revoked",
        "pending": "objected",
    }

    # scoped: the squad leader of the second brigade sees no case of the first; the first brigade's
    # squad leader sees their own case without its facts, and their own (revoked) record
    squad_leader2 = User.objects.get(username="squad_leader2")
    assert not case_visible_to(squad_leader2).filter(unit__code__startswith="DD01").exists()
    squad_leader = User.objects.get(username="squad_leader")
    mine = case_visible_to(squad_leader).get(pk=before.pk)
    assert mine.facts_readable is False
    assert liability_visible_to(squad_leader).filter(person__user=squad_leader, status="revoked").exists()

    # written once
    counts = _counts()
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "Cases demo: already present, nothing written." in again.getvalue()
    assert _counts() == counts
