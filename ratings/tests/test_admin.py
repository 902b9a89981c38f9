"""The admin: indicators are edited there (audited, never added or deleted); rounds, ratings and
adjustments are read-only (they change through the services)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from ratings.models import Indicator

pytestmark = pytest.mark.django_db


def test_an_indicator_weight_is_edited_and_audited(client, admin_user):
    indicator = Indicator.objects.get(code="cases")
    client.force_login(admin_user)
    url = reverse("admin:ratings_indicator_change", args=[indicator.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": indicator.name, "description": indicator.description, "weight": "-15", "is_active": "on"}
    )
    assert response.status_code == 302, response.content[:500]
    indicator.refresh_from_db()
    assert indicator.weight == Decimal("-15")
    event = AuditEvent.objects.get(action="indicator.update", object_id=str(indicator.pk))
    assert event.changes["weight"] == {"before": "-10.000", "after": "-15"}


def test_indicators_are_neither_added_nor_deleted(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:ratings_indicator_add")).status_code == 403
    indicator = Indicator.objects.first()
    assert client.get(reverse("admin:ratings_indicator_delete", args=[indicator.pk])).status_code == 403


@pytest.mark.parametrize("model", ["ratinground", "unitrating", "ratingadjustment"])
def test_rounds_ratings_and_adjustments_are_read_only(client, admin_user, draft, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:ratings_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:ratings_{model}_add")).status_code == 403
