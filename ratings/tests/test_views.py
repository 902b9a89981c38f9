"""The rating pages: the rounds, a round with every unit's figures and explanation, the forms and buttons
by role, the performance assessment export, the unit page and the menu."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Unit
from accounts.tests.factories import UnitFactory
from ratings.demo import _resolve_ties
from ratings.models import Grade, RatingAdjustment, RatingRound
from ratings.services import (
    rating_adjust,
    rating_round_approve,
    rating_round_draft,
    rating_round_propose,
    rating_round_publish,
)
from ratings.tests import factories as f
from ratings.tests.conftest import YEAR, state

pytestmark = pytest.mark.django_db


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response


def detail_url(rating_round) -> str:
    return reverse("ratings:round_detail", args=[rating_round.pk])


@pytest.fixture
def published(proposed, committee_member, supervisor):
    rating_round_approve(actor=committee_member, round=proposed)
    return rating_round_publish(actor=supervisor, round=proposed)


def test_the_round_list_shows_rounds_by_role(client, draft, supervisor, squad_leader):
    body = page(client, supervisor, reverse("ratings:round_list")).content.decode()
    assert detail_url(draft) in body
    assert reverse("ratings:round_draft") in body  # the draft form
    body = page(client, squad_leader, reverse("ratings:round_list")).content.decode()
    assert detail_url(draft) not in body
    assert reverse("ratings:round_draft") not in body


def test_drafting_from_the_page(client, supervisor, distinct_scores, today):
    client.force_login(supervisor)
    response = client.post(reverse("ratings:round_draft"), {"year": YEAR})
    rating_round = RatingRound.objects.get(year=YEAR)
    assert response.status_code == 302 and response["Location"] == detail_url(rating_round)
    bad = client.post(reverse("ratings:round_draft"), {"year": 2099})
    assert bad.status_code == 400
    assert RatingRound.objects.count() == 1


def test_only_supervisors_draft_from_the_page(client, committee_member, today):
    client.force_login(committee_member)
    assert client.post(reverse("ratings:round_draft"), {"year": YEAR}).status_code == 403
    assert not RatingRound.objects.exists()


def test_the_round_page_explains_every_unit(org, client, draft, supervisor):
    body = page(client, supervisor, detail_url(draft)).content.decode()
    for unit in (org.a1, org.a2, org.b1):
        assert unit.name in body
    for rating in draft.ratings.all():
        assert f'id="rating-{rating.pk}"' in body
        assert str(rating.score) in body
        assert rating.explanation.splitlines()[0] in body
    assert reverse("ratings:round_adjust", args=[draft.pk]) in body
    assert reverse("ratings:round_propose", args=[draft.pk]) in body
    assert reverse("ratings:round_approve", args=[draft.pk]) not in body


def test_a_draft_page_is_404_for_a_unit_leader(client, draft, squad_leader):
    page(client, squad_leader, detail_url(draft), status=404)
    page(client, squad_leader, reverse("ratings:round_export", args=[draft.pk]), status=404)


def test_a_published_round_shows_a_squad_leader_only_their_unit(org, client, published, squad_leader):
    body = page(client, squad_leader, detail_url(published)).content.decode()
    assert org.a1.name in body and org.b1.name not in body
    assert reverse("ratings:round_publish", args=[published.pk]) not in body


def test_adjusting_from_the_page(org, client, draft, supervisor):
    client.force_login(supervisor)
    url = reverse("ratings:round_adjust", args=[draft.pk])
    response = client.post(url, {"unit": org.a2.pk, "points": "25", "reason": "获评先进"})
    assert response.status_code == 302
    assert draft.ratings.get(unit=org.a2).grade == Grade.DEMONSTRATION
    bad = client.post(url, {"unit": org.a2.pk, "points": "5", "reason": ""})
    assert bad.status_code == 400
    assert RatingAdjustment.objects.count() == 1


def test_the_workflow_buttons(org, client, draft, supervisor, committee_member, squad_leader):
    client.force_login(committee_member)
    before = state(draft)
    assert client.post(reverse("ratings:round_propose", args=[draft.pk])).status_code == 403
    assert state(draft) == before
    client.force_login(supervisor)
    assert client.post(reverse("ratings:round_propose", args=[draft.pk])).status_code == 302
    assert RatingRound.objects.get(pk=draft.pk).status == "proposed"
    # a repeat is a message, not a change
    response = client.post(reverse("ratings:round_propose", args=[draft.pk]), follow=True)
    assert response.status_code == 200 and RatingRound.objects.get(pk=draft.pk).status == "proposed"
    body = page(client, committee_member, detail_url(draft)).content.decode()
    assert reverse("ratings:round_approve", args=[draft.pk]) in body
    assert reverse("ratings:round_return", args=[draft.pk]) in body
    assert client.post(reverse("ratings:round_return", args=[draft.pk]), {"reason": ""}).status_code == 400
    assert client.post(reverse("ratings:round_approve", args=[draft.pk])).status_code == 302
    assert client.post(reverse("ratings:round_publish", args=[draft.pk])).status_code == 302
    assert RatingRound.objects.get(pk=draft.pk).status == "published"
    client.force_login(squad_leader)
    assert client.post(reverse("ratings:round_publish", args=[draft.pk])).status_code == 403


def test_deciding_a_tie_from_the_page(org, client, tied_draft, supervisor, committee_member):
    rating_round_propose(actor=supervisor, round=tied_draft)
    body = page(client, committee_member, detail_url(tied_draft)).content.decode()
    assert reverse("ratings:round_decide_tie", args=[tied_draft.pk]) in body
    a1 = tied_draft.ratings.get(unit=org.a1)
    url = reverse("ratings:round_decide_tie", args=[tied_draft.pk])
    bad = client.post(url, {"rating": a1.pk, "grade": "model", "reason": "理由"})
    assert bad.status_code == 400
    # approving before deciding is refused with a message
    client.post(reverse("ratings:round_approve", args=[tied_draft.pk]))
    assert RatingRound.objects.get(pk=tied_draft.pk).status == "proposed"
    assert client.post(url, {"rating": a1.pk, "grade": "demonstration", "reason": "党委决定"}).status_code == 302
    assert not tied_draft.ratings.filter(tie_unresolved=True).exists()
    client.force_login(supervisor)
    assert client.post(url, {"rating": a1.pk, "grade": "standard", "reason": "x"}).status_code == 403


def test_the_export_is_formula_safe_and_scoped(org, client, supervisor, squad_leader, committee_member, today):
    evil = UnitFactory(code="EVIL", name='=HYPERLINK("http://x","y")', kind=Unit.Kind.SQUAD, parent=org.a)
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    response = page(client, supervisor, reverse("ratings:round_export", args=[rating_round.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=False))
    assert len(rows) == 4
    names = {row[2].value: row[2] for row in rows}
    assert evil.name in names and names[evil.name].data_type == "s"
    headers = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert headers[:4] == ["序号", "单位代码", "单位", "在职人数"] and "等次" in headers and "得分" in headers
    # published: a squad leader's export holds their unit only
    rating_round_propose(actor=supervisor, round=rating_round)
    _resolve_ties(rating_round, committee_member)  # four squads without data are all tied
    rating_round_approve(actor=committee_member, round=rating_round)
    rating_round_publish(actor=supervisor, round=rating_round)
    response = page(client, squad_leader, reverse("ratings:round_export", args=[rating_round.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[2] for row in sheet.iter_rows(min_row=3, values_only=True)] == [org.a1.name]


def test_the_unit_page_shows_published_grades_only(org, client, draft, supervisor, committee_member, squad_leader):
    url = reverse("org:unit_detail", args=[org.a1.pk])
    body = page(client, squad_leader, url).content.decode()
    assert detail_url(draft) not in body
    rating_round_propose(actor=supervisor, round=draft)
    rating_round_approve(actor=committee_member, round=draft)
    rating_round_publish(actor=supervisor, round=draft)
    body = page(client, squad_leader, url).content.decode()
    assert detail_url(draft) in body
    assert str(draft.ratings.get(unit=org.a1).score) in body


def test_the_menu_links_the_rounds(client, squad_leader):
    body = page(client, squad_leader, reverse("core:workbench")).content.decode()
    assert reverse("ratings:round_list") in body


def test_the_committee_workbench_lists_a_proposed_round(client, proposed, committee_member):
    body = page(client, committee_member, reverse("core:workbench")).content.decode()
    assert detail_url(proposed) in body


def test_the_round_page_costs_the_same_queries_for_3_and_23_units(org, client, supervisor, today):
    rating_round = rating_round_draft(year=YEAR, actor=supervisor).rating_round
    rating_adjust(actor=supervisor, round=rating_round, unit=org.a1, points="1", reason="理由")
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as small:
        assert client.get(detail_url(rating_round)).status_code == 200
    for unit in f.squads(org.b, 20, prefix="V"):
        f.finding(unit)
    rating_round_draft(year=YEAR, actor=supervisor)
    with CaptureQueriesContext(connection) as big:
        assert client.get(detail_url(rating_round)).status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)
