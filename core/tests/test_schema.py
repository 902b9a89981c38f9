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
    ]:
        assert f"{path}:" in text, path
    assert "tokenAuth" in text
