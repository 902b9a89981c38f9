"""The business-records API: a scoped list with cursor pagination (no COUNT), the detail, and the bulk
import for API clients and administrators."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import DataScope, Role
from conftest import make_persona
from risk.api import records as records_api
from risk.importing import business_records_import
from risk.models import BusinessRecord
from risk.tests.test_importing import row, to_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the default language."""
    with translation.override("en"):
        yield


@pytest.fixture
def api_as(api):
    """As the root fixture, but the user has chosen English (their saved language wins over the default)."""

    def login(user):
        type(user).objects.filter(pk=user.pk).update(preferred_language="en")
        api.force_authenticate(user=None)
        api.force_login(user)
        return api

    return login


LIST_URL = "/api/v1/business-records/"
BULK_URL = "/api/v1/business-records/bulk/"


def seed(rows: list[dict]) -> None:
    business_records_import(actor=None, rows=rows)


@pytest.fixture
def records(org):
    """Four records in A1, A2 and B1 with different areas, flags and times."""
    seed(
        [
            row(1, unit_code="A1", accepted_at="2026-10-01T09:00:00+08:00", operator_badge="730001"),
            row(
                2,
                unit_code="A1",
                flags=["deleted"],
                status="deleted",
                accepted_at="2026-10-15T09:00:00+08:00",
                completed_at=None,
            ),
            row(3, unit_code="A2", area="vehicle_admin", business_type="vehicle.register", agent_id="AG1"),
            row(4, unit_code="B1", device_id="PC-B1-01", accepted_at="2026-11-01T08:00:00+08:00", completed_at=None),
        ]
    )
    return {record.external_id: record for record in BusinessRecord.objects.all()}


def external_ids(response) -> set[str]:
    return {item["external_id"] for item in response.json()["results"]}


# --- reading -------------------------------------------------------------------------------------------


def test_the_list_is_scoped_to_the_callers_units(api_as, records, supervisor, brigade_leader, outsider):
    assert external_ids(api_as(supervisor).get(LIST_URL)) == {"E000001", "E000002", "E000003", "E000004"}
    assert external_ids(api_as(brigade_leader).get(LIST_URL)) == {"E000001", "E000002", "E000003"}
    assert external_ids(api_as(outsider).get(LIST_URL)) == {"E000004"}


def test_the_detail_is_404_outside_the_scope(api_as, records, outsider, supervisor):
    record = records["E000001"]

    assert api_as(outsider).get(f"{LIST_URL}{record.pk}/").status_code == 404
    response = api_as(supervisor).get(f"{LIST_URL}{record.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["unit_code"] == "A1" and body["flags"] == [] and body["amount"] == 200.0
    assert body["accepted_at"].startswith("2026-10-01T09:00:00")


def test_anonymous_callers_are_refused(api, records):
    assert api.get(LIST_URL).status_code in (401, 403)
    assert api.post(BULK_URL, [row(9)], format="json").status_code in (401, 403)


def test_cursor_pagination_newest_first_without_a_count(api_as, records, supervisor):
    client = api_as(supervisor)

    first = client.get(LIST_URL, {"page_size": 3}).json()

    assert set(first) == {"next", "previous", "results"}
    ids = [item["id"] for item in first["results"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    second = client.get(first["next"]).json()
    assert [item["external_id"] for item in second["results"]] == ["E000001"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"flag": "deleted"}, {"E000002"}),
        ({"status": "deleted"}, {"E000002"}),
        ({"area": "vehicle_admin"}, {"E000003"}),
        ({"business_type": "vehicle.register"}, {"E000003"}),
        ({"agent_id": "AG1"}, {"E000003"}),
        ({"device_id": "PC-B1-01"}, {"E000004"}),
        ({"operator_badge": "730001"}, {"E000001"}),
        ({"source_system": "six_in_one", "area": "violation_processing"}, {"E000001", "E000002", "E000004"}),
        ({"accepted_from": "2026-10-15", "accepted_to": "2026-10-31"}, {"E000002"}),
        # a date as the upper bound includes that whole day, as on the records page
        ({"accepted_from": "2026-10-15", "accepted_to": "2026-11-01"}, {"E000002", "E000004"}),
        ({"accepted_to": "2026-11-01T08:00:00+08:00"}, {"E000001", "E000002", "E000003"}),
        ({"accepted_from": "2026-10-01T09:00:01+08:00"}, {"E000002", "E000003", "E000004"}),
        ({"accepted_to": "2026-10-01T01:00:01Z"}, {"E000001"}),
    ],
)
def test_filters(api_as, records, supervisor, params, expected):
    response = api_as(supervisor).get(LIST_URL, params)

    assert response.status_code == 200, response.json()
    assert external_ids(response) == expected


def test_unit_filters(api_as, records, supervisor, org):
    client = api_as(supervisor)

    assert external_ids(client.get(LIST_URL, {"unit": org.a1.pk})) == {"E000001", "E000002"}
    assert external_ids(client.get(LIST_URL, {"within": org.a.pk})) == {"E000001", "E000002", "E000003"}


@pytest.mark.parametrize(
    "params",
    [{"flag": "burnt"}, {"accepted_from": "2026-10-01T09:00:00"}, {"accepted_to": "soon"}, {"area": "parking"}],
)
def test_a_bad_filter_value_is_400_naming_it(api_as, records, supervisor, params):
    response = api_as(supervisor).get(LIST_URL, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_a_unit_outside_the_scope_is_an_invalid_filter(api_as, records, outsider, org):
    assert api_as(outsider).get(LIST_URL, {"unit": org.a1.pk}).status_code == 400


def test_the_list_costs_the_same_queries_for_1_row_and_for_50(api_as, org, supervisor):
    # given
    seed([row(n, unit_code="A1" if n % 2 else "B1") for n in range(60)])
    client = api_as(supervisor)
    client.get(LIST_URL, {"page_size": 1})  # session and role caches warm alike

    # when
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST_URL, {"page_size": 1}).json()["results"]) == 1
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get(LIST_URL, {"page_size": 50}).json()["results"]) == 50

    # then
    assert len(one) == len(fifty)
    assert not any("COUNT(" in query["sql"].upper() for query in fifty.captured_queries)


# --- the bulk import -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["squad_leader", "supervisor", "brigade_leader"])
def test_only_api_clients_and_administrators_may_import(api_as, org, persona, request):
    user = request.getfixturevalue(persona)

    response = api_as(user).post(BULK_URL, [row(1)], format="json")

    assert response.status_code == 403
    assert not BusinessRecord.objects.exists()


def test_an_api_client_imports_a_json_array_and_gets_the_counts(api_as, org, api_client_user):
    client = api_as(api_client_user)

    first = client.post(BULK_URL, [row(1), row(2, operator_badge="4040")], format="json")
    again = client.post(BULK_URL, [row(1), row(2, operator_badge="4040"), row(3)], format="json")

    assert first.status_code == 200, first.json()
    assert first.json() == {
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "errors": [],
        "unknown_references": [{"row": 2, "field": "operator_badge", "value": "4040"}],
    }
    assert (again.json()["created"], again.json()["updated"]) == (1, 2)
    assert BusinessRecord.objects.count() == 3


def test_bad_rows_are_400_naming_each_row_and_nothing_is_written(api_as, org, admin_user):
    response = api_as(admin_user).post(
        BULK_URL, [row(1), row(2, accepted_at="2026-10-09T09:30:00"), row(3, unit_code="NOPE")], format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert "nothing was imported" in body["detail"]
    assert [(r["row"], r["field"]) for r in body["rows"]] == [(2, "accepted_at"), (3, "unit_code")]
    assert all(r["error"] for r in body["rows"])
    assert not BusinessRecord.objects.exists()


def test_the_envelope_can_skip_invalid_rows(api_as, org, api_client_user):
    response = api_as(api_client_user).post(
        BULK_URL, {"records": [row(1), row(2, flags=["burnt"])], "skip_invalid": True}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["skipped"]) == (1, 1)
    assert body["errors"][0]["row"] == 2 and body["errors"][0]["field"] == "flags"


def test_a_csv_body_with_skip_invalid_in_the_query(api_as, org, api_client_user):
    client = api_as(api_client_user)
    text = to_csv([row(1, flags=["deleted", "modified"]), row(2, status="lost")])

    rejected = client.post(BULK_URL, text, content_type="text/csv")
    accepted = client.post(f"{BULK_URL}?skip_invalid=true", text, content_type="text/csv")

    assert rejected.status_code == 400
    assert rejected.json()["rows"][0]["row"] == 3  # the header is row 1
    assert accepted.status_code == 200
    assert (accepted.json()["created"], accepted.json()["skipped"]) == (1, 1)
    assert BusinessRecord.objects.get().flags == ["deleted", "modified"]
    assert client.post(f"{BULK_URL}?skip_invalid=maybe", text, content_type="text/csv").status_code == 400


def test_an_api_client_with_own_unit_scope_cannot_import_for_another_unit(api_as, org):
    client = api_as(make_persona("a1_client", Role.API_CLIENT, org.a1, DataScope.OWN_UNIT))

    response = client.post(BULK_URL, [row(1, unit_code="A1"), row(2, unit_code="B1")], format="json")

    assert response.status_code == 400
    assert response.json()["rows"] == [{"row": 2, "field": "unit_code", "error": "unit B1 is outside your data scope"}]
    assert not BusinessRecord.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{"rows": []}, "not json at all", '"a JSON string"', {"records": [], "skip_invalid": "yes"}],
)
def test_a_malformed_body_is_400(api_as, org, api_client_user, body):
    client = api_as(api_client_user)
    if isinstance(body, str):
        response = client.post(BULK_URL, body, content_type="application/json")
    else:
        response = client.post(BULK_URL, body, format="json")

    assert response.status_code == 400


def test_too_many_rows_or_bytes_are_400_with_a_clear_message(api_as, org, api_client_user, monkeypatch):
    client = api_as(api_client_user)
    monkeypatch.setattr(records_api, "BULK_MAX_ROWS", 2)

    too_many = client.post(BULK_URL, [row(1), row(2), row(3)], format="json")

    assert too_many.status_code == 400
    assert "at most" in too_many.json()["detail"] and "split the batch" in too_many.json()["detail"]

    monkeypatch.setattr(records_api, "BULK_MAX_BYTES", 500)
    too_big = client.post(BULK_URL, to_csv([row(1), row(2)]), content_type="text/csv")

    assert too_big.status_code == 400
    assert "too large" in too_big.json()["detail"]
    assert not BusinessRecord.objects.exists()


def test_the_fast_representation_is_the_generic_one(records):
    """The list serializes records field by field without DRF's generic machinery (bench B4): the
    output must stay exactly what the declared fields give."""
    # given: records with and without an operator, a completion time, flags and an amount
    BusinessRecord.objects.filter(external_id="E000001").update(amount="12.50", points=3, client_ip="10.0.0.1")
    serializer = records_api.BusinessRecordOutputSerializer()
    fields = list(serializer.fields)

    for record in BusinessRecord.objects.select_related("unit", "operator"):
        # when
        fast = serializer.to_representation(record)
        generic = super(records_api.BusinessRecordOutputSerializer, serializer).to_representation(record)

        # then
        assert fast == generic
        assert list(fast) == fields

    # and the rows the list and the detail read (`.values(*PAGE_COLUMNS)`) give the same output
    rows = {row["id"]: row for row in BusinessRecord.objects.values(*records_api.PAGE_COLUMNS)}
    for record in BusinessRecord.objects.select_related("unit", "operator"):
        generic = super(records_api.BusinessRecordOutputSerializer, serializer).to_representation(record)
        assert serializer.to_representation(rows[record.pk]) == generic
        assert records_api.BusinessRecordOutputSerializer([rows[record.pk]], many=True).data == [generic]

    # and the labels, translated once per page, follow the request's language
    from django.utils import translation

    record = BusinessRecord.objects.select_related("unit", "operator").first()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            generic = super(records_api.BusinessRecordOutputSerializer, serializer).to_representation(record)
            assert serializer.to_representation(record) == generic


def test_a_page_of_50_records_costs_two_queries(api, org, api_client_user, django_assert_num_queries):
    """Pinned after bench B4 (4 queries before, then 3): the token with its user, circuit-break check and
    role assignments (one query), and the page, the `within` unit checked inside it."""
    from accounts.services import api_token_issue

    # given
    seed([row(n, unit_code="A1" if n % 2 else "A2", operator_badge="730001") for n in range(60)])
    _token, key = api_token_issue(user=api_client_user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get(LIST_URL)  # the token's last-used time is written once a minute, not in the measured call

    # when
    with django_assert_num_queries(2):
        response = api.get(LIST_URL, {"within": org.a1.pk, "area": "violation_processing"})

    # then
    assert response.status_code == 200
    assert len(response.json()["results"]) == 30


@pytest.mark.parametrize("field", ["accepted_from", "accepted_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"])
def test_the_first_and_last_days_a_date_can_hold_bound_no_error(api_as, supervisor, field, day):
    """They were a 500 (a date past 9999-12-31, a midnight before year 1 in UTC): core.api.filters.day_bound."""
    response = api_as(supervisor).get("/api/v1/business-records/", {field: day})
    assert response.status_code == 200, response.content[:300]
