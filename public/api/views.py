"""The public-summary and public-feedback API. Reads start from the scoped selectors (outside the
scope is 404); each write is one endpoint with an input serializer and exactly one service call."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.filters import UnitChoiceFilter
from accounts.selectors import user_has_role
from core.api.filters import IdFilter
from core.errors import NotPermitted
from public.api.serializers import (
    FeedbackDismissInputSerializer,
    FeedbackToFindingInputSerializer,
    PublicFeedbackOutputSerializer,
    PublicSummaryOutputSerializer,
    PublicSummaryPublishInputSerializer,
    PublicSummaryUnpublishInputSerializer,
)
from public.models import PublicFeedback, PublicSummary
from public.selectors import FEEDBACK_ROLES, feedback_visible_to, summary_visible_to
from public.services import (
    feedback_dismiss,
    feedback_to_finding,
    summary_publish,
    summary_refresh,
    summary_unpublish,
)
from supervision.api.serializers import FindingOutputSerializer
from supervision.selectors import finding_visible_to


class PublicSummaryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PublicSummary.Status.choices, label=_("Status"))
    progress = django_filters.ChoiceFilter(choices=PublicSummary.Progress.choices, label=_("Progress"))
    unit = UnitChoiceFilter(label=_("Unit"))
    notice = IdFilter(field_name="notice_id", label=_("Notice"))

    class Meta:
        model = PublicSummary
        fields = ["status", "progress", "unit", "notice"]


class PublicFeedbackFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PublicFeedback.Status.choices, label=_("Status"))
    unit = UnitChoiceFilter(label=_("Unit"))
    summary = IdFilter(field_name="summary_id", label=_("Public summary"))

    class Meta:
        model = PublicFeedback
        fields = ["status", "unit", "summary"]


class PublicSummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Public summaries of the notices the caller sees (published and unpublished)."""

    serializer_class = PublicSummaryOutputSerializer
    filterset_class = PublicSummaryFilter
    search_fields = ["title", "problems", "measures", "unit__name"]
    ordering_fields = ["published_at", "unpublished_at", "progress_as_of", "id"]
    ordering = ["-published_at", "-id"]

    def get_queryset(self):
        return summary_visible_to(self.request.user).select_related("notice")

    def _output(self, summary, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(PublicSummaryOutputSerializer(self.get_queryset().get(pk=summary.pk)).data, status=status_code)

    @extend_schema(request=PublicSummaryPublishInputSerializer, responses={201: PublicSummaryOutputSerializer})
    @action(detail=False, methods=["post"])
    def publish(self, request):
        """Publish a summary of a notice's or a quarterly risk list's progress (supervisors). The
        text may name no person and carry no badge number; the progress is derived from the items."""
        serializer = PublicSummaryPublishInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        summary = summary_publish(actor=request.user, **serializer.validated_data)
        return self._output(summary, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=PublicSummaryUnpublishInputSerializer, responses=PublicSummaryOutputSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        """Take the summary off the public page at once (its public page is 404 from then on)."""
        summary = self.get_object()
        serializer = PublicSummaryUnpublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._output(summary_unpublish(actor=request.user, summary=summary, **serializer.validated_data))

    @extend_schema(request=None, responses=PublicSummaryOutputSerializer)
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        """Bring the published progress up to date with the notice's items."""
        return self._output(summary_refresh(actor=request.user, summary=self.get_object()))


class PublicFeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Comments from the public on published summaries (supervision, discipline inspection, the
    committee and administrators, for the units in their scope)."""

    serializer_class = PublicFeedbackOutputSerializer
    filterset_class = PublicFeedbackFilter
    search_fields = ["text", "unit__name", "summary__title"]
    ordering_fields = ["submitted_at", "handled_at", "id"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        return feedback_visible_to(self.request.user)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not user_has_role(request.user, *FEEDBACK_ROLES):
            raise NotPermitted(_("Public feedback is for supervision and oversight roles only."))

    def _output(self, feedback) -> Response:
        return Response(PublicFeedbackOutputSerializer(self.get_queryset().get(pk=feedback.pk)).data)

    @extend_schema(request=FeedbackToFindingInputSerializer, responses={201: FindingOutputSerializer})
    @action(detail=True, methods=["post"], url_path="to-finding")
    def to_finding(self, request, pk=None):
        """Turn new feedback into a finding (source "public feedback") of its unit (supervisors)."""
        feedback = self.get_object()
        serializer = FeedbackToFindingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        finding = feedback_to_finding(actor=request.user, feedback=feedback, **serializer.validated_data)
        output = FindingOutputSerializer(finding_visible_to(request.user).get(pk=finding.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FeedbackDismissInputSerializer, responses=PublicFeedbackOutputSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismiss new feedback, with a reason (supervisors)."""
        feedback = self.get_object()
        serializer = FeedbackDismissInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._output(feedback_dismiss(actor=request.user, feedback=feedback, **serializer.validated_data))
