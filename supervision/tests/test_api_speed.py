"""The findings list after bench B4b: the hand-built representation and the pinned query count."""

import pytest
from django.utils import translation
from rest_framework.test import APIRequestFactory

from accounts.models import Person
from accounts.tests.factories import PersonFactory
from supervision.api.serializers import FindingOutputSerializer, finding_rows
from supervision.models import Finding
from supervision.tests.factories import PNG_BYTES, make_finding, upload

LIST_URL = "/api/v1/findings/"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_fast_representation_is_the_generic_one(org, supervisor, language):
    # given: findings with and without persons and evidence, of two sources and severities
    officer = PersonFactory(unit=org.a1, name="民警甲")
    # persons listed in badge-number order (after the unit path), whatever order they were given in; evidence in
    # upload order
    others = [
        PersonFactory(unit=org.a1, name="民警丙", badge_number="300001"),
        PersonFactory(unit=org.a1, name="民警丁", badge_number="A-0001"),
        PersonFactory(unit=org.a1, name="民警戊", badge_number="200001"),
    ]
    make_finding(
        actor=supervisor,
        unit=org.a1,
        persons=[officer, *others],
        files=[upload(content=PNG_BYTES), upload(name="第二张.png")],
    )
    bare = make_finding(actor=supervisor, unit=org.a2, severity="general", description="<b>未佩戴</b>")
    Finding.objects.filter(pk=bare.pk).update(source="complaint")
    request = APIRequestFactory().get(LIST_URL)
    serializer = FindingOutputSerializer(context={"request": request})
    findings = Finding.objects.select_related("unit", "category", "business_area", "created_by__person")

    with translation.override(language):
        for finding in findings.prefetch_related("persons", "evidence__uploaded_by__person"):
            # when
            fast = serializer.to_representation(finding)
            generic = super(FindingOutputSerializer, serializer).to_representation(finding)

            # then
            assert fast == generic
            assert list(fast) == list(serializer.fields)
    assert {len(row["persons"]) for row in [serializer.to_representation(f) for f in findings]} == {0, 4}

    # and the rows the list reads (`.values(*FINDING_COLUMNS)`, persons and evidence per page) give the
    # same
    rows = list(finding_rows(Finding.objects.order_by("id")))
    with translation.override(language):
        generic = [
            super(FindingOutputSerializer, serializer).to_representation(finding)
            for finding in findings.prefetch_related("persons", "evidence__uploaded_by__person").order_by("id")
        ]
        page = FindingOutputSerializer(rows, many=True, context={"request": request}).data
    assert page == generic
    assert [len(row["evidence"]) for row in page] == [2, 0]
    assert [person["id"] for person in page[0]["persons"]] == list(
        Person.objects.filter(findings__isnull=False).values_list("id", flat=True)
    )


def test_a_page_of_50_findings_costs_two_queries(api, org, supervisor, django_assert_num_queries):
    """Pinned after bench B4b (7 queries before, then 4, then 3): the token with its user, circuit-break
    check and role assignments, and the page with its names, persons and evidence, the `within` unit
    checked inside it — whatever the page size, and on every page (no COUNT)."""
    from accounts.services import api_token_issue

    # given
    officer = PersonFactory(unit=org.a1, name="民警乙")
    for number in range(60):
        make_finding(actor=supervisor, unit=org.a1, persons=[officer], description=f"问题{number}")
    _token, key = api_token_issue(user=supervisor)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get(LIST_URL)  # the token's last-used time is written once a minute, not in the measured call
    query = {"within": org.a.pk, "severity": "serious", "page_size": 50}

    # when
    with django_assert_num_queries(2):
        first = api.get(LIST_URL, query)
    with django_assert_num_queries(2):
        second = api.get(first.json()["next"])

    # then
    assert first.status_code == second.status_code == 200
    assert "count" not in first.json()
    assert len(first.json()["results"]) == 50
    assert len(second.json()["results"]) == 10
    assert first.json()["results"][0]["persons"] == [{"id": officer.pk, "name": "民警乙"}]
