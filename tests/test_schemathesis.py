"""Schemathesis against the OpenAPI schema, in-process, as three roles (issue 7, "Robustness").

Every operation of /api/schema/ is called with generated input (valid and invalid) by a supervisor,
a discipline inspector and a unit leader, each with an API token, over a small seeded world so that
detail routes sometimes hit real objects. All of Schemathesis' checks run: no 5xx, every status
code, content type, header and body documented by the schema. Bounded (a few derandomized examples
per operation) so that it finishes in CI within minutes on SQLite.

One check is left out, on purpose: `positive_data_acceptance` (a request valid by the schema must get
a 2xx). Here a schema-valid request is often rightly refused with a 400 naming the field: a unit id
that does not exist, a deadline in the past, a date range ending before it starts, a rule of the
domain. JSON Schema cannot express those, and the project's rule is a 400, never a 2xx. Its
counterpart, `negative_data_rejection` (schema-violating input must be refused), does run.
"""

from datetime import date

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application

# Fuzzing examples per operation: more for the supervisor (all units), fewer for the other roles.
MAX_EXAMPLES = 5
MAX_EXAMPLES_OTHER_ROLES = 3


@pytest.fixture
def world(org, supervisor, discipline_inspector, brigade_leader, squad_leader, open_item):
    """A finding, notice, item (open), alert, case, circuit break, liability and rating round in
    brigade A, plus a finding in brigade B; returns the ids a path parameter may point at."""
    from dashboard.tests.factories import rating_round
    from ratings.tests import factories as records
    from risk.tests.factories import record
    from supervision.tests.factories import make_finding

    alert = records.confirmed_alert(org.a1, status="pending")
    breaker = records.circuit_break(org.a1)
    case = records.case(org.a1)
    liability = records.liability(org.a1)
    rounds = rating_round(year=2026, status="draft", grades={org.a1: "model", org.b1: "standard"})
    business_record = record(unit=org.a1)
    outside = make_finding(actor=supervisor, unit=org.b1)
    notice = open_item.notice
    SEEDED.clear()
    SEEDED.update(
        {
            "findings": [open_item.finding_id, outside.pk],
            "notices": [notice.pk],
            "handovers": list(notice.handovers.values_list("pk", flat=True)),
            "rectification-items": [open_item.pk],
            "alerts": [alert.pk],
            "circuit-breaks": [breaker.pk],
            "cases": [case.pk, liability.case_id],
            "liabilities": [liability.pk],
            "rating-rounds": [rounds.pk],
            "ratings": list(rounds.ratings.values_list("pk", flat=True)),
            "business-records": [business_record.pk],
            "units": [org.a1.pk, org.b1.pk],
            "inspections": [open_item.finding.inspection_id] if open_item.finding.inspection_id else [],
            "archives": [open_item.pk],
        }
    )
    yield SEEDED
    SEEDED.clear()


@pytest.fixture
def keep_connection():
    """The WSGI handler closes the database connection after each request, which would end the test's
    transaction; Django's own test client disconnects this signal the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded at collection (schema generation touches no database): one test per operation and role.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# The ids of the current test's seeded world, by the first segment of the API path.
SEEDED: dict[str, list[int]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, the `id` of a detail route is one of the seeded objects."""
    resource = context.operation.path.removeprefix("/api/v1/").split("/")[0]
    known = SEEDED.get(resource, [])
    if not path_parameters or "id" not in path_parameters or not known:
        return st.just(path_parameters)
    real = [{**path_parameters, "id": pk} for pk in known]
    if "year" in path_parameters:
        real = [{**parameters, "year": date.today().year} for parameters in real]
    return st.sampled_from([path_parameters, *real])


@pytest.fixture
def tokens(world, keep_connection, supervisor, discipline_inspector, brigade_leader):
    """An API token of each role, by fixture name."""
    from accounts.services import api_token_issue

    users = {"supervisor": supervisor, "discipline_inspector": discipline_inspector, "brigade_leader": brigade_leader}
    return {role: api_token_issue(user=user)[1] for role, user in users.items()}


def conformance_test(role: str, *, boundaries: bool):
    """One test per role: every operation, MAX_EXAMPLES derandomized examples each, all checks. With
    `boundaries`, also Schemathesis' coverage phase (every boundary and invalid value of every
    parameter, many requests); it runs for the supervisor, who sees every unit, to bound the time."""

    @schema.parametrize()
    @settings(
        max_examples=MAX_EXAMPLES if boundaries else MAX_EXAMPLES_OTHER_ROLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def test(case, tokens):
        if not boundaries and case.meta is not None and case.meta.phase.name.value == "coverage":
            return
        case.call_and_validate(
            headers={"Authorization": f"Token {tokens[role]}"}, excluded_checks=[positive_data_acceptance]
        )

    return test


test_api_as_supervisor = conformance_test("supervisor", boundaries=True)
test_api_as_discipline_inspector = conformance_test("discipline_inspector", boundaries=False)
test_api_as_unit_leader = conformance_test("brigade_leader", boundaries=False)
