"""Input and output serializers of the supervision API.

Input serializers only check shape and scope (a primary key outside the caller's data scope is as
unknown as a missing one); the rules live in supervision.services.
"""

from django.db.models import OuterRef, QuerySet, Subquery
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import BusinessArea, Person, Unit, User
from accounts.selectors import person_visible_to, visible_units
from core.api.labels import ChoiceLabels, moment_formatter
from core.expressions import CompiledOnce, JSONList, json_moment
from supervision.models import (
    ClueTransfer,
    Evidence,
    Finding,
    FindingCategory,
    Inspection,
    Severity,
    SupervisionLayer,
)
from supervision.selectors import category_choices, inspection_visible_to

# Free text is capped so that one request cannot store megabytes in a row.
LONG_TEXT = 5000
MEDIUM_TEXT = 2000


def evidence_download_url(evidence_id: int) -> str:
    """The scoped HTML download view (supervision pages) of an evidence file."""
    return f"/supervision/evidence/{evidence_id}/download/"


def _name(person_name: str | None, username: str) -> str:
    """The person's name of a login, else its username (also for rows read with `.values()`)."""
    return person_name if person_name is not None else username


def user_display_name(user) -> str:
    """The person's name of a login, else its username. Needs `<user>__person` selected."""
    person = getattr(user, "person", None)
    return _name(person.name if person is not None else None, user.get_username())


@extend_schema_field(OpenApiTypes.STR)
class UserNameField(serializers.Field):
    """A user foreign key shown as the person's name (read only)."""

    def __init__(self, **kwargs):
        # Null while the foreign key is null (not yet submitted, not yet decided, ...).
        kwargs.update(read_only=True, allow_null=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return user_display_name(value)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up in the caller's data scope: `scope(user)` returns the queryset.

    `queryset` names the model only (for the schema and without a request)."""

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.queryset.none()
        return self.scope(request.user)


class NamedRefSerializer(serializers.Serializer):
    """`{id, name}` of a related unit or person."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


# --- inspections -----------------------------------------------------------------------------------


# One component name for both: the schema shows "Inspection" and "InspectionRequest", and the
# inspection kind enum keeps a single name.
@extend_schema_serializer(component_name="Inspection")
class InspectionOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    layer_display = serializers.CharField(source="get_layer_display", read_only=True)
    organizing_unit_name = serializers.CharField(source="organizing_unit.name", read_only=True)
    target_units = NamedRefSerializer(many=True, read_only=True)
    inspectors = NamedRefSerializer(many=True, read_only=True)
    created_by_name = UserNameField(source="created_by")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "kind",
            "kind_display",
            "layer",
            "layer_display",
            "inspection_date",
            "theme",
            "summary",
            "organizing_unit",
            "organizing_unit_name",
            "target_units",
            "inspectors",
            "created_by",
            "created_by_name",
            "created_at",
        ]


@extend_schema_serializer(component_name="Inspection")
class InspectionCreateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Inspection.Kind.choices)
    layer = serializers.ChoiceField(choices=SupervisionLayer.choices)
    inspection_date = serializers.DateField()
    theme = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    organizing_unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all(), scope=visible_units)
    target_units = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(), scope=visible_units, many=True, allow_empty=False
    )
    inspectors = ScopedPrimaryKeyRelatedField(
        queryset=Person.objects.all(), scope=person_visible_to, many=True, required=False, default=list
    )


# --- evidence ----------------------------------------------------------------------------------------


class EvidenceOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by_name = UserNameField(source="uploaded_by")
    locked = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "locked",
            "locked_at",
            "download_url",
        ]

    def get_locked(self, evidence: Evidence) -> bool:
        return evidence.locked_at is not None

    def get_download_url(self, evidence: Evidence) -> str:
        return evidence_download_url(evidence.pk)


class FilesInputSerializer(serializers.Serializer):
    """One or more evidence files (multipart, the field repeated). Their type is judged by content."""

    files = serializers.ListField(child=serializers.FileField(max_length=255), allow_empty=False)


# --- findings ----------------------------------------------------------------------------------------


class FindingOutputSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    business_area_name = serializers.StringRelatedField(source="business_area")
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    persons = NamedRefSerializer(many=True, read_only=True)
    created_by_name = UserNameField(source="created_by")
    evidence = EvidenceOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "unit",
            "unit_name",
            "inspection",
            "source",
            "source_display",
            "category",
            "category_name",
            "business_area",
            "business_area_name",
            "severity",
            "severity_display",
            "description",
            "persons",
            "found_on",
            "created_by",
            "created_by_name",
            "created_at",
            "evidence",
        ]

    def to_representation(self, finding) -> dict:
        """The declared fields, built directly (see `represent_findings`)."""
        return represent_findings([finding])[0]


class _FindingPageSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        return represent_findings(list(data))


FindingOutputSerializer.Meta.list_serializer_class = _FindingPageSerializer

_FINDING_LABELS = ChoiceLabels(
    Finding.Source.choices, Severity.choices, BusinessArea.Code.choices, Evidence.Kind.choices
)

# A page of findings is one query: the columns the API shows, the names of what they point to as scalar
# subqueries, and the persons and the evidence as JSON lists (bench B4b). Model instances, joins (the
# planner's search over five of them cost more than the page) and one query per relation cost several
# times that.
FINDING_COLUMNS = (
    "id",
    "unit_id",
    "unit_name",
    "inspection_id",
    "source",
    "category_id",
    "category_name",
    "business_area_id",
    "business_area_code",
    "severity",
    "description",
    "found_on",
    "created_by_id",
    "creator_username",
    "creator_person_name",
    "created_at",
    "person_list",
    "evidence_list",
)


def _column_of(model, column: str, key: str, *, by: str = "pk") -> Subquery:
    """`column` of the `model` row whose `by` is the outer row's `key`."""
    return Subquery(model.objects.filter(**{by: OuterRef(key)}).order_by().values(column)[:1])


# Built and compiled once: each query would resolve and compile its own copy of an expression.
_FINDING_ANNOTATIONS = {
    name: CompiledOnce(Finding, expression)
    for name, expression in {
        "unit_name": _column_of(Unit, "name", "unit_id"),
        "category_name": _column_of(FindingCategory, "name", "category_id"),
        "business_area_code": _column_of(BusinessArea, "code", "business_area_id"),
        "creator_username": _column_of(User, "username", "created_by_id"),
        "creator_person_name": _column_of(Person, "name", "created_by_id", by="user_id"),
        "person_list": JSONList(
            Finding.persons.through.objects.filter(finding_id=OuterRef("pk")),
            group="finding_id",
            fields={"id": "person_id", "name": "person__name"},
            order_by=(*(f"person__{field}" for field in Person._meta.ordering), "person_id"),
        ),
        "evidence_list": JSONList(
            Evidence.objects.filter(finding_id=OuterRef("pk")),
            group="finding_id",
            fields={
                "id": "id",
                "name": "original_name",
                "kind": "kind",
                "size": "size",
                "sha256": "sha256",
                "uploaded_by": "uploaded_by_id",
                "uploaded_by_username": "uploaded_by__username",
                "uploaded_by_person_name": "uploaded_by__person__name",
                "uploaded_at": "uploaded_at",
                "locked_at": "locked_at",
            },
            order_by=tuple(Evidence._meta.ordering),
        ),
    }.items()
}


def finding_rows(findings: QuerySet[Finding]) -> QuerySet[dict]:
    """`findings` as rows of FINDING_COLUMNS: what `represent_findings` shows, read in one query."""
    return (
        findings.select_related(None).prefetch_related(None).annotate(**_FINDING_ANNOTATIONS).values(*FINDING_COLUMNS)
    )


def represent_findings(findings: list) -> list[dict]:
    """Findings (rows of `finding_rows`, or instances, read again as rows in one query) as the API shows
    them. The output is the generic serializer's exactly (supervision/tests/test_api_speed.py compares
    the two)."""
    if findings and not isinstance(findings[0], dict):
        by_id = {row["id"]: row for row in finding_rows(Finding.objects.filter(pk__in=[f.pk for f in findings]))}
        findings = [by_id[finding.pk] for finding in findings]
    sources, severities, areas, kinds = _FINDING_LABELS()
    moment = moment_formatter()

    def evidence(item: dict) -> dict:
        locked_at = json_moment(item["locked_at"])
        return {
            "id": item["id"],
            "name": item["name"],
            "kind": item["kind"],
            "kind_display": kinds.get(item["kind"], item["kind"]),
            "size": item["size"],
            "sha256": item["sha256"],
            "uploaded_by": item["uploaded_by"],
            "uploaded_by_name": _name(item["uploaded_by_person_name"], item["uploaded_by_username"]),
            "uploaded_at": moment(json_moment(item["uploaded_at"])),
            "locked": locked_at is not None,
            "locked_at": moment(locked_at),
            "download_url": evidence_download_url(item["id"]),
        }

    return [
        {
            "id": row["id"],
            "unit": row["unit_id"],
            "unit_name": row["unit_name"],
            "inspection": row["inspection_id"],
            "source": row["source"],
            "source_display": sources.get(row["source"], row["source"]),
            "category": row["category_id"],
            "category_name": row["category_name"],
            "business_area": row["business_area_id"],
            "business_area_name": areas.get(row["business_area_code"], row["business_area_code"]),
            "severity": row["severity"],
            "severity_display": severities.get(row["severity"], row["severity"]),
            "description": row["description"],
            "persons": row["person_list"],
            "found_on": row["found_on"].isoformat(),
            "created_by": row["created_by_id"],
            "created_by_name": _name(row["creator_person_name"], row["creator_username"]),
            "created_at": moment(row["created_at"]),
            "evidence": [evidence(item) for item in row["evidence_list"]],
        }
        for row in findings
    ]


class FindingCreateInputSerializer(serializers.Serializer):
    """JSON, or multipart when files come along (`files` repeated, `persons` repeated)."""

    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all(), scope=visible_units)
    category = serializers.PrimaryKeyRelatedField(queryset=category_choices())
    severity = serializers.ChoiceField(choices=Severity.choices)
    description = serializers.CharField(max_length=LONG_TEXT)
    found_on = serializers.DateField()
    source = serializers.ChoiceField(choices=Finding.Source.choices, default=Finding.Source.INSPECTION)
    business_area = serializers.PrimaryKeyRelatedField(
        queryset=BusinessArea.objects.all(), required=False, allow_null=True, default=None
    )
    inspection = ScopedPrimaryKeyRelatedField(
        queryset=Inspection.objects.all(),
        scope=inspection_visible_to,
        required=False,
        allow_null=True,
        default=None,
    )
    persons = ScopedPrimaryKeyRelatedField(
        queryset=Person.objects.all(), scope=person_visible_to, many=True, required=False, default=list
    )
    files = serializers.ListField(child=serializers.FileField(max_length=255), required=False, default=list)


class ClueTransferInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=LONG_TEXT)


# --- clues ---------------------------------------------------------------------------------------------


class ClueOutputSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="finding.unit_id", read_only=True)
    unit_name = serializers.CharField(source="finding.unit.name", read_only=True)
    finding_description = serializers.CharField(source="finding.description", read_only=True)
    finding_severity = serializers.CharField(source="finding.severity", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    transferred_by_name = UserNameField(source="transferred_by")
    disposed_by_name = UserNameField(source="disposed_by")

    class Meta:
        model = ClueTransfer
        fields = [
            "id",
            "finding",
            "unit",
            "unit_name",
            "finding_description",
            "finding_severity",
            "reason",
            "status",
            "status_display",
            "transferred_by",
            "transferred_by_name",
            "transferred_at",
            "disposal",
            "disposed_by",
            "disposed_by_name",
            "disposed_at",
        ]


class ClueDisposeInputSerializer(serializers.Serializer):
    disposal = serializers.CharField(max_length=LONG_TEXT)
