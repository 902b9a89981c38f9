"""Concurrent identical steps on cases and objections: exactly one wins, the others get 409; case numbers
stay unique and gapless; concluding twice at once creates the liability records once. Real threads with
their own database connections, on SQLite and PostgreSQL."""

import pytest

from cases.models import Case, Liability, Objection
from cases.services import case_conclude, liability_object
from cases.tests.factories import build_chain, concluded_case, conclusion, investigating_case, open_case
from core.errors import TransitionNotAllowed
from rectification.tests.test_concurrency import run_concurrently

# serialized_rollback: a transactional test empties the tables; this restores the rows the migrations
# created (liability rules, categories, business areas).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_openings_get_unique_gapless_numbers(org, discipline_inspector):
    results = run_concurrently(10, lambda n: open_case(discipline_inspector, org.a1, title=f"案件{n}").number)

    numbers = sorted(int(number.split("〕")[1].rstrip("号")) for number in results)
    assert numbers == list(range(1, 11)), results


def test_concurrent_conclusions_one_wins_and_the_records_are_created_once(org, discipline_inspector):
    chain = build_chain(org)
    case = investigating_case(discipline_inspector, org.a1, persons=[chain.officer])

    def conclude(_index):
        return case_conclude(
            actor=discipline_inspector,
            case=Case.objects.get(pk=case.pk),
            integrity_problem_confirmed=True,
            conclusion="属实",
            persons=[conclusion(chain.officer)],
        )

    results = run_concurrently(8, conclude)
    assert sum(isinstance(r, Case) for r in results) == 1, results
    assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 7, results
    single = Liability.objects.filter(case=case).count()
    assert single > 0
    assert Liability.objects.count() == single


def test_concurrent_objections_one_pending(org, discipline_inspector):
    chain = build_chain(org)
    case = concluded_case(discipline_inspector, org.a1, direct=[chain.officer])
    record = Liability.objects.filter(case=case).first()

    def object_(n):
        return liability_object(
            actor=discipline_inspector, liability=Liability.objects.get(pk=record.pk), reason=f"申诉{n}"
        )

    results = run_concurrently(6, object_)
    assert sum(isinstance(r, Objection) for r in results) == 1, results
    assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 5, results
    assert Objection.objects.count() == 1
