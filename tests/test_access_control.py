"""Access control, generated from the OpenAPI schema (issue 7).

Every operation of the schema is exercised as every persona, in a world with one object of every
resource in brigade A (squad A1) and one in brigade B (squad B1) (tests/acl_world.py):

- lists (JSON, `?format=csv`, `?format=xlsx`, and each query filter that names a unit) never hold an
  object of a unit outside the persona's scope;
- details of an object outside the scope answer 404 (403 where the role may not read the resource at all);
- writes on an object outside the scope, or with a body naming a unit outside it, answer 400/403/404 and
  change nothing (the row and the table counts are compared before and after);
- no operation answers 5xx, for any persona, on any object.

`REGISTRY` says how to exercise each (method, path template) of the schema. An operation of the schema
missing from it fails `test_registry_covers_the_schema` by name, and so does a stale entry: a new
endpoint cannot pass silently.

"Foreign" rows are computed here from the unit tree (`FOREIGN`), not by the app's selectors under test.
The world is built once per module inside an outer transaction that is rolled back at the end; every
write is made inside a savepoint that is rolled back too, so no request changes what the next one sees.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from django.db import transaction
from django.db.models import Q
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.acl_world import PERSONAS, build_world

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
LIMITED = ("brigade_leader", "party_secretary", "outsider")  # personas that do not see every unit
UNIT_FILTERS = {"unit", "within", "organizing_unit", "target_unit", "unit_id", "parent"}
REFUSED = {400, 403, 404}


# --- the world ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("acl-media")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def schema_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                operations[(method.upper(), path)] = operation
    return operations


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=user)
    return client


# --- foreign rows, per resource: rows whose unit lies outside a set of unit ids ------------------------


def _models():
    from accounts.models import PartyOrganization, Person, Position, Unit
    from archive.models import ArchiveSnapshot
    from audit.models import AuditEvent
    from cases.models import Case as CaseModel
    from cases.models import Liability
    from public.models import PublicFeedback, PublicSummary
    from ratings.models import RatingAdjustment, UnitRating
    from rectification.models import Handover, ItemRequest, LookBack, RectificationItem, RectificationNotice
    from risk.models import Alert, BusinessRecord, CircuitBreak, RiskList, RiskScore
    from supervision.models import ClueTransfer, Evidence, Finding, Inspection

    def by(model, unit_field="unit"):
        return lambda scope: model.objects.exclude(**{f"{unit_field}__in": scope})

    return {
        "findings": by(Finding),
        "evidence": by(Evidence),
        "clues": by(ClueTransfer, "finding__unit"),
        "inspections": lambda scope: Inspection.objects.exclude(
            Q(organizing_unit__in=scope) | Q(target_units__in=scope)
        ),
        "notices": by(RectificationNotice),
        "handovers": lambda scope: Handover.objects.exclude(Q(notice__unit__in=scope) | Q(recipient_unit__in=scope)),
        "items": by(RectificationItem),
        "item_requests": by(ItemRequest, "item__unit"),
        "look_backs": by(LookBack, "notice__unit"),
        "business_records": by(BusinessRecord),
        "alerts": by(Alert),
        "risk_scores": by(RiskScore),
        "circuit_breaks": by(CircuitBreak),
        "risk_lists": by(RiskList),
        "cases": by(CaseModel),
        "liabilities": by(Liability),
        "ratings": by(UnitRating),
        "rating_adjustments": by(RatingAdjustment),
        "archives": lambda scope: ArchiveSnapshot.objects.exclude(Q(unit__in=scope) | Q(person__unit__in=scope)),
        "public_summaries": by(PublicSummary),
        "public_feedback": by(PublicFeedback),
        "persons": by(Person),
        "positions": by(Position),
        "party_organizations": by(PartyOrganization),
        "units": lambda scope: Unit.objects.exclude(pk__in=scope),
        "audit_events": lambda scope: AuditEvent.objects.exclude(unit_id__in=scope),
    }


def foreign_ids(world, resource: str | None, persona: str) -> set[int]:
    scope = world.scope_unit_ids[persona]
    if resource is None or scope is None:
        return set()
    return set(_models()[resource](scope).values_list("pk", flat=True))


def snapshot(obj=None) -> dict:
    """Row counts of every table a write could touch (the audit log aside: a refusal may be logged),
    and the target row's values."""
    from django.apps import apps

    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"supervision", "rectification", "risk", "cases", "ratings", "archive", "public", "reports"}
        and not model._meta.label.split(".")[1].startswith("Historical")
    }
    row = type(obj).objects.filter(pk=obj.pk).values().first() if obj is not None else None
    return {"counts": counts, "row": row}


def diff(before: dict, after: dict) -> str:
    changed = [k for k in before["counts"] if before["counts"][k] != after["counts"].get(k)]
    parts = [f"{k}: {before['counts'][k]} -> {after['counts'][k]}" for k in changed]
    if before["row"] != after["row"]:
        parts.append(f"row {before['row']} -> {after['row']}")
    return "; ".join(parts)


# --- the registry ------------------------------------------------------------------------------------


@dataclass
class Op:
    """How to exercise one operation.

    kind: list | detail | write (on an object: `target` names it in each side's objects) |
          create (no object in the path; `body(world, side)` names the side's unit or objects) |
          special (no foreign object; `reason` says why and `check` is the test made instead).
    """

    kind: str
    resource: str | None = None  # list: the FOREIGN key of its rows
    target: str | None = None  # detail/write: the key of the object in Side.objects
    body: Callable | None = None
    body_format: str = "json"
    reason: str = ""
    check: str = ""
    path_args: Callable | None = None  # side -> {"kind": ..., "id": ..., "year": ...}
    xfail: str = ""


def L(resource=None):
    return Op("list", resource=resource)


def D(target, **kwargs):
    return Op("detail", target=target, **kwargs)


def W(target, body=None, **kwargs):
    return Op("write", target=target, body=body or (lambda world, side: {}), **kwargs)


def C(body, **kwargs):
    return Op("create", body=body, **kwargs)


def S(reason, check):
    return Op("special", reason=reason, check=check)


def _files(world, side):
    from supervision.tests.factories import upload

    return {"files": [upload()]}


def _finding_body(world, side):
    from accounts.models import BusinessArea
    from supervision.models import FindingCategory

    return {
        "unit": side.squad.pk,
        "category": FindingCategory.objects.get(code="work_discipline").pk,
        "severity": "general",
        "description": "越权登记的问题",
        "found_on": "2026-11-02",
        "source": "petition",
        "business_area": BusinessArea.objects.get(code=BusinessArea.Code.VEHICLE_ADMIN).pk,
    }


def _item_body(world, side):
    person = side.objects["person"]
    return {
        "notice": side.objects["notice"].pk,
        "problem": "问题",
        "measures": "措施",
        "responsible_department": side.squad.pk,
        "responsible_person": person.pk,
        "responsible_leader": person.pk,
        "deadline": "2026-12-30",
    }


def _feedback_to_finding(world, side):
    from supervision.models import FindingCategory

    return {"category": FindingCategory.objects.get(code="work_discipline").pk, "severity": "general"}


def _archive_args(side):
    return {"kind": "unit", "id": side.squad.pk, "year": 2025}


V1 = "/api/v1"
REGISTRY: dict[tuple[str, str], Op] = {
    # supervision
    ("GET", f"{V1}/inspections/"): L("inspections"),
    ("POST", f"{V1}/inspections/"): C(
        lambda w, s: {
            "kind": "routine",
            "layer": "functional",
            "inspection_date": "2026-11-02",
            "theme": "越权检查",
            "organizing_unit": s.squad.pk,
            "target_units": [s.squad.pk],
        }
    ),
    ("GET", f"{V1}/inspections/{{id}}/"): D("inspection"),
    ("GET", f"{V1}/findings/"): L("findings"),
    ("POST", f"{V1}/findings/"): C(_finding_body),
    ("GET", f"{V1}/findings/{{id}}/"): D("finding"),
    ("POST", f"{V1}/findings/{{id}}/evidence/"): W("finding", _files, body_format="multipart"),
    ("POST", f"{V1}/findings/{{id}}/transfer-clue/"): W("finding", lambda w, s: {"reason": "涉嫌违纪"}),
    ("GET", f"{V1}/evidence/{{id}}/"): D("evidence"),
    ("GET", f"{V1}/clues/"): L("clues"),
    ("GET", f"{V1}/clues/{{id}}/"): D("clue"),
    ("POST", f"{V1}/clues/{{id}}/dispose/"): W("clue", lambda w, s: {"disposal": "已处理"}),
    # rectification
    ("GET", f"{V1}/notices/"): L("notices"),
    ("POST", f"{V1}/notices/"): C(
        lambda w, s: {
            "unit": s.squad.pk,
            "findings": [s.objects["finding"].pk],
            "title": "越权通知",
            "requirements": "整改",
            "deadline": "2026-12-30",
        }
    ),
    ("GET", f"{V1}/notices/{{id}}/"): D("notice"),
    ("POST", f"{V1}/notices/{{id}}/acknowledge/"): W("notice", lambda w, s: {"side": "party", "opinion": "签收"}),
    ("POST", f"{V1}/notices/{{id}}/issue/"): W("draft_notice"),
    ("GET", f"{V1}/handovers/"): L("handovers"),
    ("GET", f"{V1}/handovers/{{id}}/"): D("handover"),
    ("GET", f"{V1}/rectification-items/"): L("items"),
    ("POST", f"{V1}/rectification-items/"): C(_item_body),
    ("GET", f"{V1}/rectification-items/{{id}}/"): D("item"),
    ("GET", f"{V1}/rectification-items/ledger/"): Op("ledger", resource="items"),
    ("POST", f"{V1}/rectification-items/{{id}}/extension/"): W(
        "item", lambda w, s: {"reason": "需要时间", "new_deadline": "2027-01-31"}
    ),
    ("POST", f"{V1}/rectification-items/{{id}}/progress/"): W("item", lambda w, s: {"text": "进展"}),
    ("POST", f"{V1}/rectification-items/{{id}}/submit/"): W("item", lambda w, s: {"note": "完成"}),
    ("POST", f"{V1}/rectification-items/{{id}}/unrectifiable/"): W("item", lambda w, s: {"reason": "无法整改"}),
    ("POST", f"{V1}/rectification-items/{{id}}/verify/"): W(
        "submitted_item", lambda w, s: {"decision": "accept", "comment": "通过"}
    ),
    ("GET", f"{V1}/item-requests/"): L("item_requests"),
    ("GET", f"{V1}/item-requests/{{id}}/"): D("item_request"),
    ("POST", f"{V1}/item-requests/{{id}}/decide/"): W("item_request", lambda w, s: {"approve": True}),
    ("GET", f"{V1}/look-backs/"): L("look_backs"),
    ("GET", f"{V1}/look-backs/{{id}}/"): D("look_back"),
    ("POST", f"{V1}/look-backs/{{id}}/record/"): W("look_back", lambda w, s: {"passed": True, "result": "未反弹"}),
    # risk
    ("GET", f"{V1}/business-records/"): L("business_records"),
    ("GET", f"{V1}/business-records/{{id}}/"): D("business_record"),
    ("POST", f"{V1}/business-records/bulk/"): C(
        lambda w, s: {
            "records": [
                {
                    "source_system": "vehicle_admin_sys",
                    "external_id": "ACL-1",
                    "area": "vehicle_admin",
                    "business_type": "vehicle.register",
                    "unit_code": s.squad.code,
                    "accepted_at": "2026-10-05T10:00:00+08:00",
                    "status": "completed",
                }
            ]
        }
    ),
    ("GET", f"{V1}/alerts/"): L("alerts"),
    ("GET", f"{V1}/alerts/{{id}}/"): D("alert"),
    ("POST", f"{V1}/alerts/{{id}}/to-finding/"): W("alert"),
    ("POST", f"{V1}/alerts/{{id}}/verify/"): W(
        "alert", lambda w, s: {"agree": True, "comment": "属实", "factor_opinions": {"t-night": True, "t-agent": True}}
    ),
    ("GET", f"{V1}/assessments/"): L(),
    ("GET", f"{V1}/assessments/{{id}}/"): S(
        "a monthly assessment is detachment-wide (month and totals, no unit)", "no_5xx_on_global"
    ),
    ("GET", f"{V1}/risk-scores/"): L("risk_scores"),
    ("GET", f"{V1}/circuit-breaks/"): L("circuit_breaks"),
    ("GET", f"{V1}/circuit-breaks/{{id}}/"): D("circuit_break"),
    ("POST", f"{V1}/circuit-breaks/{{id}}/restore-request/"): W("circuit_break", lambda w, s: {"reason": "已整改"}),
    ("POST", f"{V1}/circuit-breaks/{{id}}/restore-decision/"): W(
        "circuit_break", lambda w, s: {"approve": True, "comment": "同意"}
    ),
    ("GET", f"{V1}/allowlist/"): L(),
    ("POST", f"{V1}/allowlist/"): Op(
        "create_global",
        body=lambda w, s: {
            "scope_kind": "account",
            "scope_key": "acc-x",
            "until": "2026-12-31T00:00:00+08:00",
            "reason": "测试",
        },
        reason="the allowlist is detachment-wide: limited personas must be refused",
    ),
    ("GET", f"{V1}/risk-lists/"): L("risk_lists"),
    ("GET", f"{V1}/risk-lists/{{id}}/"): D("risk_list"),
    ("GET", f"{V1}/risk-models/"): L(),
    ("GET", f"{V1}/risk-models/{{id}}/"): S("risk models are detachment-wide configuration", "no_5xx_on_global"),
    # cases
    ("GET", f"{V1}/cases/"): L("cases"),
    ("POST", f"{V1}/cases/"): C(
        lambda w, s: {
            "unit": s.squad.pk,
            "title": "越权案件",
            "category": "bribery",
            "severity": "serious",
            "misconduct_date": "2026-10-01",
            "facts": "事实",
        }
    ),
    ("GET", f"{V1}/cases/{{id}}/"): D("case"),
    ("PATCH", f"{V1}/cases/{{id}}/"): W("case", lambda w, s: {"title": "改过的标题"}),
    ("POST", f"{V1}/cases/{{id}}/close/"): W("case"),
    ("POST", f"{V1}/cases/{{id}}/conclude/"): W(
        "case", lambda w, s: {"integrity_problem_confirmed": False, "conclusion": "不属实", "persons": []}
    ),
    ("POST", f"{V1}/cases/{{id}}/start-investigation/"): W("case"),
    ("GET", f"{V1}/liabilities/"): L("liabilities"),
    ("GET", f"{V1}/liabilities/{{id}}/"): D("liability"),
    ("POST", f"{V1}/liabilities/{{id}}/objection/"): W("liability", lambda w, s: {"reason": "有异议"}),
    ("POST", f"{V1}/liabilities/{{id}}/objection-decision/"): W(
        "liability", lambda w, s: {"grant": False, "comment": "维持"}
    ),
    ("GET", f"{V1}/liability-rules/"): L(),
    ("GET", f"{V1}/liability-rules/{{id}}/"): S("liability rules are detachment-wide rules", "no_5xx_on_global"),
    # ratings
    ("GET", f"{V1}/rating-rounds/"): L(),
    ("POST", f"{V1}/rating-rounds/"): Op(
        "create_global", body=lambda w, s: {"year": 2025}, reason="rounds are detachment-wide"
    ),
    ("GET", f"{V1}/rating-rounds/{{id}}/"): S("a rating round is detachment-wide", "no_5xx_on_global"),
    ("POST", f"{V1}/rating-rounds/{{id}}/approve/"): Op("write_global", target="rating_round"),
    ("POST", f"{V1}/rating-rounds/{{id}}/propose/"): Op("write_global", target="rating_round"),
    ("POST", f"{V1}/rating-rounds/{{id}}/publish/"): Op("write_global", target="rating_round"),
    ("POST", f"{V1}/rating-rounds/{{id}}/recompute/"): Op("write_global", target="rating_round"),
    ("POST", f"{V1}/rating-rounds/{{id}}/return/"): Op(
        "write_global", target="rating_round", body=lambda w, s: {"reason": "重新计算"}
    ),
    ("GET", f"{V1}/ratings/"): L("ratings"),
    ("GET", f"{V1}/ratings/{{id}}/"): D("rating"),
    ("POST", f"{V1}/ratings/{{id}}/decide-tie/"): W("rating", lambda w, s: {"grade": "standard", "reason": "并列"}),
    ("GET", f"{V1}/rating-adjustments/"): L("rating_adjustments"),
    ("POST", f"{V1}/rating-adjustments/"): C(
        lambda w, s: {"round": w.rating_round.pk, "unit": s.squad.pk, "points": "1.0", "reason": "加分"}
    ),
    ("GET", f"{V1}/rating-adjustments/{{id}}/"): D("rating_adjustment"),
    # archive, public, reports
    ("GET", f"{V1}/archives/"): L("archives"),
    ("GET", f"{V1}/archives/{{kind}}/{{id}}/{{year}}/"): D("archive", path_args=_archive_args),
    ("GET", f"{V1}/public-summaries/"): L("public_summaries"),
    ("GET", f"{V1}/public-summaries/{{id}}/"): D("public_summary"),
    ("POST", f"{V1}/public-summaries/publish/"): C(
        lambda w, s: {"notice": s.objects["notice"].pk, "title": "越权公示", "problems": "问题", "measures": "措施"}
    ),
    ("POST", f"{V1}/public-summaries/{{id}}/refresh/"): W("public_summary"),
    ("POST", f"{V1}/public-summaries/{{id}}/unpublish/"): W("public_summary", lambda w, s: {"reason": "撤下"}),
    ("GET", f"{V1}/public-feedback/"): L("public_feedback"),
    ("GET", f"{V1}/public-feedback/{{id}}/"): D("public_feedback"),
    ("POST", f"{V1}/public-feedback/{{id}}/dismiss/"): W("public_feedback", lambda w, s: {"reason": "无效"}),
    ("POST", f"{V1}/public-feedback/{{id}}/to-finding/"): W("public_feedback", _feedback_to_finding),
    ("GET", f"{V1}/generated-reports/"): L(),
    ("POST", f"{V1}/generated-reports/"): Op(
        "create_global", body=lambda w, s: {"period": "2026H1"}, reason="reports cover the whole detachment"
    ),
    ("GET", f"{V1}/generated-reports/{{id}}/"): S(
        "generated reports are detachment-wide documents for readers of all units", "no_5xx_on_global"
    ),
    ("GET", f"{V1}/generated-reports/{{id}}/download/"): S(
        "generated reports are detachment-wide documents for readers of all units", "no_5xx_on_global"
    ),
    ("GET", f"{V1}/reports/summary/"): S("an aggregate, not rows", "report_figures"),
    ("GET", f"{V1}/reports/key-figures/"): S("an aggregate, not rows", "report_figures"),
    ("GET", f"{V1}/reports/rectification/"): S("an aggregate, not rows", "report_figures"),
    ("GET", f"{V1}/reports/risk/"): S("an aggregate, not rows", "report_figures"),
    ("GET", f"{V1}/reports/cases/"): S("an aggregate, not rows", "report_figures"),
    ("GET", f"{V1}/reports/trends/"): S("an aggregate, not rows", "report_figures"),
    # accounts, audit, core
    ("GET", f"{V1}/units/"): L("units"),
    ("GET", f"{V1}/units/{{id}}/"): D("unit"),
    ("GET", f"{V1}/units/{{id}}/responsibility/"): D("unit"),
    ("GET", f"{V1}/persons/"): L("persons"),
    ("GET", f"{V1}/persons/{{id}}/"): D("person"),
    ("GET", f"{V1}/persons/{{id}}/eligibility/"): D("person"),
    ("GET", f"{V1}/positions/"): L("positions"),
    ("GET", f"{V1}/positions/{{id}}/"): D("position"),
    ("GET", f"{V1}/party-organizations/"): L("party_organizations"),
    ("GET", f"{V1}/party-organizations/{{id}}/"): D("party_organization"),
    ("GET", f"{V1}/posts/"): L(),
    ("GET", f"{V1}/posts/{{id}}/"): S("posts are a detachment-wide catalogue", "no_5xx_on_global"),
    ("GET", f"{V1}/audit-events/"): L("audit_events"),
    ("GET", f"{V1}/audit-events/{{id}}/"): D("audit_event"),
    ("GET", f"{V1}/calendar/"): L(),
    ("POST", f"{V1}/calendar/import/"): Op(
        "create_global",
        body=lambda w, s: "date,kind,name\n2027-01-01,holiday,元旦\n",
        body_format="csv",
        reason="the working-day calendar is detachment-wide",
    ),
    ("GET", f"{V1}/me/"): S("the caller's own account", "me"),
    ("PATCH", f"{V1}/me/"): S("the caller's own account", "me"),
    ("POST", f"{V1}/auth/token/"): S("credentials, no object", "token"),
}


def test_registry_covers_the_schema(schema_operations):
    missing = sorted(f"{method} {path}" for method, path in schema_operations if (method, path) not in REGISTRY)
    stale = sorted(f"{method} {path}" for method, path in REGISTRY if (method, path) not in schema_operations)
    assert not missing, "operations of the schema the access-control test does not exercise: " + ", ".join(missing)
    assert not stale, "registry entries not in the schema (stale): " + ", ".join(stale)
    unexplained = [key for key, op in REGISTRY.items() if op.kind in ("special", "create_global") and not op.reason]
    assert not unexplained


def _ops(*kinds):
    return [
        pytest.param(
            key, id=f"{key[0]} {key[1]}", marks=[pytest.mark.xfail(strict=True, reason=op.xfail)] if op.xfail else []
        )
        for key, op in REGISTRY.items()
        if op.kind in kinds
    ]


# --- helpers to address objects ----------------------------------------------------------------------


def side_object(world, side, target):
    if target == "unit":
        return side.squad
    if target == "audit_event":
        from audit.models import AuditEvent

        return AuditEvent.objects.filter(unit_id=side.squad.pk).order_by("pk").first()
    if target == "rating_round":
        return world.rating_round
    return side.objects[target]


def fill(path: str, **args) -> str:
    for name, value in args.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def op_path(world, key, op, side):
    if op.path_args:
        return fill(key[1], **op.path_args(side))
    if op.target:
        return fill(key[1], id=side_object(world, side, op.target).pk)
    return key[1]


def send(client, method, path, op, world, side):
    if method == "GET":
        return client.get(path)
    body = op.body(world, side) if op.body else {}
    if op.body_format == "csv":
        return client.generic(method, path, body.encode(), content_type="text/csv")
    return getattr(client, method.lower())(path, body, format=op.body_format)


def attempt(client, method, url, op, world, side, target=None):
    """Send the request inside a savepoint that is rolled back; (response, snapshot before, after)."""

    def call():
        before = snapshot(target)
        response = send(client, method, url, op, world, side)
        return response, before, snapshot(target)

    return in_savepoint(call)


def in_savepoint(call):
    """Run `call` and roll back whatever it wrote."""
    with transaction.atomic():
        result = call()
        transaction.set_rollback(True)
    return result


def short(response) -> str:
    text = getattr(response, "content", b"")[:300]
    return f"{response.status_code} {text!r}"


# --- lists -------------------------------------------------------------------------------------------


def listed_ids(response) -> list[int]:
    data = response.json()
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    if isinstance(rows, dict):  # a ledger or grouped answer: take any list of rows in it
        rows = next((v for v in rows.values() if isinstance(v, list)), [])
    return [row["id"] for row in rows if isinstance(row, dict) and "id" in row]


def exported_ids(response, fmt) -> tuple[int, list[int] | None]:
    """(number of data rows, ids of the "ID" column or None when the export has no such column)."""
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
    else:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        table = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    if not table:
        return 0, None
    header, rows = table[0], [r for r in table[1:] if any(c not in (None, "") for c in r)]
    if "ID" not in header:
        return len(rows), None
    column = header.index("ID")
    return len(rows), [int(r[column]) for r in rows if r[column] not in (None, "")]


def foreign_unit_ids(world, persona) -> list[int]:
    side = world.side_for_foreign(persona)
    return [side.brigade.pk, side.squad.pk]


def query_params(schema_operations, key) -> set[str]:
    return {p["name"] for p in schema_operations[key].get("parameters", []) if p["in"] == "query"}


@pytest.mark.parametrize("key", _ops("list"))
def test_lists_hold_nothing_outside_the_scope(db, world, schema_operations, key):
    violations = list_violations(world, key, query_params(schema_operations, key))
    assert not violations, "\n".join(violations)


def list_violations(world, key, params, personas=PERSONAS) -> list[str]:
    path = key[1]
    op = REGISTRY[key]
    violations = []
    for persona in personas:
        client = client_for(world.users[persona])
        foreign = foreign_ids(world, op.resource, persona)
        queries = [{}]
        if persona in LIMITED and foreign:
            queries += [
                {name: unit} for name in sorted(params & UNIT_FILTERS) for unit in foreign_unit_ids(world, persona)
            ]
        for query in queries:
            query = {**query, "page_size": 1000} if "page_size" in params else query
            response = client.get(path, query)
            where = f"{persona} GET {path} {query}"
            if response.status_code >= 500 or response.status_code not in (200, 400, 403):
                violations.append(f"{where}: {short(response)}")
                continue
            if response.status_code != 200:
                if not query.keys() & UNIT_FILTERS and response.status_code == 400:
                    violations.append(f"{where}: {short(response)}")
                continue
            ids = listed_ids(response)
            leaked = sorted(set(ids) & foreign)
            if leaked:
                violations.append(f"{where}: foreign ids {leaked}")
            if "format" not in params:
                continue
            for fmt in ("csv", "xlsx"):
                exported = client.get(path, {**query, "format": fmt})
                if exported.status_code >= 500 or exported.status_code not in (200, 400, 403):
                    violations.append(f"{where} format={fmt}: {short(exported)}")
                    continue
                if exported.status_code != 200:
                    continue
                count, export_ids = exported_ids(exported, fmt)
                if export_ids is not None:
                    leaked = sorted(set(export_ids) & foreign)
                    if leaked:
                        violations.append(f"{where} format={fmt}: foreign ids {leaked}")
                if count != len(ids) and len(ids) < 1000:
                    violations.append(f"{where} format={fmt}: {count} rows exported, {len(ids)} listed")
    return violations


def workbook_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell
    )


@pytest.mark.parametrize("key", _ops("ledger"))
def test_ledger_holds_nothing_outside_the_scope(db, world, schema_operations, key):
    """The rectification ledger is an .xlsx of the item list: no foreign item's problem in it (under
    every unit filter), and the persona's own items are (so the check can fail)."""
    from rectification.models import RectificationItem

    path = key[1]
    op = REGISTRY[key]
    params = query_params(schema_operations, key)
    violations = []
    for persona in PERSONAS:
        client = client_for(world.users[persona])
        foreign = foreign_ids(world, op.resource, persona)
        problems = dict(RectificationItem.objects.values_list("pk", "problem"))
        queries = [{}]
        if persona in LIMITED:
            queries += [
                {name: unit} for name in sorted(params & UNIT_FILTERS) for unit in foreign_unit_ids(world, persona)
            ]
        for query in queries:
            response = client.get(path, query)
            where = f"{persona} GET {path} {query}"
            if response.status_code not in (200, 400, 403):
                violations.append(f"{where}: {short(response)}")
                continue
            if response.status_code != 200:
                continue
            text = workbook_text(response.content)
            leaked = sorted(pk for pk in foreign if problems[pk] in text)
            if leaked:
                violations.append(f"{where}: foreign items {leaked}")
            if not query and persona in LIMITED:
                own = world.a if world.side_for_foreign(persona) is world.b else world.b
                if own.objects["item"].problem not in text:
                    violations.append(f"{where}: own item missing, the check cannot be trusted")
    assert not violations, "\n".join(violations)


# --- details -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", _ops("detail"))
def test_details_outside_the_scope_are_not_found(db, world, key):
    violations = detail_violations(world, key)
    assert not violations, "\n".join(violations)


def detail_violations(world, key, personas=PERSONAS) -> list[str]:
    op = REGISTRY[key]
    violations = []
    for persona in personas:
        client = client_for(world.users[persona])
        foreign_side = world.side_for_foreign(persona)
        for side in (world.a, world.b):
            url = op_path(world, key, op, side)
            response = client.get(url)
            where = f"{persona} GET {url} ({side.squad.code})"
            if response.status_code >= 500:
                violations.append(f"{where}: {short(response)}")
            elif side is foreign_side and response.status_code not in (403, 404):
                violations.append(f"{where}: expected 404, got {short(response)}")
    return violations


# --- writes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", _ops("write"))
def test_writes_on_objects_outside_the_scope_change_nothing(db, world, key):
    violations = write_violations(world, key)
    assert not violations, "\n".join(violations)


def write_violations(world, key, personas=PERSONAS) -> list[str]:
    method = key[0]
    op = REGISTRY[key]
    violations = []
    for persona in personas:
        client = client_for(world.users[persona])
        foreign_side = world.side_for_foreign(persona)
        for side in (world.a, world.b):
            url = op_path(world, key, op, side)
            target = side_object(world, side, op.target)
            where = f"{persona} {method} {url} ({side.squad.code})"
            response, before, after = attempt(client, method, url, op, world, side, target)
            if response.status_code >= 500:
                violations.append(f"{where}: {short(response)}")
            elif side is foreign_side:
                if response.status_code not in REFUSED:
                    violations.append(f"{where}: expected 403/404, got {short(response)}")
                changes = diff(before, after)
                if changes:
                    violations.append(f"{where}: refused write changed {changes}")
    return violations


@pytest.mark.parametrize("key", _ops("create"))
def test_creates_naming_a_unit_outside_the_scope_are_refused(db, world, key):
    method, path = key
    op = REGISTRY[key]
    violations = []
    for persona in PERSONAS:
        client = client_for(world.users[persona])
        foreign_side = world.side_for_foreign(persona)
        for side in (world.a, world.b):
            where = f"{persona} {method} {path} (naming {side.squad.code})"
            response, before, after = attempt(client, method, path, op, world, side)
            if response.status_code >= 500:
                violations.append(f"{where}: {short(response)}")
            elif side is foreign_side:
                if response.status_code not in REFUSED:
                    violations.append(f"{where}: expected 400/403/404, got {short(response)}")
                changes = diff(before, after)
                if changes:
                    violations.append(f"{where}: refused write changed {changes}")
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("key", _ops("create_global", "write_global"))
def test_detachment_wide_writes_are_refused_to_unit_scoped_personas(db, world, key):
    """Objects that belong to no unit (rating rounds, the allowlist, the calendar, generated reports):
    a persona who sees only part of the detachment may not change them."""
    method = key[0]
    op = REGISTRY[key]
    violations = []
    for persona in PERSONAS:
        client = client_for(world.users[persona])
        url = op_path(world, key, op, world.a)
        target = side_object(world, world.a, op.target) if op.target else None
        response, before, after = attempt(client, method, url, op, world, world.a, target)
        where = f"{persona} {method} {url}"
        if response.status_code >= 500:
            violations.append(f"{where}: {short(response)}")
        elif persona in LIMITED:
            if response.status_code not in (403, 404):
                violations.append(f"{where}: expected 403/404, got {short(response)}")
            changes = diff(before, after)
            if changes:
                violations.append(f"{where}: refused write changed {changes}")
    assert not violations, "\n".join(violations)


# --- operations without a foreign object ---------------------------------------------------------------


def _global_detail_url(world, path):
    from accounts.models import Post
    from cases.models import LiabilityRule
    from ratings.models import RatingRound
    from reports.models import GeneratedReport
    from risk.models import Assessment, RiskModel

    first = (
        {
            "assessments": Assessment,
            "risk-models": RiskModel,
            "liability-rules": LiabilityRule,
            "rating-rounds": RatingRound,
            "generated-reports": GeneratedReport,
            "posts": Post,
        }[path.split("/")[3]]
        .objects.order_by("pk")
        .first()
    )
    return fill(path, id=first.pk if first else 999999)


@pytest.mark.parametrize("key", [p for p in _ops("special") if REGISTRY[p.values[0]].check == "no_5xx_on_global"])
def test_detachment_wide_details_never_fail(db, world, key):
    url = _global_detail_url(world, key[1])
    violations = []
    for persona in PERSONAS:
        response = client_for(world.users[persona]).get(url)
        if response.status_code >= 500 or response.status_code not in (200, 403, 404):
            violations.append(f"{persona} GET {url}: {short(response)}")
    assert not violations, "\n".join(violations)


REPORT_PATHS = [key[1] for key, op in REGISTRY.items() if op.check == "report_figures"]
# Parts of a report that depend on the reader's role rather than on the units counted: what the role
# may see at all (`visible`), the rating round shown (unit leaders see published rounds only), stamps.
ROLE_DEPENDENT = {"visible", "ratings", "as_of", "generated_at", "unit", "period"}


def figures(data, prefix=""):
    """The numbers of a report, by path, leaving out the role-dependent parts."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name not in ROLE_DEPENDENT:
                yield from figures(value, f"{prefix}.{name}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from figures(value, f"{prefix}[{index}]")
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield prefix, data


def figure_differences(mine, reference) -> list[str]:
    """Figures both answers show (a role may see None where another sees a number) that differ."""
    theirs = dict(figures(reference))
    return [
        f"{path}: {value} != {theirs[path]}"
        for path, value in figures(mine)
        if path in theirs and theirs[path] != value
    ]


def test_report_figures_of_a_unit_scoped_persona_are_those_of_their_units_only(db, world):
    """A brigade leader's figures (no `unit=`) equal the supervisor's figures for brigade A; naming
    brigade B is refused; the outsider's equal the supervisor's for squad B1. And they are not the
    detachment's (so the comparison can fail)."""
    from dashboard.rollups import rollups_refresh

    rollups_refresh()  # the findings and items figures are read from the rollups, as the beat leaves them
    violations = []
    period = {"from": "2026-01-01", "to": "2026-12-31"}
    supervisor = client_for(world.users["supervisor"])
    for persona, own_unit in (("brigade_leader", world.org.a), ("outsider", world.org.b1)):
        client = client_for(world.users[persona])
        foreign_unit = world.side_for_foreign(persona).brigade
        for path in REPORT_PATHS:
            query = {"to": "2026-12-31", "months": 6} if path.endswith("/trends/") else period
            mine = client.get(path, query)
            reference = supervisor.get(path, {**query, "unit": own_unit.pk})
            if mine.status_code == 403:
                continue
            if mine.status_code != 200 or reference.status_code != 200:
                violations.append(f"{persona} GET {path}: {short(mine)} / supervisor {short(reference)}")
                continue
            # Alerts are compared apart: a unit leader counts the confirmed ones only (the role's rule,
            # not the scope's), so theirs may be fewer than the supervisor's, never more.
            differences = [
                d for d in figure_differences(mine.json(), reference.json()) if "alert" not in d.split(":")[0]
            ]
            if path.endswith("/key-figures/") and (mine.json()["alerts_total"]["value"] or 0) > (
                reference.json()["alerts_total"]["value"] or 0
            ):
                violations.append(f"{persona} GET {path}: counts more alerts than the supervisor for {own_unit.code}")
            if differences:
                violations.append(
                    f"{persona} GET {path}: figures differ from those of {own_unit.code} alone: {differences}"
                )
            if (
                path.endswith("/summary/")
                and mine.json()["findings"]["total"] >= supervisor.get(path, query).json()["findings"]["total"]
            ):
                violations.append(f"{persona} GET {path}: counts as many findings as the whole detachment")
            outside = client.get(path, {**query, "unit": foreign_unit.pk})
            if outside.status_code not in REFUSED:
                violations.append(f"{persona} GET {path}?unit={foreign_unit.code}: {short(outside)}")
    for persona in PERSONAS:
        for path in REPORT_PATHS:
            response = client_for(world.users[persona]).get(path)
            if response.status_code >= 500:
                violations.append(f"{persona} GET {path}: {short(response)}")
    assert not violations, "\n".join(violations)


def test_me_answers_only_for_the_caller(db, world):
    violations = []
    for persona in PERSONAS:
        user = world.users[persona]
        client = client_for(user)
        response = client.get(f"{V1}/me/")
        if response.status_code != 200 or response.json().get("username") != user.username:
            violations.append(f"{persona} GET /me/: {short(response)}")
        patched = in_savepoint(lambda client=client: client.patch(f"{V1}/me/", {"language": "en"}, format="json"))
        if patched.status_code != 200:
            violations.append(f"{persona} PATCH /me/: {short(patched)}")
    assert APIClient().get(f"{V1}/me/").status_code in (401, 403)
    assert not violations, "\n".join(violations)


def test_token_needs_the_right_password(db, world):
    client = APIClient()
    wrong = client.post(f"{V1}/auth/token/", {"username": "outsider", "password": "wrong"}, format="json")
    empty = client.post(f"{V1}/auth/token/", {}, format="json")
    assert wrong.status_code in (400, 401, 403), short(wrong)
    assert "token" not in wrong.json()
    assert empty.status_code == 400, short(empty)


# --- the checks can fail -----------------------------------------------------------------------------


def test_the_checks_catch_a_scope_that_leaks(db, world, schema_operations, monkeypatch):
    """With the data scope switched off (every persona sees every unit), the same checks report leaks
    in lists, exports and details, and writes on foreign objects that go through."""
    import accounts.selectors

    monkeypatch.setattr(accounts.selectors, "_scope_condition", lambda user, roles=None: None)
    monkeypatch.setattr(accounts.selectors, "user_sees_all", lambda user: True)
    findings = ("GET", f"{V1}/findings/")
    persons = ("GET", f"{V1}/persons/")
    leaks = list_violations(world, findings, query_params(schema_operations, findings), personas=["outsider"])
    leaks += list_violations(world, persons, query_params(schema_operations, persons), personas=["outsider"])
    assert any("format=csv: foreign ids" in leak for leak in leaks), leaks
    assert any("format=xlsx: foreign ids" in leak for leak in leaks), leaks
    assert any("'unit':" in leak and ": foreign ids" in leak for leak in leaks), leaks  # under a unit filter
    plain = [leak for leak in leaks if "format=" not in leak and "'unit':" not in leak and "'within':" not in leak]
    assert any(": foreign ids" in leak for leak in plain), leaks
    details = detail_violations(world, ("GET", f"{V1}/persons/{{id}}/"), personas=["brigade_leader"])
    assert any("expected 404, got 200" in leak for leak in details), details
    writes = write_violations(world, ("POST", f"{V1}/rectification-items/{{id}}/progress/"), personas=["outsider"])
    assert any("refused write changed" in leak for leak in writes), writes
