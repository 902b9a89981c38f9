import pytest
from django.test import Client

from accounts.tests.factories import PersonFactory
from public.models import PublicFeedback, PublicSummary
from public.services import feedback_submit
from public.tests.conftest import MEASURES, PROBLEMS
from supervision.models import Finding, FindingCategory

pytestmark = pytest.mark.django_db

SUMMARIES = "/api/v1/public-summaries/"
FEEDBACK = "/api/v1/public-feedback/"


def _body(notice, **changes):
    return {"notice": notice.pk, "title": "整改进展", "problems": PROBLEMS, "measures": MEASURES, **changes}


def test_a_supervisor_publishes_and_unpublishes_through_the_api(api_as, supervisor, issued_notice):
    client = api_as(supervisor)
    # when
    response = client.post(f"{SUMMARIES}publish/", _body(issued_notice), format="json")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "published" and body["progress"] == "handed_over"
    assert body["public_url"] == f"/public/rectification/{body['id']}/"
    assert Client().get(body["public_url"]).status_code == 200
    # when: unpublished
    response = client.post(f"{SUMMARIES}{body['id']}/unpublish/", {"reason": "更新"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "unpublished" and response.json()["public_url"] is None
    assert Client().get(body["public_url"]).status_code == 404
    # a second unpublish is a conflict naming the status
    again = client.post(f"{SUMMARIES}{body['id']}/unpublish/", {}, format="json")
    assert again.status_code == 409 and again.json()["current_status"] == "unpublished"


def test_a_name_is_a_400_naming_the_field(api_as, supervisor, issued_notice, org):
    PersonFactory(unit=org.a1, name="钱七")
    response = api_as(supervisor).post(f"{SUMMARIES}publish/", _body(issued_notice, measures="钱七负责"), format="json")
    assert response.status_code == 400
    assert "measures" in response.json()
    assert not PublicSummary.objects.exists()


def test_a_unit_leader_gets_403_and_nothing_is_published(api_as, brigade_leader, issued_notice):
    response = api_as(brigade_leader).post(f"{SUMMARIES}publish/", _body(issued_notice), format="json")
    assert response.status_code == 403
    assert not PublicSummary.objects.exists()


def test_an_outsider_neither_sees_nor_publishes_another_units_summary(api_as, outsider, published, issued_notice):
    client = api_as(outsider)
    assert client.get(SUMMARIES).json()["results"] == []
    assert client.get(f"{SUMMARIES}{published.pk}/").status_code == 404
    assert client.post(f"{SUMMARIES}{published.pk}/unpublish/", {}, format="json").status_code == 404
    response = client.post(f"{SUMMARIES}publish/", _body(issued_notice), format="json")
    assert response.status_code == 400 and "notice" in response.json()  # unknown to them


def test_refresh_through_the_api(api_as, supervisor, published):
    response = api_as(supervisor).post(f"{SUMMARIES}{published.pk}/refresh/", format="json")
    assert response.status_code == 200
    assert response.json()["item_count"] == 0


def test_feedback_list_is_scoped_and_for_oversight_roles(
    api_as, supervisor, committee_member, brigade_leader, api_client_user, published
):
    feedback = feedback_submit(summary=published, text="意见", name="王先生", contact="138", client_ip="203.0.113.9")
    for user in (supervisor, committee_member):
        rows = api_as(user).get(FEEDBACK).json()["results"]
        assert [row["id"] for row in rows] == [feedback.pk]
    for user in (brigade_leader, api_client_user):
        assert api_as(user).get(FEEDBACK).status_code == 403
        assert api_as(user).get(f"{FEEDBACK}{feedback.pk}/").status_code == 403


def test_feedback_to_finding_and_dismiss_through_the_api(api_as, supervisor, committee_member, published):
    first = feedback_submit(summary=published, text="窗口问题", client_ip="203.0.113.9")
    second = feedback_submit(summary=published, text="无关", client_ip="203.0.113.9")
    category = FindingCategory.objects.get(code="work_discipline")
    # the committee reads but does not act
    refused = api_as(committee_member).post(
        f"{FEEDBACK}{first.pk}/to-finding/", {"category": category.pk, "severity": "general"}, format="json"
    )
    assert refused.status_code == 403
    client = api_as(supervisor)
    response = client.post(
        f"{FEEDBACK}{first.pk}/to-finding/", {"category": category.pk, "severity": "general"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["source"] == Finding.Source.PUBLIC_FEEDBACK
    assert (
        client.post(
            f"{FEEDBACK}{first.pk}/to-finding/", {"category": category.pk, "severity": "general"}, format="json"
        ).status_code
        == 409
    )
    assert client.post(f"{FEEDBACK}{second.pk}/dismiss/", {"reason": ""}, format="json").status_code == 400
    response = client.post(f"{FEEDBACK}{second.pk}/dismiss/", {"reason": "与整改无关"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == PublicFeedback.Status.DISMISSED


def test_feedback_exports_with_the_list(api_as, supervisor, published):
    feedback_submit(summary=published, text="=1+1", client_ip="203.0.113.9")
    response = api_as(supervisor).get(f"{FEEDBACK}?format=csv")
    assert response.status_code == 200
    assert "'=1+1" in response.content.decode("utf-8-sig")


def test_the_endpoints_are_in_the_schema(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for path in [
        "/api/v1/public-summaries/",
        "/api/v1/public-summaries/{id}/",
        "/api/v1/public-summaries/publish/",
        "/api/v1/public-summaries/{id}/unpublish/",
        "/api/v1/public-summaries/{id}/refresh/",
        "/api/v1/public-feedback/",
        "/api/v1/public-feedback/{id}/",
        "/api/v1/public-feedback/{id}/to-finding/",
        "/api/v1/public-feedback/{id}/dismiss/",
    ]:
        assert f"{path}:" in text, path
