import re

import pytest
from django.test import Client

from accounts.tests.factories import PersonFactory
from audit.models import AuditEvent
from core.workbench import workbench_sections
from public.models import PublicFeedback, PublicSummary
from public.services import feedback_submit, summary_publish
from public.tests.conftest import MEASURES, PROBLEMS
from public.workbench import public_feedback_to_handle
from supervision.models import Finding, FindingCategory

pytestmark = pytest.mark.django_db


def _public_url(summary) -> str:
    return f"/public/rectification/{summary.pk}/"


def _post_feedback(client, summary, text="整改情况如何？", **extra):
    return client.post(f"{_public_url(summary)}feedback/", {"text": text, "name": "", "contact": ""}, **extra)


def _login(client, user):
    client.force_login(user)
    return client


# --- the public pages --------------------------------------------------------------------------------


def test_published_summaries_are_read_without_login(published, client):
    listing = client.get("/public/rectification/")
    detail = client.get(_public_url(published))
    assert listing.status_code == 200
    assert published.title in listing.content.decode()
    assert detail.status_code == 200
    page = detail.content.decode()
    assert published.title in page and PROBLEMS in page and MEASURES in page
    assert "no-cache" in detail["Cache-Control"]


def test_unpublishing_removes_the_page_at_once(published, client, supervisor):
    assert client.get(_public_url(published)).status_code == 200
    # when: the supervisor unpublishes through the staff page
    staff = _login(Client(), supervisor)
    response = staff.post(f"/public/summaries/{published.pk}/unpublish/", {"reason": "内容更新"})
    assert response.status_code == 302
    # then: 404 for the public at once, gone from the list, and no more feedback
    assert client.get(_public_url(published)).status_code == 404
    assert published.title not in client.get("/public/rectification/").content.decode()
    assert _post_feedback(client, published).status_code == 404
    assert not PublicFeedback.objects.exists()


def test_public_pages_carry_no_inline_script_and_load_nothing_external(published, client):
    for url in ["/public/rectification/", _public_url(published)]:
        page = client.get(url).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
        assert scripts, "the site's own scripts are loaded as files"
        for attributes, body in scripts:
            assert "src=" in attributes and not body.strip(), f"inline script on {url}"
        for reference in re.findall(r"""(?:src|href|action)=["']([^"']+)""", page):
            assert reference.startswith(("/", "#", "?")), f"{url} refers outside the site: {reference}"
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", page), f"inline event handler on {url}"


def test_the_public_list_costs_the_same_queries_for_1_and_10(
    published, supervisor, client, org, django_assert_max_num_queries
):
    from rectification.models import RectificationNotice

    with django_assert_max_num_queries(6):
        assert client.get("/public/rectification/").status_code == 200
    for number in range(9):
        notice = RectificationNotice.objects.get(pk=published.notice_id)
        notice.pk = None
        notice.doc_number = 1000 + number
        notice.save()
        summary_publish(actor=supervisor, notice=notice, title=f"整改{number}", problems=PROBLEMS, measures=MEASURES)
    with django_assert_max_num_queries(6):
        assert client.get("/public/rectification/").status_code == 200


# --- feedback and the rate limit ------------------------------------------------------------------------


def test_feedback_is_stored_from_the_public_form(published, client):
    response = _post_feedback(client, published, text="希望持续公开", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    feedback = PublicFeedback.objects.get()
    assert (feedback.text, feedback.client_ip, feedback.summary) == ("希望持续公开", "203.0.113.9", published)


def test_the_feedback_form_names_a_missing_or_overlong_comment(published, client):
    response = _post_feedback(client, published, text="")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"text"}
    response = _post_feedback(client, published, text="长" * 1001)
    assert "text" in response.context["form"].errors
    assert not PublicFeedback.objects.exists()


def test_the_sixth_comment_within_the_hour_is_429_and_stores_nothing(published, client):
    for _number in range(5):
        assert _post_feedback(client, published, REMOTE_ADDR="203.0.113.9").status_code == 302
    response = _post_feedback(client, published, text="第六条", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert PublicFeedback.objects.count() == 5
    assert not PublicFeedback.objects.filter(text="第六条").exists()
    # another visitor is not affected
    assert _post_feedback(client, published, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(published, client):
    # By default (TRUSTED_PROXY_COUNT = 0) only REMOTE_ADDR counts.
    for number in range(5):
        _post_feedback(client, published, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    response = _post_feedback(client, published, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_behind_one_trusted_proxy_the_rightmost_forwarded_address_counts(published, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "172.18.0.2"
    # The client may prepend anything; the proxy appends the real address last.
    for number in range(5):
        response = _post_feedback(
            client, published, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{number}, 203.0.113.9"
        )
        assert response.status_code == 302
    assert PublicFeedback.objects.filter(client_ip="203.0.113.9").count() == 5
    blocked = _post_feedback(client, published, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.9")
    assert blocked.status_code == 429
    # a different visitor behind the same proxy still gets through
    other = _post_feedback(client, published, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other.status_code == 302


def test_the_feedback_form_needs_its_csrf_token(published):
    strict = Client(enforce_csrf_checks=True)
    assert _post_feedback(strict, published).status_code == 403
    page = strict.get(_public_url(published))
    token = page.cookies["csrftoken"].value
    response = strict.post(f"{_public_url(published)}feedback/", {"text": "带令牌", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert PublicFeedback.objects.filter(text="带令牌").exists()


# --- staff pages ----------------------------------------------------------------------------------------


def test_a_supervisor_publishes_from_the_page(issued_notice, supervisor, client):
    _login(client, supervisor)
    form = client.get(f"/public/summaries/new/?notice={issued_notice.pk}")
    assert form.status_code == 200
    assert issued_notice in form.context["form"].fields["notice"].queryset
    response = client.post(
        "/public/summaries/new/",
        {"notice": issued_notice.pk, "title": "整改进展", "problems": PROBLEMS, "measures": MEASURES},
    )
    summary = PublicSummary.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/public/summaries/{summary.pk}/"


def test_a_name_comes_back_on_the_form_field(issued_notice, supervisor, client, org):
    PersonFactory(unit=org.a1, name="赵六")
    _login(client, supervisor)
    response = client.post(
        "/public/summaries/new/",
        {"notice": issued_notice.pk, "title": "整改进展", "problems": "赵六玩游戏", "measures": MEASURES},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"problems"}
    assert not PublicSummary.objects.exists()


@pytest.mark.parametrize("persona", ["brigade_leader", "committee_member"])
def test_other_roles_cannot_publish(issued_notice, persona, request, client):
    _login(client, request.getfixturevalue(persona))
    assert client.get("/public/summaries/new/").status_code == 403
    response = client.post(
        "/public/summaries/new/", {"notice": issued_notice.pk, "title": "t", "problems": "p", "measures": "m"}
    )
    assert response.status_code == 403
    assert not PublicSummary.objects.exists()


def test_an_outsider_does_not_see_the_staff_page_of_a_summary(published, outsider, client):
    _login(client, outsider)
    assert client.get(f"/public/summaries/{published.pk}/").status_code == 404
    assert client.post(f"/public/summaries/{published.pk}/unpublish/").status_code == 404
    published.refresh_from_db()
    assert published.status == PublicSummary.Status.PUBLISHED


def test_refresh_from_the_staff_page(published, supervisor, brigade_leader, client):
    _login(client, brigade_leader)
    assert client.post(f"/public/summaries/{published.pk}/refresh/").status_code == 403
    _login(client, supervisor)
    assert client.post(f"/public/summaries/{published.pk}/refresh/").status_code == 302
    assert AuditEvent.objects.filter(action="public_summary.refresh").count() == 1


def test_feedback_reaches_the_supervisors_workbench_and_becomes_a_finding(published, supervisor, client):
    # given: a comment from the public
    _post_feedback(Client(), published, text="窗口仍有人玩手机", REMOTE_ADDR="203.0.113.9")
    feedback = PublicFeedback.objects.get()
    # then: it waits on the supervisor's workbench
    section = public_feedback_to_handle(supervisor)
    assert [row.url for row in section.rows] == [f"/public/feedback/{feedback.pk}/"]
    assert any(s.key == "public_feedback" for s in workbench_sections(supervisor))
    _login(client, supervisor)
    assert "窗口仍有人玩手机" in client.get("/").content.decode()
    # when: the supervisor turns it into a finding
    page = client.get(f"/public/feedback/{feedback.pk}/")
    assert page.context["finding_form"] is not None
    category = FindingCategory.objects.get(code="work_discipline")
    response = client.post(
        f"/public/feedback/{feedback.pk}/to-finding/",
        {"category": category.pk, "severity": "general", "description": "群众反映：窗口仍有人玩手机"},
    )
    # then
    finding = Finding.objects.get(source=Finding.Source.PUBLIC_FEEDBACK)
    assert response.status_code == 302 and response["Location"] == f"/supervision/findings/{finding.pk}/"
    assert finding.unit == published.unit
    assert public_feedback_to_handle(supervisor) is None


def test_feedback_is_not_on_a_unit_leaders_workbench_nor_their_pages(published, brigade_leader, outsider, client):
    feedback = feedback_submit(summary=published, text="意见", client_ip="203.0.113.9")
    assert public_feedback_to_handle(brigade_leader) is None
    _login(client, brigade_leader)
    assert client.get("/public/feedback/").status_code == 403
    assert client.get(f"/public/feedback/{feedback.pk}/").status_code == 403
    assert client.post(f"/public/feedback/{feedback.pk}/dismiss/", {"reason": "x"}).status_code == 403
    feedback.refresh_from_db()
    assert feedback.status == PublicFeedback.Status.NEW


def test_dismiss_from_the_page_needs_a_reason(published, supervisor, client):
    feedback = feedback_submit(summary=published, text="意见", client_ip="203.0.113.9")
    _login(client, supervisor)
    response = client.post(f"/public/feedback/{feedback.pk}/dismiss/", {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["dismiss_form"].errors
    response = client.post(f"/public/feedback/{feedback.pk}/dismiss/", {"reason": "与本整改无关"})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == PublicFeedback.Status.DISMISSED


def test_staff_lists_render(published, supervisor, client):
    feedback_submit(summary=published, text="意见", client_ip="203.0.113.9")
    _login(client, supervisor)
    assert published.title in client.get("/public/summaries/").content.decode()
    assert "意见" in client.get("/public/feedback/").content.decode()
    assert client.get(f"/public/summaries/{published.pk}/").status_code == 200


def test_signing_in_is_not_needed_but_staff_pages_need_it(published, client):
    assert client.get("/public/summaries/").status_code == 302
    assert client.get("/public/feedback/").status_code == 302
