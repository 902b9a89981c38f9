"""The cases API: integrity cases with their transitions, liability records with objections, the
joint-liability rules (read-only here; administrators edit them in the admin), and a person's
eligibility on a date.

Reads start from the scoped selectors of cases.selectors (outside the scope is 404). Each write is one
endpoint with an input serializer, exactly one service call and the object's output; domain errors
become 400 / 403 / 409 in core.api.exceptions.
"""

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import access_person
from cases.api.serializers import (
    CaseConcludeInputSerializer,
    CaseOpenInputSerializer,
    CaseOutputSerializer,
    CaseUpdateInputSerializer,
    EligibilityOutputSerializer,
    LiabilityOutputSerializer,
    LiabilityRuleOutputSerializer,
    ObjectionDecisionInputSerializer,
    ObjectionInputSerializer,
)
from cases.eligibility import person_eligibility
from cases.filters import CaseFilter, LiabilityFilter
from cases.models import CasePerson, LiabilityRule, Objection
from cases.selectors import case_visible_to, liability_rule_visible_to, liability_visible_to
from cases.services import (
    PersonConclusion,
    case_close,
    case_conclude,
    case_open,
    case_start_investigation,
    case_update,
    liability_object,
    objection_decide,
)
from core.api.filters import StrictBooleanFilter
from core.errors import TransitionNotAllowed


def case_queryset(user):
    return (
        case_visible_to(user)
        .select_related(
            "opened_by__person",
            "investigation_started_by__person",
            "concluded_by__person",
            "closed_by__person",
        )
        .prefetch_related(
            Prefetch("persons", queryset=CasePerson.objects.select_related("person__unit").order_by("pk"))
        )
    )


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Integrity cases (廉政问题/违纪案件) of the caller's units. Discipline inspectors, the committee and
    administrators read them in full; unit leaders and party secretaries see only that a case exists
    (number, unit, status, severity, dates: `facts_visible` is false and the rest is null). Discipline
    inspectors open, edit, investigate, conclude and close them."""

    serializer_class = CaseOutputSerializer
    filterset_class = CaseFilter
    search_fields = ["number", "unit__name"]
    ordering_fields = ["opened_at", "misconduct_date", "concluded_at", "closed_at", "status", "severity", "id"]
    ordering = ["-opened_at", "-id"]

    def get_queryset(self):
        return case_queryset(self.request.user)

    def _output(self, case, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data, status=status_code)

    @extend_schema(request=CaseOpenInputSerializer, responses={201: CaseOutputSerializer})
    def create(self, request):
        """Open a case, from a transferred clue or directly (discipline inspectors). It gets the next
        number of the year, e.g. 廉案〔2026〕3号."""
        serializer = CaseOpenInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case = case_open(actor=request.user, **serializer.validated_data)
        return self._output(case, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=CaseUpdateInputSerializer, responses=CaseOutputSerializer)
    def partial_update(self, request, pk=None):
        """Edit the title, category, severity, date of the misconduct, facts or persons concerned
        while the case is open or investigating (discipline inspectors); only the fields sent change."""
        case = self.get_object()
        serializer = CaseUpdateInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case_update(actor=request.user, case=case, **serializer.validated_data)
        return self._output(case)

    @extend_schema(request=None, responses=CaseOutputSerializer)
    @action(detail=True, methods=["post"], url_path="start-investigation")
    def start_investigation(self, request, pk=None):
        """open -> investigating (discipline inspectors)."""
        case = case_start_investigation(actor=request.user, case=self.get_object())
        return self._output(case)

    @extend_schema(request=CaseConcludeInputSerializer, responses=CaseOutputSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """investigating -> concluded, with the responsibility and the accountability action of EACH person
        concerned. With a confirmed integrity problem, the liability records of the rule of the case's
        severity are created at once (no active rule: 400, nothing written)."""
        case = self.get_object()
        serializer = CaseConcludeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case_conclude(
            actor=request.user,
            case=case,
            integrity_problem_confirmed=data["integrity_problem_confirmed"],
            conclusion=data["conclusion"],
            persons=[
                PersonConclusion(
                    person_id=row["person"],
                    responsibility=row["responsibility"],
                    action=row["action"],
                    note=row["action_note"],
                )
                for row in data["persons"]
            ],
        )
        return self._output(case)

    @extend_schema(request=None, responses=CaseOutputSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """concluded -> closed (discipline inspectors)."""
        case = case_close(actor=request.user, case=self.get_object())
        return self._output(case)


class LiabilityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Liability records (责任追究记录): who is disqualified from promotion and awards, from when to when,
    and why. Oversight roles see those of their units, unit leaders those of their units, every person
    their own. `?in_force_on=YYYY-MM-DD` lists the records that disqualify on a date."""

    serializer_class = LiabilityOutputSerializer
    filterset_class = LiabilityFilter
    search_fields = ["person__name", "person__badge_number", "case__number"]
    ordering_fields = ["start_date", "end_date", "created_at", "level", "status", "id"]
    ordering = ["-start_date", "id"]

    def get_queryset(self):
        return (
            liability_visible_to(self.request.user)
            .select_related("position__unit")
            .prefetch_related(
                Prefetch(
                    "objections",
                    queryset=Objection.objects.select_related("submitted_by__person", "decided_by__person").order_by(
                        "-submitted_at", "-pk"
                    ),
                )
            )
        )

    def _output(self, liability) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=liability.pk)).data)

    @extend_schema(request=ObjectionInputSerializer, responses=LiabilityOutputSerializer)
    @action(detail=True, methods=["post"])
    def objection(self, request, pk=None):
        """Object to the record (the person concerned, or a discipline inspector recording it for them).
        One pending objection at a time: another is 409."""
        liability = self.get_object()
        serializer = ObjectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        liability_object(actor=request.user, liability=liability, reason=serializer.validated_data["reason"])
        return self._output(liability)

    @extend_schema(request=ObjectionDecisionInputSerializer, responses=LiabilityOutputSerializer)
    @action(detail=True, methods=["post"], url_path="objection-decision")
    def objection_decision(self, request, pk=None):
        """Decide the pending objection (a discipline inspector who did not submit it): granted revokes
        the record from today, refused (comment required) puts it back in force. 409 when none is pending."""
        liability = self.get_object()
        serializer = ObjectionDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection = liability.objections.filter(decision=Objection.Decision.PENDING).first()
        if objection is None:
            raise TransitionNotAllowed(_("No objection to this record is pending."), current_status=liability.status)
        objection_decide(actor=request.user, objection=objection, **serializer.validated_data)
        return self._output(liability)


class LiabilityRuleFilter(django_filters.FilterSet):
    # true/false; anything else is a 400 naming the filter, not silently ignored.
    is_active = StrictBooleanFilter()

    class Meta:
        model = LiabilityRule
        fields = ["severity", "is_active"]


class LiabilityRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The joint-liability rules (责任连带规则), one per case severity: the consequence for the persons
    directly responsible and which chain levels are implicated, how. Read by every signed-in user;
    administrators edit them in the admin (audited)."""

    serializer_class = LiabilityRuleOutputSerializer
    filterset_class = LiabilityRuleFilter
    ordering_fields = ["severity", "id"]
    ordering = ["severity"]
    queryset = LiabilityRule.objects.none()

    def get_queryset(self):
        return liability_rule_visible_to(self.request.user)


class PersonEligibilityView(APIView):
    """Whether a person is eligible for promotion and awards (晋职晋级评优评先资格) on a date, with every
    liability record that says otherwise and its end date. A person outside the caller's scope is 404."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "date", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="YYYY-MM-DD; today when left out."
            )
        ],
        responses=EligibilityOutputSerializer,
    )
    def get(self, request, pk):
        person = access_person(request.user, pk)
        value = request.query_params.get("date", "").strip()
        if value:
            try:
                on_date = parse_date(value)
            except ValueError:
                on_date = None
            if on_date is None:
                raise ValidationError({"date": [_("Write the date as YYYY-MM-DD.")]})
        else:
            on_date = timezone.localdate()
        return Response(EligibilityOutputSerializer(person_eligibility(person, on_date)).data)
