from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api import filters
from accounts.api.serializers import (
    MeInputSerializer,
    MeOutputSerializer,
    PartyOrganizationSerializer,
    PersonSerializer,
    PositionSerializer,
    PostSerializer,
    ResponsibilityOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    UnitSerializer,
)
from accounts.models import LoginEvent
from accounts.selectors import (
    party_organization_visible_to,
    person_visible_to,
    position_visible_to,
    post_visible_to,
    unit_responsibility_on,
    unit_visible_to,
    user_role_assignments,
    user_sees_all,
    visible_units,
)
from accounts.services import api_token_issue, user_set_language


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units in the caller's data scope."""

    serializer_class = UnitSerializer
    filterset_class = filters.UnitFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "path", "sort_order"]
    ordering = ["path"]

    def get_queryset(self):
        return unit_visible_to(self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Defaults to today.")],
        responses=ResponsibilityOutputSerializer,
    )
    @action(detail=True, methods=["get"])
    def responsibility(self, request, pk=None):
        """Who was chief, team member in charge and mid-level in charge of this unit on a date."""
        unit = self.get_object()
        field = serializers.DateField(required=False)
        raw = request.query_params.get("date")
        try:
            on_date = field.to_internal_value(raw) if raw else timezone.localdate()
        except serializers.ValidationError as error:
            raise ValidationError({"date": error.detail}) from None
        return Response(ResponsibilityOutputSerializer(unit_responsibility_on(unit, on_date)).data)


class PartyOrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PartyOrganizationSerializer
    filterset_class = filters.PartyOrganizationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "kind"]
    ordering = ["unit__path", "name"]

    def get_queryset(self):
        return party_organization_visible_to(self.request.user)


class PostViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PostSerializer
    filterset_fields = ["risk_level", "business_area"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "risk_level"]
    ordering = ["code"]

    def get_queryset(self):
        return post_visible_to(self.request.user)


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer
    filterset_class = filters.PersonFilter
    search_fields = ["badge_number", "name"]
    ordering_fields = ["badge_number", "name", "unit__path", "rank"]
    ordering = ["badge_number"]

    def get_queryset(self):
        return person_visible_to(self.request.user)


class PositionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PositionSerializer
    filterset_class = filters.PositionFilter
    search_fields = ["person__name", "person__badge_number", "title"]
    ordering_fields = ["start_date", "end_date", "level"]
    ordering = ["-start_date", "id"]

    def get_queryset(self):
        return position_visible_to(self.request.user).prefetch_related("in_charge_of")


def _me_payload(user) -> dict:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "person": getattr(user, "person", None),
        "roles": user_role_assignments(user),
        "sees_all_units": user_sees_all(user),
        "visible_unit_count": visible_units(user).count(),
        "language": user.preferred_language,
    }


class MeView(APIView):
    """The caller: person, roles with their data scope, and preferred language."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        return Response(MeOutputSerializer(_me_payload(request.user)).data)

    @extend_schema(request=MeInputSerializer, responses=MeOutputSerializer)
    def patch(self, request):
        serializer = MeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_set_language(actor=request.user, user=request.user, language=serializer.validated_data["language"])
        return Response(MeOutputSerializer(_me_payload(request.user)).data)


class TokenView(APIView):
    """Exchange a username and password for an API token. Five failures lock the account for 15 min."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request):
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            return Response(
                {"detail": _("Too many failed attempts: this account is locked for a while.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [_("Invalid username or password.")]})
        token, key = api_token_issue(user=user)
        LoginEvent.objects.create(
            kind=LoginEvent.Kind.TOKEN,
            username=user.get_username(),
            user=user,
            ip_address=django_request.META.get("REMOTE_ADDR"),
            user_agent=django_request.META.get("HTTP_USER_AGENT", "")[:255],
        )
        return Response(TokenOutputSerializer({"token": key, "expires_at": token.expires_at}).data)
