"""The cases endpoints are in the OpenAPI schema, which validates (core/tests/test_schema.py also
fails on any warning of the whole schema)."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/cases/",
    "/api/v1/cases/{id}/",
    "/api/v1/cases/{id}/start-investigation/",
    "/api/v1/cases/{id}/conclude/",
    "/api/v1/cases/{id}/close/",
    "/api/v1/liabilities/",
    "/api/v1/liabilities/{id}/",
    "/api/v1/liabilities/{id}/objection/",
    "/api/v1/liabilities/{id}/objection-decision/",
    "/api/v1/liability-rules/",
    "/api/v1/liability-rules/{id}/",
    "/api/v1/persons/{id}/eligibility/",
]


def test_the_cases_endpoints_are_in_the_validated_schema(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(target))
    text = target.read_text(encoding="utf-8")
    for path in PATHS:
        assert f"  {path}:" in text, path
    for component in ["CaseOutput:", "CaseOpenInputRequest:", "CaseConcludeInputRequest:", "EligibilityOutput:"]:
        assert component in text
