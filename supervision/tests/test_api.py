"""The supervision API: inspections, findings, evidence metadata and clues.

Scope (outsiders get 404 and empty lists), role refusals (403, nothing written), transitions (409
with the current status), input errors (400 naming the field), uploads judged by content, and list
queries that do not grow with the page size.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import BusinessArea
from accounts.tests.factories import PersonFactory
from audit.models import AuditEvent
from supervision.models import ClueTransfer, Evidence, Finding, FindingCategory, Inspection
from supervision.services import clue_transfer, inspection_create
from supervision.tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, make_finding, upload

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def counts():
    return (
        Inspection.objects.count(),
        Finding.objects.count(),
        Evidence.objects.count(),
        ClueTransfer.objects.count(),
        AuditEvent.objects.count(),
    )


def finding_payload(org, **overrides):
    payload = {
        "unit": org.a1.pk,
        "category": FindingCategory.objects.get(code="work_discipline").pk,
        "severity": "serious",
        "description": "值班期间脱岗",
        "found_on": "2026-11-02",
        "source": "petition",
        "business_area": BusinessArea.objects.get(code="vehicle_admin").pk,
    }
    payload.update(overrides)
    return payload


def inspection_payload(org, **overrides):
    payload = {
        "kind": "unannounced",
        "layer": "functional",
        "inspection_date": "2026-11-10",
        "theme": "夜间勤务暗访",
        "organizing_unit": org.jcs.pk,
        "target_units": [org.a1.pk, org.a2.pk],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def clue(supervisor, finding_a1):
    return clue_transfer(actor=supervisor, finding=finding_a1, reason="涉嫌违纪，移送纪委")


# --- inspections -----------------------------------------------------------------------------------


def test_supervisor_records_an_inspection(api_as, org, supervisor):
    # given
    inspector = PersonFactory(unit=org.jcs, name="督察甲")
    client = api_as(supervisor)

    # when
    response = client.post("/api/v1/inspections/", inspection_payload(org, inspectors=[inspector.pk]), format="json")

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["theme"] == "夜间勤务暗访"
    assert {u["id"] for u in body["target_units"]} == {org.a1.pk, org.a2.pk}
    assert body["inspectors"] == [{"id": inspector.pk, "name": "督察甲"}]
    assert body["created_by_name"] == "supervisor-本人"
    assert Inspection.objects.get().target_units.count() == 2
    assert AuditEvent.objects.filter(action="inspection.create").count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"target_units": ["{b1}"]}, "target_units"),
        ({"inspectors": ["{b1_person}"]}, "inspectors"),
        ({"organizing_unit": "{b1}"}, "organizing_unit"),
        ({"target_units": []}, "target_units"),
        ({"target_units": "abc"}, "target_units"),
        ({"kind": "ambush"}, "kind"),
        ({"inspection_date": "next tuesday"}, "inspection_date"),
        ({"theme": "长" * 201}, "theme"),
        ({"inspection_date": "2030-01-01"}, "inspection_date"),
    ],
)
def test_inspection_bad_input_is_400_naming_the_field(api_as, org, brigade_leader, overrides, field):
    # given: a brigade leader of A; B1 and its people are outside the scope
    b1_person = PersonFactory(unit=org.b1)
    values = {"b1": org.b1.pk, "b1_person": b1_person.pk}

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return int(value.format(**values)) if isinstance(value, str) and value.startswith("{") else value

    payload = inspection_payload(org, **{"organizing_unit": org.a.pk, **{k: fill(v) for k, v in overrides.items()}})
    before = counts()

    # when
    response = api_as(brigade_leader).post("/api/v1/inspections/", payload, format="json")

    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_inspection_refused_to_a_role_that_does_not_file(api_as, org, party_secretary):
    # given
    before = counts()

    # when
    response = api_as(party_secretary).post(
        "/api/v1/inspections/", inspection_payload(org, organizing_unit=org.a.pk), format="json"
    )

    # then
    assert response.status_code == 403
    assert counts() == before


def test_inspections_are_scoped(api_as, org, supervisor, brigade_leader, outsider):
    # given
    inspection = inspection_create(
        actor=supervisor,
        kind="routine",
        layer="functional",
        inspection_date=date(2026, 11, 10),
        theme="例行检查",
        organizing_unit=org.jcs,
        target_units=[org.a1],
    )

    # when / then
    assert ids(api_as(brigade_leader).get("/api/v1/inspections/")) == {inspection.pk}
    assert api_as(brigade_leader).get(f"/api/v1/inspections/{inspection.pk}/").status_code == 200
    assert ids(api_as(outsider).get("/api/v1/inspections/")) == set()
    assert api_as(outsider).get(f"/api/v1/inspections/{inspection.pk}/").status_code == 404


# --- findings --------------------------------------------------------------------------------------


def test_supervisor_files_a_finding_as_json(api_as, org, supervisor):
    # given
    person = PersonFactory(unit=org.a1, name="民警甲")

    # when
    response = api_as(supervisor).post("/api/v1/findings/", finding_payload(org, persons=[person.pk]), format="json")

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["unit"] == org.a1.pk
    assert body["severity"] == "serious"
    assert body["persons"] == [{"id": person.pk, "name": "民警甲"}]
    assert body["evidence"] == []
    assert Finding.objects.get().created_by == supervisor


def test_supervisor_files_a_finding_with_files_as_multipart(api_as, org, supervisor):
    # given
    people = [PersonFactory(unit=org.a1), PersonFactory(unit=org.a1)]

    # when
    response = api_as(supervisor).post(
        "/api/v1/findings/",
        {
            **finding_payload(org),
            "persons": [p.pk for p in people],
            "files": [upload("现场.png"), upload("记录.jpg", JPEG_BYTES, "image/jpeg")],
        },
        format="multipart",
    )

    # then
    assert response.status_code == 201, response.content
    assert {p["id"] for p in response.json()["persons"]} == {p.pk for p in people}
    evidence = response.json()["evidence"]
    assert [(e["name"], e["kind"], e["locked"]) for e in evidence] == [
        ("现场.png", "png", False),
        ("记录.jpg", "jpg", False),
    ]
    assert evidence[0]["download_url"] == f"/supervision/evidence/{evidence[0]['id']}/download/"


def test_file_type_is_decided_by_content_not_name(api_as, org, supervisor):
    # when: a PDF named .png
    response = api_as(supervisor).post(
        "/api/v1/findings/",
        {**finding_payload(org), "files": [upload("scan.png", PDF_BYTES, "image/png")]},
        format="multipart",
    )

    # then
    assert response.status_code == 201, response.content
    assert response.json()["evidence"][0]["kind"] == "pdf"


def test_a_file_of_no_accepted_type_is_refused_and_nothing_is_written(api_as, org, supervisor):
    # given
    before = counts()

    # when
    response = api_as(supervisor).post(
        "/api/v1/findings/",
        {
            **finding_payload(org),
            "files": [upload("ok.png"), upload("evil.png", b"MZ\x90\x00 not an image", "image/png")],
        },
        format="multipart",
    )

    # then
    assert response.status_code == 400
    assert "files" in response.json()
    assert counts() == before


def test_a_file_above_the_size_limit_is_refused(api_as, org, supervisor, settings):
    # given
    settings.EVIDENCE_MAX_BYTES = 100
    before = counts()

    # when
    response = api_as(supervisor).post(
        "/api/v1/findings/",
        {**finding_payload(org), "files": [upload("big.pdf", PDF_BYTES + b"0" * 200, "application/pdf")]},
        format="multipart",
    )

    # then
    assert response.status_code == 400
    assert "files" in response.json()
    assert counts() == before


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"unit": "{b1}"}, "unit"),
        ({"unit": "abc"}, "unit"),
        ({"persons": ["{b1_person}"]}, "persons"),
        ({"persons": ["{a2_person}"]}, "persons"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"source": "rumour"}, "source"),
        ({"category": 999999}, "category"),
        ({"found_on": "2026-02-30"}, "found_on"),
        ({"found_on": "2099-01-01"}, "found_on"),
        ({"description": "长" * 5001}, "description"),
        ({"description": ""}, "description"),
        ({"business_area": None}, "business_area"),
        ({"inspection": 999999}, "inspection"),
    ],
)
def test_finding_bad_input_is_400_naming_the_field(api_as, org, brigade_leader, overrides, field):
    # given: the brigade leader files for A; B1 is outside, A2's people do not belong to A1
    values = {"b1": org.b1.pk, "b1_person": PersonFactory(unit=org.b1).pk, "a2_person": PersonFactory(unit=org.a2).pk}

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        return int(value.format(**values)) if isinstance(value, str) and value.startswith("{") else value

    payload = finding_payload(org, **{k: fill(v) for k, v in overrides.items()})
    before = counts()

    # when
    response = api_as(brigade_leader).post("/api/v1/findings/", payload, format="json")

    # then
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_finding_refused_to_a_role_that_does_not_file(api_as, org, party_secretary):
    # given
    before = counts()

    # when
    response = api_as(party_secretary).post("/api/v1/findings/", finding_payload(org), format="json")

    # then
    assert response.status_code == 403
    assert counts() == before


def test_findings_are_scoped(api_as, org, finding_a1, brigade_leader, outsider):
    # given
    evidence = finding_a1.evidence.get()

    # when / then
    assert ids(api_as(brigade_leader).get("/api/v1/findings/")) == {finding_a1.pk}
    client = api_as(outsider)
    assert ids(client.get("/api/v1/findings/")) == set()
    assert client.get(f"/api/v1/findings/{finding_a1.pk}/").status_code == 404
    assert client.get(f"/api/v1/evidence/{evidence.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/findings/{finding_a1.pk}/evidence/", {"files": [upload()]}, format="multipart"
        ).status_code
        == 404
    )


def test_findings_filter_search_and_order(api_as, org, supervisor):
    # given
    grave = make_finding(actor=supervisor, unit=org.a1, severity="grave", description="收受好处费")
    general = make_finding(actor=supervisor, unit=org.a2, severity="general", description="着装不整")
    client = api_as(supervisor)

    # when / then
    assert ids(client.get("/api/v1/findings/?severity=grave")) == {grave.pk}
    assert ids(client.get(f"/api/v1/findings/?within={org.a.pk}")) == {grave.pk, general.pk}
    assert ids(client.get(f"/api/v1/findings/?unit={org.a2.pk}")) == {general.pk}
    assert ids(client.get("/api/v1/findings/?search=好处费")) == {grave.pk}
    assert ids(client.get("/api/v1/findings/?q=着装")) == {general.pk}
    rows = client.get("/api/v1/findings/?ordering=severity").json()["results"]
    assert [row["severity"] for row in rows] == ["general", "grave"]


@pytest.mark.parametrize(
    "query, field",
    [("severity=wizard", "severity"), ("found_from=yesterday", "found_from"), ("ordering=password", "ordering")],
)
def test_bad_finding_filters_are_400(api_as, org, supervisor, query, field):
    response = api_as(supervisor).get(f"/api/v1/findings/?{query}")
    assert response.status_code == 400
    assert field in response.json()


# --- evidence ----------------------------------------------------------------------------------------


def test_evidence_added_to_a_finding_and_its_metadata(api_as, org, supervisor, finding_a1):
    # given
    client = api_as(supervisor)

    # when
    response = client.post(
        f"/api/v1/findings/{finding_a1.pk}/evidence/",
        {"files": [upload("补充.pdf", PDF_BYTES, "application/pdf"), upload("补充.png")]},
        format="multipart",
    )

    # then
    assert response.status_code == 201, response.content
    added = response.json()
    assert [e["kind"] for e in added] == ["pdf", "png"]
    metadata = client.get(f"/api/v1/evidence/{added[0]['id']}/").json()
    assert set(metadata) >= {"name", "kind", "size", "sha256", "uploaded_by", "uploaded_at", "locked", "download_url"}
    assert metadata["name"] == "补充.pdf"
    assert metadata["size"] == len(PDF_BYTES)
    assert len(metadata["sha256"]) == 64
    assert metadata["uploaded_by_name"] == "supervisor-本人"
    assert metadata["locked"] is False
    assert metadata["download_url"] == f"/supervision/evidence/{added[0]['id']}/download/"
    assert finding_a1.evidence.count() == 3


def test_evidence_endpoint_refuses_bad_files_and_empty_posts(api_as, org, supervisor, finding_a1, settings):
    # given
    client = api_as(supervisor)
    url = f"/api/v1/findings/{finding_a1.pk}/evidence/"
    before = counts()

    # when / then
    nothing = client.post(url, {}, format="multipart")
    assert nothing.status_code == 400 and "files" in nothing.json()
    junk = client.post(url, {"files": [upload("a.png", b"GIF89a not allowed", "image/png")]}, format="multipart")
    assert junk.status_code == 400 and "files" in junk.json()
    settings.EVIDENCE_MAX_BYTES = 100
    big = client.post(url, {"files": [upload("big.png", PNG_BYTES + b"0" * 100)]}, format="multipart")
    assert big.status_code == 400 and "files" in big.json()
    assert counts() == before


def test_evidence_is_locked_once_the_notice_is_issued(api_as, org, supervisor, issued_notice, finding_a1):
    # given
    client = api_as(supervisor)
    evidence = finding_a1.evidence.get()
    before = counts()

    # when
    response = client.post(f"/api/v1/findings/{finding_a1.pk}/evidence/", {"files": [upload()]}, format="multipart")

    # then
    assert response.status_code == 400
    assert "files" in response.json()
    assert counts() == before
    assert client.get(f"/api/v1/evidence/{evidence.pk}/").json()["locked"] is True


def test_evidence_refused_to_a_role_that_does_not_file(api_as, org, party_secretary, finding_a1):
    # given
    before = counts()

    # when
    response = api_as(party_secretary).post(
        f"/api/v1/findings/{finding_a1.pk}/evidence/", {"files": [upload()]}, format="multipart"
    )

    # then
    assert response.status_code == 403
    assert counts() == before


# --- clues -------------------------------------------------------------------------------------------


def test_supervisor_transfers_a_clue_once(api_as, org, supervisor, discipline_inspector, finding_a1):
    # given
    client = api_as(supervisor)
    url = f"/api/v1/findings/{finding_a1.pk}/transfer-clue/"

    # when
    first = client.post(url, {"reason": "涉嫌违纪"}, format="json")
    second = client.post(url, {"reason": "再次移送"}, format="json")

    # then
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "transferred"
    assert first.json()["transferred_by_name"] == "supervisor-本人"
    assert second.status_code == 409
    assert second.json()["current_status"] == "transferred"
    assert ClueTransfer.objects.count() == 1


def test_clue_transfer_refusals(api_as, org, supervisor, squad_leader):
    # given
    general = make_finding(actor=supervisor, unit=org.a1, severity="general")
    serious = make_finding(actor=supervisor, unit=org.a1, severity="serious")
    before = counts()

    # when / then: only serious findings, only by a supervisor, with a reason
    response = api_as(supervisor).post(f"/api/v1/findings/{general.pk}/transfer-clue/", {"reason": "x"}, format="json")
    assert response.status_code == 400 and "finding" in response.json()
    response = api_as(supervisor).post(f"/api/v1/findings/{serious.pk}/transfer-clue/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api_as(squad_leader).post(
        f"/api/v1/findings/{serious.pk}/transfer-clue/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert counts() == before


def test_clues_are_kept_from_the_unit_concerned(api_as, org, clue, supervisor, discipline_inspector, squad_leader):
    assert ids(api_as(discipline_inspector).get("/api/v1/clues/")) == {clue.pk}
    assert ids(api_as(supervisor).get("/api/v1/clues/?status=transferred")) == {clue.pk}
    assert ids(api_as(squad_leader).get("/api/v1/clues/")) == set()
    assert api_as(squad_leader).get(f"/api/v1/clues/{clue.pk}/").status_code == 404


def test_discipline_inspector_disposes_of_a_clue_once(api_as, org, clue, discipline_inspector):
    # given
    client = api_as(discipline_inspector)
    url = f"/api/v1/clues/{clue.pk}/dispose/"

    # when
    first = client.post(url, {"disposal": "已立案审查"}, format="json")
    second = client.post(url, {"disposal": "再次处置"}, format="json")

    # then
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "disposed"
    assert first.json()["disposed_by_name"] == "inspector-本人"
    assert second.status_code == 409
    assert second.json()["current_status"] == "disposed"
    clue.refresh_from_db()
    assert clue.disposal == "已立案审查"


def test_clue_disposal_refusals(api_as, org, clue, supervisor, discipline_inspector):
    # given
    before = counts()
    url = f"/api/v1/clues/{clue.pk}/dispose/"

    # when / then
    assert api_as(supervisor).post(url, {"disposal": "越权处置"}, format="json").status_code == 403
    response = api_as(discipline_inspector).post(url, {"disposal": "长" * 5001}, format="json")
    assert response.status_code == 400 and "disposal" in response.json()
    response = api_as(discipline_inspector).post(url, {}, format="json")
    assert response.status_code == 400 and "disposal" in response.json()
    assert counts() == before
    clue.refresh_from_db()
    assert clue.status == ClueTransfer.Status.TRANSFERRED


# --- bounded queries ------------------------------------------------------------------------------------


@pytest.fixture
def many_rows(org, supervisor):
    """Several inspections, findings (each with a person and a file) and clues."""
    for index in range(4):
        inspection_create(
            actor=supervisor,
            kind="routine",
            layer="functional",
            inspection_date=date(2026, 11, 1 + index),
            theme=f"检查{index}",
            organizing_unit=org.jcs,
            target_units=[org.a1, org.a2],
            inspectors=[PersonFactory(unit=org.jcs)],
        )
        finding = make_finding(
            actor=supervisor,
            unit=org.a1,
            found_on=date(2026, 11, 1 + index),
            files=[upload()],
            persons=[PersonFactory(unit=org.a1)],
        )
        clue_transfer(actor=supervisor, finding=finding, reason=f"移送{index}")


@pytest.mark.parametrize("url", ["/api/v1/inspections/", "/api/v1/findings/", "/api/v1/clues/"])
def test_list_query_count_does_not_depend_on_page_size(api_as, org, supervisor, many_rows, url):
    # given
    client = api_as(supervisor)
    client.get(url)  # warm up the session

    # when
    with CaptureQueriesContext(connection) as one:
        first = client.get(url, {"page_size": 1})
    with CaptureQueriesContext(connection) as many:
        everything = client.get(url, {"page_size": 50})

    # then
    assert len(first.json()["results"]) == 1
    assert len(everything.json()["results"]) == 4
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(one.captured_queries) <= 10
