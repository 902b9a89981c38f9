"""Twenty identical transitions at once through the LIVE server, each on its own HTTP connection (and
so its own database connection in the server): exactly one succeeds and nineteen get 409 with the
current status. Item verification, notice acknowledgement, alert verification, breaker restore and
rating approval; on SQLite and on PostgreSQL (CI runs both)."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from accounts.services import api_token_issue
from ratings.models import RatingRound
from ratings.services import rating_round_draft, rating_round_propose
from ratings.tests import factories as rating_factories
from rectification.models import RectificationItem, RectificationNotice
from risk.alerts import alert_verify
from risk.breakers import breaker_restore_request
from risk.models import Alert, CircuitBreak
from risk.tests.alert_factories import make_alert, opinions
from risk.tests.test_breakers import device_break

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ATTEMPTS = 20


def post_twenty(live_server, user, path: str, body: dict) -> list[tuple[int, dict]]:
    """POST the same body twenty times at once, each from its own thread and connection."""
    _token, key = api_token_issue(user=user)
    barrier = threading.Barrier(ATTEMPTS)
    results: list = [None] * ATTEMPTS
    data = json.dumps(body).encode()

    def send(index):
        request = urllib.request.Request(  # noqa: S310  (the local live server, http only)
            f"{live_server.url}{path}",
            data=data,
            method="POST",
            headers={"Authorization": f"Token {key}", "Content-Type": "application/json", "Accept": "application/json"},
        )
        barrier.wait(timeout=30)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  (the local live server)
                results[index] = (response.status, json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.loads(error.read() or b"{}"))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_one_winner(results, expected_status: str):
    statuses = sorted(code for code, _body in results)
    assert statuses == [200] + [409] * (ATTEMPTS - 1), results
    assert {body.get("current_status") for code, body in results if code == 409} == {expected_status}


def test_item_verification(live_server, submitted_item, supervisor):
    results = post_twenty(
        live_server,
        supervisor,
        f"/api/v1/rectification-items/{submitted_item.pk}/verify/",
        {"decision": "accept", "comment": "同意销号"},
    )
    assert_one_winner(results, RectificationItem.Status.CLOSED)
    assert submitted_item.reviews.count() == 1


def test_notice_acknowledgement(live_server, issued_notice, party_secretary):
    results = post_twenty(
        live_server, party_secretary, f"/api/v1/notices/{issued_notice.pk}/acknowledge/", {"side": "party"}
    )
    codes = sorted(code for code, _body in results)
    assert codes == [200] + [409] * (ATTEMPTS - 1), results
    assert issued_notice.handovers.filter(acknowledged_at__isnull=False).count() == 1
    assert RectificationNotice.objects.get(pk=issued_notice.pk).status == RectificationNotice.Status.ISSUED


def test_alert_verification(live_server, org, supervisor, discipline_inspector):
    alert = make_alert(unit=org.a1)
    alert_verify(actor=supervisor, alert=alert, agree=True, comment="属实", factor_opinions=opinions(alert))
    results = post_twenty(
        live_server,
        discipline_inspector,
        f"/api/v1/alerts/{alert.pk}/verify/",
        {"agree": True, "comment": "经核实属实", "factor_opinions": opinions(alert)},
    )
    assert sorted(code for code, _body in results)[0] in (200, 201)
    winners = [r for r in results if r[0] in (200, 201)]
    assert len(winners) == 1, results
    assert all(code == 409 for code, _body in results if (code, _body) not in winners), results
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.CONFIRMED
    assert alert.verifications.count() == 2


def test_breaker_restore(live_server, org, squad_leader, supervisor):
    breaker = device_break(org.a1, device="dev-live")
    request = breaker_restore_request(actor=squad_leader, breaker=breaker, reason="设备已回收")
    results = post_twenty(
        live_server,
        supervisor,
        f"/api/v1/circuit-breaks/{breaker.pk}/restore-decision/",
        {"approve": True, "comment": "同意恢复"},
    )
    assert_one_winner(results, "approved")  # the restore request's decision
    assert CircuitBreak.objects.get(pk=breaker.pk).status == CircuitBreak.Status.RESTORED
    request.refresh_from_db()
    assert request.decided_by == supervisor


def test_rating_approval(live_server, org, supervisor, committee_member, squad_leader, outsider, today):
    # distinct scores, so no tie waits for the committee (as ratings/tests/conftest.py distinct_scores)
    rating_factories.finding(org.a2, severity="general")
    rating_factories.finding(org.b1, severity="serious")
    draft = rating_round_draft(year=2026, actor=supervisor).rating_round
    proposed = rating_round_propose(actor=supervisor, round=draft)
    results = post_twenty(live_server, committee_member, f"/api/v1/rating-rounds/{proposed.pk}/approve/", {})
    assert_one_winner(results, RatingRound.Status.APPROVED)
    assert RatingRound.objects.get(pk=proposed.pk).approved_by == committee_member
