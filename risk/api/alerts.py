"""The risk API, part two: supervision models, monthly assessments, risk scores, alerts with dual
verification, and the quarterly risk-alert lists.

Reads start from the scoped selectors of risk.selectors (outside the scope is 404). Each write is one
endpoint with an input serializer, exactly one service call and an output serializer; domain errors
become 400 / 403 / 409 in core.api.exceptions.
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api.filters import UnitChoiceFilter, WithinUnitFilter
from accounts.models import Role
from accounts.selectors import user_has_role
from core.api.filters import IdFilter, MonthFilter, StrictBooleanFilter
from rectification.models import RectificationItem, RectificationNotice
from risk.alerts import alert_to_finding, alert_verify
from risk.lists import QUARTER_PATTERN
from risk.models import (
    AREA_CHOICES,
    Alert,
    AlertVerification,
    Assessment,
    ModelHit,
    RiskList,
    RiskModel,
    RiskScore,
    SubjectKind,
)
from risk.selectors import (
    ALERT_VERIFIER_ROLES,
    alert_finding_ids,
    alert_visible_to,
    alerts_awaiting_verification,
    alerts_in_area,
    assessment_visible_to,
    risk_list_visible_to,
    risk_model_precision,
    risk_model_visible_to,
    risk_score_visible_to,
)
from risk.services import month_bounds
from supervision.api.serializers import LONG_TEXT, FindingOutputSerializer, UserNameField
from supervision.selectors import finding_visible_to

BUSINESS_RECORDS_URL = "/api/v1/business-records/"


# --- supervision models --------------------------------------------------------------------------------


class PrecisionSerializer(serializers.Serializer):
    """How a model's person hits fared in dual verification (administrators only)."""

    hits = serializers.IntegerField()
    hits_in_confirmed_alerts = serializers.IntegerField()
    hits_in_dismissed_alerts = serializers.IntegerField()
    hits_in_pending_alerts = serializers.IntegerField()
    precision = serializers.FloatField(
        allow_null=True, help_text="confirmed / (confirmed + dismissed); null before any decision."
    )


class RiskModelOutputSerializer(serializers.ModelSerializer):
    area_display = serializers.CharField(source="get_area_display", read_only=True)
    subject_kind_display = serializers.CharField(source="get_subject_kind_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parameters = serializers.DictField(read_only=True)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True)
    precision = serializers.SerializerMethodField(help_text="Administrators only; null for everyone else.")

    class Meta:
        model = RiskModel
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "area",
            "area_display",
            "description",
            "subject_kind",
            "subject_kind_display",
            "kind",
            "kind_display",
            "parameters",
            "weight",
            "is_active",
            "precision",
        ]

    @extend_schema_field(PrecisionSerializer(allow_null=True))
    def get_precision(self, model):
        figures = self.context.get("precision")
        if figures is None:
            return None
        return figures.get(
            model.pk,
            {
                "hits": 0,
                "hits_in_confirmed_alerts": 0,
                "hits_in_dismissed_alerts": 0,
                "hits_in_pending_alerts": 0,
                "precision": None,
            },
        )


class RiskModelFilter(django_filters.FilterSet):
    area = django_filters.ChoiceFilter(choices=AREA_CHOICES, label=gettext_lazy("Business area"))
    kind = django_filters.ChoiceFilter(choices=RiskModel.Kind.choices, label=gettext_lazy("Kind"))
    subject_kind = django_filters.ChoiceFilter(choices=SubjectKind.choices, label=gettext_lazy("Subject"))
    is_active = StrictBooleanFilter(label=gettext_lazy("Active"))

    class Meta:
        model = RiskModel
        fields = ["area", "kind", "subject_kind", "is_active"]


class RiskModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The supervision models (监管模型), for supervisors, discipline inspectors, the committee and
    administrators; administrators also see each model's precision in dual verification."""

    serializer_class = RiskModelOutputSerializer
    filterset_class = RiskModelFilter
    search_fields = ["code", "name_zh", "name_en", "description"]
    ordering_fields = ["code", "area", "weight", "id"]
    ordering = ["area", "code"]

    def get_queryset(self):
        return risk_model_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        if user_has_role(self.request.user, Role.ADMIN):
            context["precision"] = risk_model_precision()
        return context


# --- assessments and scores ----------------------------------------------------------------------------


class AssessmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = ["id", "month", "started_at", "finished_at", "runs", "hit_count", "alert_count"]


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The monthly comprehensive assessments (每月综合研判)."""

    serializer_class = AssessmentOutputSerializer
    filterset_fields = ["month"]
    ordering_fields = ["month", "id"]
    ordering = ["-month"]

    def get_queryset(self):
        return assessment_visible_to(self.request.user)


class RiskScoreOutputSerializer(serializers.ModelSerializer):
    month = serializers.DateField(source="assessment.month", read_only=True)
    subject_kind_display = serializers.CharField(source="get_subject_kind_display", read_only=True)
    subject_name = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    index = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, read_only=True)
    contributions = serializers.DictField(child=serializers.CharField(), read_only=True)
    top_factors = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = RiskScore
        fields = [
            "id",
            "assessment",
            "month",
            "subject_kind",
            "subject_kind_display",
            "subject_id",
            "subject_name",
            "person",
            "post",
            "unit",
            "unit_name",
            "index",
            "contributions",
            "top_factors",
        ]

    def get_subject_name(self, score) -> str:
        if score.subject_kind == SubjectKind.PERSON and score.person is not None:
            return score.person.name
        if score.subject_kind == SubjectKind.POST and score.post is not None:
            return score.post.name
        return score.unit.name


class RiskScoreFilter(django_filters.FilterSet):
    assessment = IdFilter(field_name="assessment_id", label=gettext_lazy("Assessment"))
    subject_kind = django_filters.ChoiceFilter(
        choices=[
            (SubjectKind.PERSON, SubjectKind.PERSON.label),
            (SubjectKind.POST, SubjectKind.POST.label),
            (SubjectKind.UNIT, SubjectKind.UNIT.label),
        ],
        label=gettext_lazy("Subject"),
    )
    unit = UnitChoiceFilter(label=gettext_lazy("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    min_index = django_filters.NumberFilter(field_name="index", lookup_expr="gte", label=gettext_lazy("Minimum index"))

    class Meta:
        model = RiskScore
        fields = ["assessment", "subject_kind", "unit", "within", "min_index"]


class RiskScoreViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Risk indices (0-100) of persons, posts and units per monthly assessment, with their factors."""

    serializer_class = RiskScoreOutputSerializer
    filterset_class = RiskScoreFilter
    ordering_fields = ["index", "id"]
    ordering = ["-index", "id"]

    def get_queryset(self):
        return risk_score_visible_to(self.request.user)


# --- alerts --------------------------------------------------------------------------------------------


class AlertFactorSerializer(serializers.Serializer):
    """One contributing model, explained: what it looks for, how often it fired, what it added to the
    index, and where its source records are."""

    model = serializers.CharField(help_text="The supervision model's code.")
    name = serializers.CharField()
    name_en = serializers.CharField()
    area = serializers.CharField()
    description = serializers.CharField()
    count = serializers.IntegerField()
    contribution = serializers.FloatField()
    record_ids = serializers.ListField(child=serializers.IntegerField(), help_text="Sample source records.")
    records_url = serializers.CharField(help_text="The source records in the business-record API.")


class AlertVerificationOutputSerializer(serializers.ModelSerializer):
    verifier_name = UserNameField(source="verifier")
    role_display = serializers.SerializerMethodField()
    factor_opinions = serializers.DictField(child=serializers.BooleanField(), read_only=True)

    class Meta:
        model = AlertVerification
        fields = [
            "id",
            "verifier",
            "verifier_name",
            "role",
            "role_display",
            "agree",
            "factor_opinions",
            "comment",
            "verified_at",
        ]

    def get_role_display(self, verification) -> str:
        return str(dict(Role.choices).get(verification.role, verification.role))


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    badge_number = serializers.CharField(read_only=True)


class AlertOutputSerializer(serializers.ModelSerializer):
    month = serializers.DateField(source="assessment.month", read_only=True)
    person = PersonRefSerializer(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    index = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, read_only=True)
    factors = serializers.SerializerMethodField()
    verifications = AlertVerificationOutputSerializer(many=True, read_only=True)
    awaiting_roles = serializers.SerializerMethodField(
        help_text="The verifier roles still missing while the alert is pending."
    )
    finding = serializers.SerializerMethodField(help_text="The finding the alert became, if any.")

    class Meta:
        model = Alert
        fields = [
            "id",
            "assessment",
            "month",
            "person",
            "unit",
            "unit_name",
            "grade",
            "grade_display",
            "index",
            "status",
            "status_display",
            "dismissal_reason",
            "factors",
            "verifications",
            "awaiting_roles",
            "finding",
            "created_at",
            "decided_at",
        ]

    @extend_schema_field(AlertFactorSerializer(many=True))
    def get_factors(self, alert):
        models = self.context.get("models", {})
        samples = self.context.get("samples", {})
        start, end = month_bounds(alert.assessment.month)
        explained = []
        for factor in alert.factors:
            model = models.get(factor["model"])
            record_ids = samples.get((alert.pk, factor["model"]), [])
            query = f"operator_badge={alert.person.badge_number}&accepted_from={start.date()}&accepted_to={end.date()}"
            if model is not None:
                query += f"&area={model.area}"
            explained.append(
                {
                    "model": factor["model"],
                    "name": model.name_zh if model else factor.get("name", ""),
                    "name_en": model.name_en if model else "",
                    "area": model.area if model else "",
                    "description": model.description if model else "",
                    "count": factor.get("count") or 0,
                    "contribution": factor.get("contribution") or 0,
                    "record_ids": record_ids,
                    "records_url": f"{BUSINESS_RECORDS_URL}?{query}",
                }
            )
        return explained

    def get_awaiting_roles(self, alert) -> list[str]:
        if alert.status != Alert.Status.PENDING:
            return []
        taken = {v.role for v in alert.verifications.all()}
        return [role for role in ALERT_VERIFIER_ROLES if role not in taken]

    def get_finding(self, alert) -> int | None:
        return self.context.get("findings", {}).get(alert.pk)


def alert_explanations(alerts: list[Alert]) -> dict:
    """Serializer context for a page of alerts: their models, the sample records of their hits and
    the findings they became. Three queries, whatever the page size."""
    if not alerts:
        return {}
    codes = {factor["model"] for alert in alerts for factor in alert.factors}
    models = {m.code: m for m in RiskModel.objects.filter(code__in=codes)}
    by_key = {(alert.assessment_id, alert.person_id): alert.pk for alert in alerts}
    hits = ModelHit.objects.filter(
        assessment_id__in={a.assessment_id for a in alerts}, person_id__in={a.person_id for a in alerts}
    ).values_list("assessment_id", "person_id", "model__code", "sample_record_ids")
    samples: dict[tuple[int, str], list[int]] = {}
    for assessment_id, person_id, code, record_ids in hits:
        alert_id = by_key.get((assessment_id, person_id))
        if alert_id is not None:
            samples.setdefault((alert_id, code), []).extend(record_ids or [])
    samples = {key: sorted(set(ids)) for key, ids in samples.items()}
    return {"models": models, "samples": samples, "findings": alert_finding_ids([a.pk for a in alerts])}


class AlertFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Alert.Status.choices, label=gettext_lazy("Status"))
    grade = django_filters.ChoiceFilter(choices=Alert.Grade.choices, label=gettext_lazy("Grade"))
    assessment = IdFilter(field_name="assessment_id", label=gettext_lazy("Assessment"))
    month_from = MonthFilter(field_name="assessment__month", lookup_expr="gte", label=gettext_lazy("From month"))
    month_to = MonthFilter(field_name="assessment__month", lookup_expr="lte", label=gettext_lazy("Until month"))
    unit = UnitChoiceFilter(label=gettext_lazy("Unit"))
    within = WithinUnitFilter(path_field="unit__path")
    person = IdFilter(field_name="person_id", label=gettext_lazy("Person"))
    awaiting_me = StrictBooleanFilter(method="filter_awaiting_me", label=gettext_lazy("Awaiting my verification"))
    area = django_filters.ChoiceFilter(
        choices=AREA_CHOICES, method="filter_area", label=gettext_lazy("Business area of a model hit")
    )

    class Meta:
        model = Alert
        fields = [
            "status",
            "grade",
            "assessment",
            "month_from",
            "month_to",
            "unit",
            "within",
            "person",
            "awaiting_me",
            "area",
        ]

    def filter_area(self, queryset, name, value):
        return alerts_in_area(queryset, value)

    def filter_awaiting_me(self, queryset, name, value):
        awaiting = alerts_awaiting_verification(self.request.user).values("pk")
        return queryset.filter(pk__in=awaiting) if value else queryset.exclude(pk__in=awaiting)


class AlertVerifyInputSerializer(serializers.Serializer):
    agree = serializers.BooleanField()
    comment = serializers.CharField(max_length=LONG_TEXT, allow_blank=True, trim_whitespace=True)
    factor_opinions = serializers.DictField(
        child=serializers.BooleanField(), help_text="Agree (true) or disagree (false) per factor model code."
    )


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Risk alerts (预警) explained factor by factor, with their dual verification (双核双报)."""

    serializer_class = AlertOutputSerializer
    filterset_class = AlertFilter
    search_fields = ["person__name", "person__badge_number", "unit__name"]
    ordering_fields = ["created_at", "decided_at", "index", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return alert_visible_to(self.request.user).prefetch_related(
            Prefetch(
                "verifications",
                queryset=AlertVerification.objects.select_related("verifier__person").order_by("verified_at", "id"),
            )
        )

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            alerts = list(instance) if isinstance(instance, list | tuple) else [instance]
            kwargs.setdefault("context", self.get_serializer_context()).update(alert_explanations(alerts))
        return super().get_serializer(*args, **kwargs)

    def _output(self, alert) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(request=AlertVerifyInputSerializer, responses=AlertOutputSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Verify a pending alert, as a supervisor or as a discipline inspector: agree or disagree
        for the alert and for every factor, with a comment. A disagreement dismisses it; the second
        agreement, of the other role, confirms it and reports it to the committee and discipline
        inspection."""
        alert = self.get_object()
        serializer = AlertVerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert_verify(actor=request.user, alert=alert, **serializer.validated_data)
        return self._output(alert)

    @extend_schema(request=None, responses={201: FindingOutputSerializer})
    @action(detail=True, methods=["post"], url_path="to-finding")
    def to_finding(self, request, pk=None):
        """Turn a confirmed alert into a finding (source: risk alert) for rectification; once per alert
        (supervisors)."""
        finding = alert_to_finding(actor=request.user, alert=self.get_object())
        output = finding_visible_to(request.user).prefetch_related("persons", "evidence").get(pk=finding.pk)
        return Response(FindingOutputSerializer(output).data, status=status.HTTP_201_CREATED)


# --- quarterly lists -----------------------------------------------------------------------------------


class RiskListEntrySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["alert", "grave_finding", "high_risk_post"])
    title = serializers.CharField()
    detail = serializers.CharField()
    severity = serializers.CharField()
    business_area = serializers.CharField()
    finding = serializers.IntegerField(help_text="The finding of the notice that stands for this entry.")
    alert = serializers.IntegerField(required=False, help_text="kind alert: the confirmed alert.")
    source_finding = serializers.IntegerField(required=False, help_text="kind grave_finding: the grave finding.")
    grade = serializers.CharField(required=False, help_text="kind alert: its grade.")
    index = serializers.CharField(required=False, help_text="kind alert: its risk index.")
    post = serializers.IntegerField(required=False, help_text="kind high_risk_post: the post.")
    persons = serializers.IntegerField(required=False, help_text="kind high_risk_post: holders with hits.")
    hits = serializers.IntegerField(required=False, help_text="kind high_risk_post: their model hits.")
    status = serializers.ChoiceField(
        choices=["awaiting_item", "rectifying", "closed"],
        help_text="awaiting_item until the unit creates an item for the entry's finding; closed when its items are.",
    )


class RiskListOutputSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    notice_document_number = serializers.CharField(source="notice.document_number", read_only=True)
    notice_title = serializers.CharField(source="notice.title", read_only=True)
    notice_status = serializers.CharField(source="notice.status", read_only=True)
    notice_status_display = serializers.CharField(source="notice.get_status_display", read_only=True)
    notice_deadline = serializers.DateField(source="notice.deadline", read_only=True)
    entries = serializers.SerializerMethodField()
    entry_count = serializers.SerializerMethodField()
    closed_entry_count = serializers.SerializerMethodField()
    is_closed_out = serializers.SerializerMethodField(help_text="销号: every entry is closed out.")

    class Meta:
        model = RiskList
        fields = [
            "id",
            "quarter",
            "unit",
            "unit_name",
            "notice",
            "notice_document_number",
            "notice_title",
            "notice_status",
            "notice_status_display",
            "notice_deadline",
            "entry_count",
            "closed_entry_count",
            "is_closed_out",
            "entries",
            "created_at",
        ]

    @extend_schema_field(RiskListEntrySerializer(many=True))
    def get_entries(self, risk_list):
        statuses: dict[int, list[str]] = {}
        for item in risk_list.notice.items.all():
            statuses.setdefault(item.finding_id, []).append(item.status)
        entries = []
        for entry in risk_list.entries:
            items = statuses.get(entry.get("finding"), [])
            if not items:
                state = "awaiting_item"
            elif all(s == RectificationItem.Status.CLOSED for s in items):
                state = "closed"
            else:
                state = "rectifying"
            entries.append({**entry, "status": state})
        return entries

    def get_entry_count(self, risk_list) -> int:
        return len(risk_list.entries)

    def get_closed_entry_count(self, risk_list) -> int:
        return sum(entry["status"] == "closed" for entry in self.get_entries(risk_list))

    def get_is_closed_out(self, risk_list) -> bool:
        return bool(risk_list.entries) and self.get_closed_entry_count(risk_list) == len(risk_list.entries)


class RiskListFilter(django_filters.FilterSet):
    quarter = django_filters.CharFilter(method="filter_quarter", label=gettext_lazy("Quarter (2026Q3)"))
    unit = UnitChoiceFilter(label=gettext_lazy("Unit"))
    notice_status = django_filters.ChoiceFilter(
        field_name="notice__status", choices=RectificationNotice.Status.choices, label=gettext_lazy("Notice status")
    )

    class Meta:
        model = RiskList
        fields = ["quarter", "unit", "notice_status"]

    def filter_quarter(self, queryset, name, value):
        if not QUARTER_PATTERN.match(value):
            raise serializers.ValidationError({"quarter": [gettext_lazy("Write the quarter like 2026Q3.")]})
        return queryset.filter(quarter=value)


class RiskListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The quarterly risk-alert lists (廉政预警风险提醒清单), each issued as a rectification notice."""

    serializer_class = RiskListOutputSerializer
    filterset_class = RiskListFilter
    search_fields = ["unit__name", "notice__title"]
    ordering_fields = ["quarter", "created_at", "id"]
    ordering = ["-quarter", "unit__path"]

    def get_queryset(self):
        return risk_list_visible_to(self.request.user).prefetch_related(
            Prefetch(
                "notice__items", queryset=RectificationItem.objects.only("id", "notice_id", "finding_id", "status")
            )
        )


router = SimpleRouter()
router.register("risk-models", RiskModelViewSet, basename="risk-model")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("risk-scores", RiskScoreViewSet, basename="risk-score")
router.register("alerts", AlertViewSet, basename="alert")
router.register("risk-lists", RiskListViewSet, basename="risk-list")
urlpatterns = router.urls
