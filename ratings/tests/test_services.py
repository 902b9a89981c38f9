"""The rating services: drafting and recomputing (idempotent), the veto and ties through the database,
adjustments, the committee's tie decisions, and every workflow step with the wrong role (403, nothing
changed), repeated (409) and with bad input (400 naming the field)."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import DataScope, Role, Unit
from accounts.tests.factories import RoleAssignmentFactory
from audit.models import AuditEvent
from conftest import make_persona
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.models import Notification
from ratings.models import Grade, RatingAdjustment, RatingRound, UnitRating
from ratings.services import (
    rating_adjust,
    rating_round_approve,
    rating_round_draft,
    rating_round_propose,
    rating_round_publish,
    rating_round_return,
    rating_tie_decide,
)
from ratings.tests import factories as f
from ratings.tests.conftest import YEAR, state

pytestmark = pytest.mark.django_db


def grades(rating_round) -> dict[str, str]:
    return dict(UnitRating.objects.filter(round=rating_round).values_list("unit__code", "grade"))


def snapshot(rating_round) -> list:
    return list(
        UnitRating.objects.filter(round=rating_round)
        .order_by("unit_id")
        .values_list(
            "unit_id",
            "headcount",
            "indicators",
            "figures",
            "adjustment_points",
            "score",
            "rank",
            "grade",
            "vetoed",
            "tie_unresolved",
            "tie_group",
            "tie_grades",
            "explanation",
        )
    )


# --- drafting ------------------------------------------------------------------------------------------


def test_a_draft_rates_every_squad_and_window_with_an_explanation(org, draft):
    assert draft.status == RatingRound.Status.DRAFT
    assert grades(draft) == {"A1": Grade.DEMONSTRATION, "A2": Grade.STANDARD, "B1": Grade.STANDARD}
    a1 = draft.ratings.get(unit=org.a1)
    assert (a1.score, a1.rank) == (Decimal("110.000"), 1)
    assert "1" in a1.explanation and a1.explanation.strip()
    assert draft.quotas["units"] == 3 and draft.quotas["demonstration"] == 1
    assert draft.weights and draft.computed_at is not None
    assert AuditEvent.objects.filter(action="rating_round.draft", object_id=str(draft.pk)).count() == 1


def test_drafting_twice_with_the_same_data_gives_the_same_result(draft, supervisor):
    before = snapshot(draft)
    result = rating_round_draft(year=YEAR, actor=supervisor)
    assert result.rating_round.pk == draft.pk and not result.created
    assert snapshot(draft) == before
    assert RatingRound.objects.count() == 1
    assert AuditEvent.objects.filter(action="rating_round.recompute", object_id=str(draft.pk)).count() == 1


def test_recomputing_a_draft_follows_new_data(org, draft, supervisor):
    f.finding(org.a1, severity="grave")
    f.finding(org.a1, severity="grave")
    rating_round_draft(year=YEAR, actor=supervisor)
    assert grades(draft)["A1"] == Grade.STANDARD
    assert grades(draft)["A2"] == Grade.DEMONSTRATION


@pytest.mark.parametrize("status", ["proposed", "approved", "published"])
def test_a_round_past_draft_is_never_recomputed(org, draft, supervisor, status):
    RatingRound.objects.filter(pk=draft.pk).update(status=status)
    f.finding(org.a1, severity="grave")
    before = state(draft)
    with pytest.raises(TransitionNotAllowed) as error:
        rating_round_draft(year=YEAR, actor=supervisor)
    assert error.value.current_status == status
    assert state(draft) == before


@pytest.mark.parametrize("year", [1999, 2027, "20x6", None])
def test_a_year_out_of_range_is_refused_naming_the_field(supervisor, today, year):
    with pytest.raises(DomainError) as error:
        rating_round_draft(year=year, actor=supervisor)
    assert error.value.field == "year"
    assert not RatingRound.objects.exists()


@pytest.mark.parametrize("persona", ["committee_member", "discipline_inspector", "squad_leader", "admin_user"])
def test_only_a_supervisor_of_all_units_drafts(request, persona, today):
    with pytest.raises(NotPermitted):
        rating_round_draft(year=YEAR, actor=request.getfixturevalue(persona))
    assert not RatingRound.objects.exists()


def test_a_supervisor_of_one_unit_cannot_draft(org, today):
    local = make_persona("local_supervisor", Role.SUPERVISOR, org.a, DataScope.UNIT_AND_BELOW)
    with pytest.raises(NotPermitted):
        rating_round_draft(year=YEAR, actor=local)
    assert not RatingRound.objects.exists()


def test_the_task_and_the_command_draft_without_an_actor(org, distinct_scores, today):
    result = rating_round_draft(year=YEAR)
    assert result.created and result.ratings == 3
    assert AuditEvent.objects.get(action="rating_round.draft").actor_name == "system"


# --- veto ----------------------------------------------------------------------------------------------


def test_the_veto_passes_the_demonstration_place_down(org, distinct_scores, supervisor, today):
    # given A1, the best, has a concluded case with a confirmed integrity problem in the year
    case = f.confirmed_case(org.a1, misconduct_date=date(2026, 3, 1), concluded_on=date(2026, 6, 1))
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    a1 = rating_round.ratings.get(unit=org.a1)
    a2 = rating_round.ratings.get(unit=org.a2)
    # then A1 is standard though ranked first, and A2 takes the demonstration place
    assert a1.vetoed and a1.grade == Grade.STANDARD and a1.rank == 1
    assert a2.grade == Grade.DEMONSTRATION and not a2.vetoed
    assert case.number in a1.explanation
    assert a2.explanation.count("\n") >= 3  # says it moved up because of the vetoed unit


@pytest.mark.parametrize(
    ("kwargs", "vetoed"),
    [
        ({"status": "concluded", "confirmed": True, "concluded_on": date(2026, 6, 1)}, True),
        ({"status": "closed", "confirmed": True, "concluded_on": date(2026, 6, 1)}, True),
        ({"status": "concluded", "confirmed": False, "concluded_on": date(2026, 6, 1)}, False),
        ({"status": "investigating", "confirmed": None}, False),
        ({"status": "open", "confirmed": None}, False),
    ],
)
def test_only_a_concluded_case_with_a_confirmed_problem_vetoes(org, supervisor, today, kwargs, vetoed):
    f.case(org.a1, misconduct_date=date(2026, 3, 1), **kwargs)
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    assert rating_round.ratings.get(unit=org.a1).vetoed is vetoed


def test_a_case_concluded_in_another_year_for_misconduct_in_another_year_does_not_veto(org, supervisor, today):
    f.confirmed_case(org.a1, misconduct_date=date(2024, 3, 1), concluded_on=date(2025, 6, 1))
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    assert not rating_round.ratings.get(unit=org.a1).vetoed


# --- adjustments ---------------------------------------------------------------------------------------


def test_an_adjustment_recomputes_the_draft(org, draft, supervisor):
    adjustment = rating_adjust(actor=supervisor, round=draft, unit=org.a2, points="25", reason="获评人民满意窗口")
    assert adjustment.points == Decimal("25.00")
    a2 = draft.ratings.get(unit=org.a2)
    assert a2.score == Decimal("115.000") and a2.adjustment_points == Decimal("25.00")
    assert a2.grade == Grade.DEMONSTRATION
    assert grades(draft)["A1"] == Grade.STANDARD
    event = AuditEvent.objects.get(action="rating_adjustment.create")
    assert event.note == "获评人民满意窗口" and event.unit_id == org.a2.pk


@pytest.mark.parametrize(
    ("points", "reason", "field"),
    [
        ("0", "理由", "points"),
        ("50.01", "理由", "points"),
        ("-51", "理由", "points"),
        ("1.234", "理由", "points"),
        ("abc", "理由", "points"),
        ("NaN", "理由", "points"),
        ("2", "   ", "reason"),
    ],
)
def test_bad_adjustments_are_refused_naming_the_field(org, draft, supervisor, points, reason, field):
    before = state(draft)
    with pytest.raises(DomainError) as error:
        rating_adjust(actor=supervisor, round=draft, unit=org.a2, points=points, reason=reason)
    assert error.value.field == field
    assert state(draft) == before


def test_only_rated_units_are_adjusted(org, draft, supervisor):
    before = state(draft)
    with pytest.raises(DomainError) as error:
        rating_adjust(actor=supervisor, round=draft, unit=org.a, points="2", reason="大队不参评")
    assert error.value.field == "unit"
    assert state(draft) == before


def test_adjustments_are_for_drafts_only(org, proposed, supervisor):
    before = state(proposed)
    with pytest.raises(TransitionNotAllowed) as error:
        rating_adjust(actor=supervisor, round=proposed, unit=org.a2, points="2", reason="理由")
    assert error.value.current_status == RatingRound.Status.PROPOSED
    assert state(proposed) == before


@pytest.mark.parametrize("persona", ["committee_member", "squad_leader", "admin_user"])
def test_only_a_supervisor_adjusts(request, org, draft, persona):
    before = state(draft)
    with pytest.raises(NotPermitted):
        rating_adjust(actor=request.getfixturevalue(persona), round=draft, unit=org.a2, points="2", reason="理由")
    assert state(draft) == before


# --- workflow ------------------------------------------------------------------------------------------


def test_the_whole_workflow_is_audited_and_notifies(
    org, draft, supervisor, committee_member, squad_leader, brigade_leader, outsider
):
    rating_round_propose(actor=supervisor, round=draft)
    assert Notification.objects.filter(recipient=committee_member, url__contains=f"/ratings/{draft.pk}/").exists()

    rating_round_return(actor=committee_member, round=draft, reason="请核实二中队加减分依据")
    draft.refresh_from_db()
    assert draft.status == RatingRound.Status.DRAFT and draft.return_reason == "请核实二中队加减分依据"
    assert Notification.objects.filter(recipient=supervisor, body="请核实二中队加减分依据").exists()

    rating_round_propose(actor=supervisor, round=draft)
    assert Notification.objects.filter(recipient=committee_member).count() == 2  # each proposal is announced
    rating_round_approve(actor=committee_member, round=draft)
    rating_round_publish(actor=supervisor, round=draft)
    draft.refresh_from_db()
    assert draft.status == RatingRound.Status.PUBLISHED
    assert (draft.approved_by, draft.published_by) == (committee_member, supervisor)

    # each leader is told the grades of their own units only
    squad = Notification.objects.get(recipient=squad_leader, key=f"rating_round:{draft.pk}:published")
    assert org.a1.name in squad.body and org.b1.name not in squad.body
    brigade = Notification.objects.get(recipient=brigade_leader, key=f"rating_round:{draft.pk}:published")
    assert org.a1.name in brigade.body and org.a2.name in brigade.body and org.b1.name not in brigade.body
    assert org.b1.name in Notification.objects.get(recipient=outsider, key__endswith=":published").body

    actions = list(
        AuditEvent.objects.filter(object_type="ratings.ratinground").order_by("seq").values_list("action", flat=True)
    )
    assert actions == [
        "rating_round.draft",
        "rating_round.propose",
        "rating_round.return",
        "rating_round.propose",
        "rating_round.approve",
        "rating_round.publish",
    ]


def test_a_round_without_ratings_cannot_be_proposed(supervisor, today):
    Unit.objects.filter(kind__in=[Unit.Kind.SQUAD, Unit.Kind.WINDOW]).update(is_active=False)
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    assert not rating_round.ratings.exists()
    with pytest.raises(DomainError) as error:
        rating_round_propose(actor=supervisor, round=rating_round)
    assert error.value.field == "round"


def test_a_return_needs_a_reason(proposed, committee_member):
    before = state(proposed)
    with pytest.raises(DomainError) as error:
        rating_round_return(actor=committee_member, round=proposed, reason="  ")
    assert error.value.field == "reason"
    assert state(proposed) == before


def _approved(proposed, committee_member):
    return rating_round_approve(actor=committee_member, round=proposed)


STEPS = {
    "propose": (lambda actor, r: rating_round_propose(actor=actor, round=r), "draft"),
    "return": (lambda actor, r: rating_round_return(actor=actor, round=r, reason="退回"), "proposed"),
    "approve": (lambda actor, r: rating_round_approve(actor=actor, round=r), "proposed"),
    "publish": (lambda actor, r: rating_round_publish(actor=actor, round=r), "approved"),
}


@pytest.mark.parametrize(
    ("step", "persona"),
    [
        ("propose", "committee_member"),
        ("propose", "squad_leader"),
        ("propose", "admin_user"),
        ("return", "supervisor"),
        ("return", "brigade_leader"),
        ("approve", "supervisor"),
        ("approve", "discipline_inspector"),
        ("approve", "admin_user"),
        ("publish", "squad_leader"),
        ("publish", "discipline_inspector"),
        ("publish", "api_client_user"),
    ],
)
def test_each_step_with_the_wrong_role_is_refused_and_changes_nothing(request, draft, step, persona):
    run, needs = STEPS[step]
    RatingRound.objects.filter(pk=draft.pk).update(status=needs)
    actor = request.getfixturevalue(persona)
    before = state(draft)
    with pytest.raises(NotPermitted):
        run(actor, draft)
    assert state(draft) == before


@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("propose", "proposed"),
        ("propose", "published"),
        ("return", "draft"),
        ("return", "approved"),
        ("approve", "draft"),
        ("approve", "approved"),
        ("publish", "proposed"),
        ("publish", "published"),
    ],
)
def test_each_step_repeated_or_out_of_order_is_a_conflict(draft, supervisor, committee_member, step, status):
    run, _needs = STEPS[step]
    RatingRound.objects.filter(pk=draft.pk).update(status=status)
    actor = supervisor if step in ("propose", "publish") else committee_member
    before = state(draft)
    with pytest.raises(TransitionNotAllowed) as error:
        run(actor, draft)
    assert error.value.current_status == status
    assert state(draft) == before


def test_the_second_of_two_identical_approvals_is_a_conflict(proposed, committee_member, org):
    other = make_persona("committee2", Role.COMMITTEE, org.zd, DataScope.ALL)
    rating_round_approve(actor=committee_member, round=proposed)
    stale = RatingRound.objects.get(pk=proposed.pk)
    with pytest.raises(TransitionNotAllowed) as error:
        rating_round_approve(actor=other, round=stale)
    assert error.value.current_status == RatingRound.Status.APPROVED
    assert RatingRound.objects.get(pk=proposed.pk).approved_by == committee_member


def test_the_proposer_cannot_approve(org, draft, supervisor):
    RoleAssignmentFactory(user=supervisor, role=Role.COMMITTEE, unit=org.zd, scope=DataScope.ALL)
    supervisor.refresh_from_db()  # drop the cached roles
    rating_round_propose(actor=supervisor, round=draft)
    before = state(draft)
    with pytest.raises(NotPermitted):
        rating_round_approve(actor=supervisor, round=draft)
    assert state(draft) == before


# --- ties ----------------------------------------------------------------------------------------------


def test_a_full_tie_is_flagged_provisionally_lower_and_blocks_approval(org, tied_draft, supervisor, committee_member):
    # given three squads equal on every key: their places are 1 demonstration and 2 standard
    ratings = list(tied_draft.ratings.all())
    assert all(r.tie_unresolved and r.grade == Grade.STANDARD for r in ratings)
    assert all(r.tie_grades == {"demonstration": 1, "standard": 2} for r in ratings)
    assert len({r.tie_group for r in ratings}) == 1
    rating_round_propose(actor=supervisor, round=tied_draft)
    # when the committee approves before deciding
    before = state(tied_draft)
    with pytest.raises(DomainError) as error:
        rating_round_approve(actor=committee_member, round=tied_draft)
    # then it is refused and nothing changed
    assert error.value.field == "ties"
    assert state(tied_draft) == before


def test_deciding_a_tie_keeps_the_quotas_and_then_approval_goes_through(org, tied_draft, supervisor, committee_member):
    rating_round_propose(actor=supervisor, round=tied_draft)
    a1 = tied_draft.ratings.get(unit=org.a1)
    rating_tie_decide(actor=committee_member, rating=a1, grade=Grade.DEMONSTRATION, reason="党委会议研究决定")
    # the only places left are standard: the other two get them in the same decision
    assert grades(tied_draft) == {"A1": Grade.DEMONSTRATION, "A2": Grade.STANDARD, "B1": Grade.STANDARD}
    assert not tied_draft.ratings.filter(tie_unresolved=True).exists()
    a1.refresh_from_db()
    assert a1.grade_decided_by == committee_member and a1.grade_decision_reason == "党委会议研究决定"
    assert "党委会议研究决定" in a1.explanation
    assert AuditEvent.objects.filter(action="unit_rating.tie_decide").count() == 3
    rating_round_approve(actor=committee_member, round=tied_draft)
    assert RatingRound.objects.get(pk=tied_draft.pk).status == RatingRound.Status.APPROVED


def test_a_tie_decision_cannot_give_more_places_of_a_grade_than_the_tie_holds(
    org, tied_draft, supervisor, committee_member
):
    rating_round_propose(actor=supervisor, round=tied_draft)
    a1, a2, b1 = (tied_draft.ratings.get(unit=unit) for unit in (org.a1, org.a2, org.b1))
    rating_tie_decide(actor=committee_member, rating=a1, grade=Grade.STANDARD, reason="理由一")
    assert tied_draft.ratings.filter(tie_unresolved=True).count() == 2  # demonstration 1, standard 1 left
    rating_tie_decide(actor=committee_member, rating=a2, grade=Grade.DEMONSTRATION, reason="理由二")
    b1.refresh_from_db()
    assert b1.grade == Grade.STANDARD and not b1.tie_unresolved  # the last place


def test_when_the_standard_places_are_taken_the_last_unit_gets_the_demonstration_place(
    org, tied_draft, supervisor, committee_member
):
    rating_round_propose(actor=supervisor, round=tied_draft)
    a1, a2 = (tied_draft.ratings.get(unit=unit) for unit in (org.a1, org.a2))
    rating_tie_decide(actor=committee_member, rating=a1, grade=Grade.STANDARD, reason="理由一")
    rating_tie_decide(actor=committee_member, rating=a2, grade=Grade.STANDARD, reason="理由二")
    assert grades(tied_draft)["B1"] == Grade.DEMONSTRATION


def test_a_place_already_taken_is_refused(org, supervisor, committee_member, squad_leader, outsider, today):
    # given five squads without data: all tied, their places span every grade
    f.squads(org.b, 2, prefix="T")
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    ratings = list(rating_round.ratings.order_by("unit__code"))
    assert ratings[0].tie_grades == {"warning": 1, "model": 1, "demonstration": 2, "standard": 1}
    assert all(r.grade == Grade.WARNING and r.tie_unresolved for r in ratings)  # the lowest, provisionally
    rating_round_propose(actor=supervisor, round=rating_round)
    rating_tie_decide(actor=committee_member, rating=ratings[0], grade=Grade.MODEL, reason="理由")
    # when a second unit is given the only model place
    before = state(rating_round)
    with pytest.raises(DomainError) as error:
        rating_tie_decide(actor=committee_member, rating=ratings[1], grade=Grade.MODEL, reason="理由")
    # then it is refused and nothing changed
    assert error.value.field == "grade"
    assert state(rating_round) == before
    for rating, grade in zip(ratings[1:4], [Grade.DEMONSTRATION, Grade.DEMONSTRATION, Grade.STANDARD], strict=True):
        rating_tie_decide(actor=committee_member, rating=rating, grade=grade, reason="理由")
    # the last place is the warning place, given in the same decision
    assert rating_round.ratings.get(pk=ratings[4].pk).grade == Grade.WARNING
    assert not rating_round.ratings.filter(tie_unresolved=True).exists()
    assert Counter(rating_round.ratings.values_list("grade", flat=True)) == {
        "model": 1,
        "demonstration": 2,
        "standard": 1,
        "warning": 1,
    }


@pytest.mark.parametrize(("grade", "field"), [(Grade.MODEL, "grade"), (Grade.WARNING, "grade")])
def test_a_tie_is_decided_only_between_the_grades_at_its_boundary(
    org, tied_draft, supervisor, committee_member, grade, field
):
    rating_round_propose(actor=supervisor, round=tied_draft)
    before = state(tied_draft)
    with pytest.raises(DomainError) as error:
        rating_tie_decide(
            actor=committee_member, rating=tied_draft.ratings.get(unit=org.a1), grade=grade, reason="理由"
        )
    assert error.value.field == field
    assert state(tied_draft) == before


def test_a_tie_decision_needs_a_reason_the_committee_and_a_proposed_round(
    org, tied_draft, supervisor, committee_member
):
    a1 = tied_draft.ratings.get(unit=org.a1)
    before = state(tied_draft)
    with pytest.raises(TransitionNotAllowed) as error:  # still a draft
        rating_tie_decide(actor=committee_member, rating=a1, grade=Grade.DEMONSTRATION, reason="理由")
    assert error.value.current_status == RatingRound.Status.DRAFT
    assert state(tied_draft) == before
    rating_round_propose(actor=supervisor, round=tied_draft)
    before = state(tied_draft)
    with pytest.raises(NotPermitted):
        rating_tie_decide(actor=supervisor, rating=a1, grade=Grade.DEMONSTRATION, reason="理由")
    with pytest.raises(DomainError) as error:
        rating_tie_decide(actor=committee_member, rating=a1, grade=Grade.DEMONSTRATION, reason=" ")
    assert error.value.field == "reason"
    assert state(tied_draft) == before


def test_deciding_a_decided_rating_again_is_a_conflict(org, tied_draft, supervisor, committee_member):
    rating_round_propose(actor=supervisor, round=tied_draft)
    a1 = tied_draft.ratings.get(unit=org.a1)
    rating_tie_decide(actor=committee_member, rating=a1, grade=Grade.DEMONSTRATION, reason="理由")
    before = state(tied_draft)
    with pytest.raises(TransitionNotAllowed):
        rating_tie_decide(actor=committee_member, rating=a1, grade=Grade.STANDARD, reason="改判")
    assert state(tied_draft) == before


def test_recomputing_after_a_return_discards_the_decisions(org, tied_draft, supervisor, committee_member):
    rating_round_propose(actor=supervisor, round=tied_draft)
    rating_tie_decide(
        actor=committee_member, rating=tied_draft.ratings.get(unit=org.a1), grade=Grade.DEMONSTRATION, reason="理由"
    )
    rating_round_return(actor=committee_member, round=tied_draft, reason="重新核算")
    rating_round_draft(year=YEAR, actor=supervisor)
    assert tied_draft.ratings.filter(tie_unresolved=True).count() == 3


def test_the_explanation_is_stored_in_the_default_language(draft, supervisor):
    with translation.override("en"):
        rating_round_draft(year=YEAR, actor=supervisor)
    with translation.override("zh-hans"):
        rating_round_draft(year=YEAR, actor=supervisor)
    texts = set(draft.ratings.values_list("explanation", flat=True))
    assert all(text for text in texts)
    # the same text whoever's language triggered the computation
    with translation.override("en"):
        rating_round_draft(year=YEAR, actor=supervisor)
    assert set(draft.ratings.values_list("explanation", flat=True)) == texts
    assert RatingAdjustment.objects.count() == 0
