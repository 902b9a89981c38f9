"""CompiledOnce: an annotation's SQL is built once per database and reads what the expression reads,
also when its query is used inside another one (whose aliases Django renames)."""

from unittest import mock

import pytest
from django.db.models import OuterRef, Subquery

from accounts.models import Unit
from core.expressions import CompiledOnce
from supervision.models import Finding
from supervision.tests.factories import make_finding

pytestmark = pytest.mark.django_db


def _unit_name():
    return Subquery(Unit.objects.filter(pk=OuterRef("unit_id")).values("name")[:1])


def test_it_reads_what_the_expression_reads_and_compiles_it_once(org, supervisor):
    # given
    make_finding(actor=supervisor, unit=org.a1)
    make_finding(actor=supervisor, unit=org.b1)
    wrapped = CompiledOnce(Finding, _unit_name())
    plain = Finding.objects.annotate(name=_unit_name()).order_by("id").values_list("unit_id", "name")

    # when
    first = list(Finding.objects.annotate(name=wrapped).order_by("id").values_list("unit_id", "name"))
    with mock.patch.object(Subquery, "as_sql", side_effect=AssertionError("compiled again")):
        again = list(Finding.objects.annotate(name=wrapped).order_by("id").values_list("unit_id", "name"))

    # then
    assert first == again == list(plain) == [(org.a1.pk, org.a1.name), (org.b1.pk, org.b1.name)]


def test_inside_another_query_it_compiles_against_that_query(org, supervisor):
    # given: the annotated findings read as a subquery of units, where the findings' table is renamed
    make_finding(actor=supervisor, unit=org.a1, description="甲")
    wrapped = CompiledOnce(Finding, _unit_name())
    named = Finding.objects.filter(unit_id=OuterRef("pk")).annotate(name=wrapped).values("name")[:1]

    # when
    rows = dict(Unit.objects.annotate(finding_unit=Subquery(named)).values_list("pk", "finding_unit"))

    # then
    assert rows[org.a1.pk] == org.a1.name
    assert rows[org.b1.pk] is None
