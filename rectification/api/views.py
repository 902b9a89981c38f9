"""The rectification API: notices and their handovers, items, item requests and look-backs.

Reads start from the scoped selectors (outside the scope is 404) and filter with the FilterSets of
rectification.filters, shared with the pages and the exports. Each write is one endpoint with an
input serializer, exactly one service call and an output serializer.
"""

from urllib.parse import quote

import django_filters
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.filters import IdFilter, StrictBooleanFilter
from core.errors import TransitionNotAllowed
from rectification.api.serializers import (
    ExtensionRequestInputSerializer,
    HandoverAcknowledgeInputSerializer,
    HandoverOutputSerializer,
    ItemCreateInputSerializer,
    ItemOutputSerializer,
    ItemRequestDecideInputSerializer,
    ItemRequestOutputSerializer,
    ItemSubmitInputSerializer,
    ItemVerifyInputSerializer,
    LookBackOutputSerializer,
    LookBackRecordInputSerializer,
    NoticeCreateInputSerializer,
    NoticeOutputSerializer,
    ProgressInputSerializer,
    ProgressUpdateOutputSerializer,
    UnrectifiableRequestInputSerializer,
)
from rectification.documents import ledger_xlsx
from rectification.filters import ItemFilter, NoticeFilter
from rectification.models import Handover, ItemRequest, ItemReview, LookBack, ProgressUpdate
from rectification.selectors import (
    handover_visible_to,
    handovers_awaiting,
    item_request_visible_to,
    item_visible_to,
    look_back_visible_to,
    notice_item_counts,
    notice_visible_to,
)
from rectification.services import (
    handover_acknowledge,
    item_create,
    item_request_create,
    item_request_decide,
    item_submit,
    item_verify,
    look_back_record,
    notice_create,
    notice_issue,
    progress_add,
)
from supervision.models import Evidence

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEDGER_FILENAME = "整改台账.xlsx"
LEDGER_ASCII_FILENAME = "rectification-ledger.xlsx"


def _evidence_queryset():
    return Evidence.objects.select_related("uploaded_by__person")


def _progress_queryset():
    return ProgressUpdate.objects.select_related("author__person").prefetch_related(
        Prefetch("evidence", queryset=_evidence_queryset())
    )


def attachment_header(filename: str, ascii_fallback: str) -> str:
    """Content-Disposition for a download with a non-ASCII name (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"


# --- filters of the lists without a page of their own ------------------------------------------------


class HandoverFilter(django_filters.FilterSet):
    side = django_filters.ChoiceFilter(choices=Handover.Side.choices, label=gettext_lazy("Side"))
    status = django_filters.ChoiceFilter(choices=Handover.Status.choices, label=gettext_lazy("Status"))
    notice = IdFilter(field_name="notice_id", label=gettext_lazy("Notice"))
    awaiting_me = StrictBooleanFilter(method="filter_awaiting_me", label=gettext_lazy("Awaiting my acknowledgement"))

    class Meta:
        model = Handover
        fields = ["side", "status", "notice", "awaiting_me"]

    def filter_awaiting_me(self, queryset, name, value):
        awaiting = handovers_awaiting(self.request.user).values("pk")
        return queryset.filter(pk__in=awaiting) if value else queryset.exclude(pk__in=awaiting)


class ItemRequestFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ItemRequest.Kind.choices, label=gettext_lazy("Kind"))
    status = django_filters.ChoiceFilter(choices=ItemRequest.Status.choices, label=gettext_lazy("Status"))
    item = IdFilter(field_name="item_id", label=gettext_lazy("Item"))
    notice = IdFilter(field_name="item__notice_id", label=gettext_lazy("Notice"))

    class Meta:
        model = ItemRequest
        fields = ["kind", "status", "item", "notice"]


class LookBackFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LookBack.Status.choices, label=gettext_lazy("Status"))
    notice = IdFilter(field_name="notice_id", label=gettext_lazy("Notice"))
    scheduled_from = django_filters.DateFilter(
        field_name="scheduled_for", lookup_expr="gte", label=gettext_lazy("Scheduled from")
    )
    scheduled_to = django_filters.DateFilter(
        field_name="scheduled_for", lookup_expr="lte", label=gettext_lazy("Scheduled until")
    )
    assigned_to_me = StrictBooleanFilter(method="filter_assigned_to_me", label=gettext_lazy("Assigned to me"))

    class Meta:
        model = LookBack
        fields = ["status", "notice", "scheduled_from", "scheduled_to", "assigned_to_me"]

    def filter_assigned_to_me(self, queryset, name, value):
        mine = {"assigned_to_id": self.request.user.pk}
        return queryset.filter(**mine) if value else queryset.exclude(**mine)


# --- notices ------------------------------------------------------------------------------------------


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rectification notices of the caller's units, and those handed over to the caller's units."""

    serializer_class = NoticeOutputSerializer
    filterset_class = NoticeFilter
    search_fields = ["title", "requirements", "unit__name"]
    ordering_fields = ["created_at", "issued_at", "deadline", "status", "item_count", "overdue_count", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        notices = notice_visible_to(self.request.user).select_related("created_by__person", "issued_by__person")
        return notice_item_counts(notices).prefetch_related(
            "findings",
            Prefetch(
                "handovers",
                queryset=Handover.objects.select_related(
                    "recipient_unit", "party_organization", "acknowledged_by__person"
                ),
            ),
        )

    def _output(self, notice, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(NoticeOutputSerializer(self.get_queryset().get(pk=notice.pk)).data, status=status_code)

    @extend_schema(request=NoticeCreateInputSerializer, responses={201: NoticeOutputSerializer})
    def create(self, request):
        """Draft a notice for one unit's findings (supervisors)."""
        serializer = NoticeCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        notice = notice_create(actor=request.user, **serializer.validated_data)
        return self._output(notice, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=NoticeOutputSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue a draft: number it and hand it over to the party organisation and the lead department."""
        notice = notice_issue(actor=request.user, notice=self.get_object())
        return self._output(notice)

    @extend_schema(request=HandoverAcknowledgeInputSerializer, responses=NoticeOutputSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge one side of the handover, as that side's recipient."""
        notice = self.get_object()
        serializer = HandoverAcknowledgeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        handover = notice.handovers.filter(side=serializer.validated_data["side"]).first()
        if handover is None:
            raise TransitionNotAllowed(
                _("The notice has not been issued, so there is nothing to acknowledge."), current_status=notice.status
            )
        handover_acknowledge(actor=request.user, handover=handover, opinion=serializer.validated_data["opinion"])
        return self._output(notice)


class HandoverViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Both sides of the handovers of visible notices; `?awaiting_me=true` for the caller's to-do."""

    serializer_class = HandoverOutputSerializer
    filterset_class = HandoverFilter
    search_fields = ["notice__title", "notice__unit__name", "recipient_unit__name"]
    ordering_fields = ["id", "notice", "acknowledged_at"]
    ordering = ["-notice_id", "side"]

    def get_queryset(self):
        return handover_visible_to(self.request.user).select_related("acknowledged_by__person")


# --- items --------------------------------------------------------------------------------------------


class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rectification items with their progress, evidence and verifications."""

    serializer_class = ItemOutputSerializer
    filterset_class = ItemFilter
    search_fields = ["problem", "measures", "unit__name", "notice__title"]
    ordering_fields = ["deadline", "created_at", "status", "due_state", "submitted_at", "closed_at", "id"]
    ordering = ["deadline", "id"]

    def get_queryset(self):
        return (
            item_visible_to(self.request.user)
            .select_related("created_by__person", "submitted_by__person", "closed_by__person")
            .prefetch_related(
                Prefetch("progress_updates", queryset=_progress_queryset()),
                Prefetch("reviews", queryset=ItemReview.objects.select_related("reviewer__person")),
            )
        )

    def perform_content_negotiation(self, request, force=False):
        # The ledger answers a spreadsheet whatever the Accept header says; its errors stay JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "ledger")

    def _output(self, item, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(ItemOutputSerializer(self.get_queryset().get(pk=item.pk)).data, status=status_code)

    @extend_schema(request=ItemCreateInputSerializer, responses={201: ItemOutputSerializer})
    def create(self, request):
        """Break an acknowledged notice into an item (leaders of the notice's unit)."""
        serializer = ItemCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = item_create(actor=request.user, **serializer.validated_data)
        return self._output(item, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=ProgressInputSerializer, responses={201: ProgressUpdateOutputSerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Report progress with evidence files (multipart), while the item is being rectified."""
        item = self.get_object()
        serializer = ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = progress_add(actor=request.user, item=item, **serializer.validated_data)
        output = ProgressUpdateOutputSerializer(_progress_queryset().get(pk=update.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ItemSubmitInputSerializer, responses=ItemOutputSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the item for verification; its evidence is frozen from here on."""
        item = self.get_object()
        serializer = ItemSubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._output(item_submit(actor=request.user, item=item, note=serializer.validated_data["note"]))

    @extend_schema(request=ItemVerifyInputSerializer, responses=ItemOutputSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Accept (close out) or reject a submitted item, with a comment (supervisors, never the submitter)."""
        item = self.get_object()
        serializer = ItemVerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accept = serializer.validated_data["decision"] == ItemReview.Decision.ACCEPT
        item = item_verify(actor=request.user, item=item, accept=accept, comment=serializer.validated_data["comment"])
        return self._output(item)

    @extend_schema(request=ExtensionRequestInputSerializer, responses={201: ItemRequestOutputSerializer})
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        """Ask the supervisor for a later deadline."""
        item = self.get_object()
        serializer = ExtensionRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item_request = item_request_create(
            actor=request.user, item=item, kind=ItemRequest.Kind.EXTENSION, **serializer.validated_data
        )
        return Response(_item_request_output(request.user, item_request), status=status.HTTP_201_CREATED)

    @extend_schema(request=UnrectifiableRequestInputSerializer, responses={201: ItemRequestOutputSerializer})
    @action(detail=True, methods=["post"])
    def unrectifiable(self, request, pk=None):
        """Ask the party committee to close the item as "cannot be rectified"."""
        item = self.get_object()
        serializer = UnrectifiableRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item_request = item_request_create(
            actor=request.user, item=item, kind=ItemRequest.Kind.UNRECTIFIABLE, **serializer.validated_data
        )
        return Response(_item_request_output(request.user, item_request), status=status.HTTP_201_CREATED)

    @extend_schema(filters=True, responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def ledger(self, request):
        """The rectification ledger (.xlsx) of the items this list shows, with the same filters."""
        items = self.filter_queryset(item_visible_to(request.user))
        response = HttpResponse(ledger_xlsx(items), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = attachment_header(LEDGER_FILENAME, LEDGER_ASCII_FILENAME)
        response["Cache-Control"] = "private, no-store"
        return response


def _item_request_queryset(user):
    return item_request_visible_to(user).select_related("requested_by__person", "decided_by__person")


def _item_request_output(user, item_request) -> dict:
    return ItemRequestOutputSerializer(_item_request_queryset(user).get(pk=item_request.pk)).data


class ItemRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Extension and "cannot be rectified" requests on visible items."""

    serializer_class = ItemRequestOutputSerializer
    filterset_class = ItemRequestFilter
    search_fields = ["reason", "item__problem", "item__unit__name"]
    ordering_fields = ["requested_at", "decided_at", "new_deadline", "id"]
    ordering = ["-requested_at", "-id"]

    def get_queryset(self):
        return _item_request_queryset(self.request.user)

    @extend_schema(request=ItemRequestDecideInputSerializer, responses=ItemRequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve or refuse (with a reason) a request: extensions by a supervisor, "cannot be
        rectified" by the party committee; never by whoever asked."""
        item_request = self.get_object()
        serializer = ItemRequestDecideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item_request_decide(actor=request.user, request=item_request, **serializer.validated_data)
        return Response(_item_request_output(request.user, item_request))


# --- look-backs ------------------------------------------------------------------------------------------


class LookBackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Look-back reviews (回头看) of visible notices."""

    serializer_class = LookBackOutputSerializer
    filterset_class = LookBackFilter
    search_fields = ["notice__title", "notice__unit__name", "result"]
    ordering_fields = ["scheduled_for", "performed_at", "id"]
    ordering = ["scheduled_for", "id"]

    def get_queryset(self):
        return look_back_visible_to(self.request.user).select_related("assigned_to__person")

    @extend_schema(request=LookBackRecordInputSerializer, responses=LookBackOutputSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the look-back (the assigned supervisor); a failed one reopens the notice."""
        look_back = self.get_object()
        serializer = LookBackRecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        look_back_record(actor=request.user, look_back=look_back, **serializer.validated_data)
        return Response(LookBackOutputSerializer(self.get_queryset().get(pk=look_back.pk)).data)
