"""The OpenAPI schema is complete: it generates without a single warning and validates."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_generates_without_warnings_and_validates(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for path in [
        "/api/v1/units/",
        "/api/v1/persons/",
        "/api/v1/positions/",
        "/api/v1/party-organizations/",
        "/api/v1/posts/",
        "/api/v1/me/",
        "/api/v1/audit-events/",
        "/api/v1/auth/token/",
        "/api/v1/inspections/",
        "/api/v1/inspections/{id}/",
        "/api/v1/findings/",
        "/api/v1/findings/{id}/",
        "/api/v1/findings/{id}/evidence/",
        "/api/v1/findings/{id}/transfer-clue/",
        "/api/v1/evidence/{id}/",
        "/api/v1/clues/",
        "/api/v1/clues/{id}/",
        "/api/v1/clues/{id}/dispose/",
        "/api/v1/notices/",
        "/api/v1/notices/{id}/",
        "/api/v1/notices/{id}/issue/",
        "/api/v1/notices/{id}/acknowledge/",
        "/api/v1/handovers/",
        "/api/v1/handovers/{id}/",
        "/api/v1/rectification-items/",
        "/api/v1/rectification-items/{id}/",
        "/api/v1/rectification-items/{id}/progress/",
        "/api/v1/rectification-items/{id}/submit/",
        "/api/v1/rectification-items/{id}/verify/",
        "/api/v1/rectification-items/{id}/extension/",
        "/api/v1/rectification-items/{id}/unrectifiable/",
        "/api/v1/rectification-items/ledger/",
        "/api/v1/item-requests/",
        "/api/v1/item-requests/{id}/",
        "/api/v1/item-requests/{id}/decide/",
        "/api/v1/look-backs/",
        "/api/v1/look-backs/{id}/",
        "/api/v1/look-backs/{id}/record/",
        "/api/v1/calendar/",
        "/api/v1/calendar/import/",
    ]:
        assert f"{path}:" in text, path
    assert "tokenAuth" in text
