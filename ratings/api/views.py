"""The Double Clean rating API: rounds with their workflow, unit ratings with the committee's decision on
ties, and manual adjustments.

Reads start from the scoped selectors of ratings.selectors (outside the scope is 404: a draft round does
not exist for a squad leader). Each write is one endpoint with an input serializer, exactly one service
call and an output serializer; domain errors become 400 / 403 / 409 in core.api.exceptions.
"""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.filters import UnitChoiceFilter
from core.api.filters import StrictBooleanFilter, YearFilter
from ratings.api.serializers import (
    AdjustmentCreateInputSerializer,
    RatingAdjustmentOutputSerializer,
    RatingRoundOutputSerializer,
    RoundDraftInputSerializer,
    RoundReturnInputSerializer,
    TieDecideInputSerializer,
    UnitRatingOutputSerializer,
)
from ratings.models import Grade, RatingAdjustment, RatingRound, UnitRating
from ratings.selectors import (
    rating_adjustment_visible_to,
    rating_round_visible_to,
    unit_rating_visible_to,
    with_grade_counts,
)
from ratings.services import (
    rating_adjust,
    rating_round_approve,
    rating_round_draft,
    rating_round_propose,
    rating_round_publish,
    rating_round_return,
    rating_tie_decide,
)


def _rounds(request):
    return rating_round_visible_to(request.user) if request is not None else RatingRound.objects.none()


class RatingRoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RatingRound.Status.choices, label=gettext_lazy("Status"))
    year = YearFilter(field_name="year", label=gettext_lazy("Year"))

    class Meta:
        model = RatingRound
        fields = ["status", "year"]


class RatingRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Yearly rounds of the Double Clean rating (双清示范创建). Drafts, proposals and approved rounds are
    seen by supervisors, the committee and administrators; published rounds by everyone signed in."""

    serializer_class = RatingRoundOutputSerializer
    filterset_class = RatingRoundFilter
    ordering_fields = ["year", "status", "computed_at", "id"]
    ordering = ["-year"]

    def get_queryset(self):
        return with_grade_counts(
            rating_round_visible_to(self.request.user).select_related("computed_by__person", "returned_by__person")
        )

    def _output(self, rating_round, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=rating_round.pk)).data, status=status_code)

    @extend_schema(
        request=RoundDraftInputSerializer,
        responses={201: RatingRoundOutputSerializer, 200: RatingRoundOutputSerializer},
    )
    def create(self, request):
        """Draft the round of a year (201), or recompute it while it is a draft (200); a round past draft
        answers 409 (supervisors responsible for all units)."""
        serializer = RoundDraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = rating_round_draft(actor=request.user, year=serializer.validated_data["year"])
        return self._output(
            result.rating_round, status_code=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses=RatingRoundOutputSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """Recompute a draft round from the current data and weights (its ratings are replaced)."""
        rating_round = self.get_object()
        result = rating_round_draft(actor=request.user, year=rating_round.year)
        return self._output(result.rating_round)

    @extend_schema(request=None, responses=RatingRoundOutputSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        """Propose the draft to the party committee (supervisors)."""
        return self._output(rating_round_propose(actor=request.user, round=self.get_object()))

    @extend_schema(request=RoundReturnInputSerializer, responses=RatingRoundOutputSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_draft(self, request, pk=None):
        """Send the proposal back to draft, with a reason (committee)."""
        rating_round = self.get_object()
        serializer = RoundReturnInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._output(
            rating_round_return(actor=request.user, round=rating_round, reason=serializer.validated_data["reason"])
        )

    @extend_schema(request=None, responses=RatingRoundOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the proposal (committee; not its proposer). 400 while a tie is unresolved."""
        return self._output(rating_round_approve(actor=request.user, round=self.get_object()))

    @extend_schema(request=None, responses=RatingRoundOutputSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the approved round: the grades show on the unit pages and the units' leaders are told
        (supervisors or committee)."""
        return self._output(rating_round_publish(actor=request.user, round=self.get_object()))


class UnitRatingFilter(django_filters.FilterSet):
    round = django_filters.ModelChoiceFilter(queryset=_rounds, label=gettext_lazy("Round"))
    year = YearFilter(field_name="round__year", label=gettext_lazy("Year"))
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=gettext_lazy("Rating grade"))
    unit = UnitChoiceFilter(label=gettext_lazy("Unit"))
    vetoed = StrictBooleanFilter(label=gettext_lazy("Vetoed"))
    tie_unresolved = StrictBooleanFilter(label=gettext_lazy("Unresolved tie"))

    class Meta:
        model = UnitRating
        fields = ["round", "year", "grade", "unit", "vetoed", "tie_unresolved"]


class UnitRatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Each unit's rating in a round: indicator values, the counts behind them, score, rank, grade, the veto
    and tie flags and the explanation. Only the units in the caller's scope."""

    serializer_class = UnitRatingOutputSerializer
    filterset_class = UnitRatingFilter
    search_fields = ["unit__name", "unit__code"]
    ordering_fields = ["rank", "score", "id"]
    ordering = ["-round__year", "rank", "unit__path"]

    def get_queryset(self):
        return unit_rating_visible_to(self.request.user)

    @extend_schema(request=TieDecideInputSerializer, responses=UnitRatingOutputSerializer)
    @action(detail=True, methods=["post"], url_path="decide-tie")
    def decide_tie(self, request, pk=None):
        """Decide the grade of a unit in an unresolved tie of a proposed round (committee), among the
        grades at that boundary and within the places the tie holds."""
        rating = self.get_object()
        serializer = TieDecideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = rating_tie_decide(actor=request.user, rating=rating, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=decided.pk)).data)


class RatingAdjustmentFilter(django_filters.FilterSet):
    round = django_filters.ModelChoiceFilter(queryset=_rounds, label=gettext_lazy("Round"))
    year = YearFilter(field_name="round__year", label=gettext_lazy("Year"))
    unit = UnitChoiceFilter(label=gettext_lazy("Unit"))

    class Meta:
        model = RatingAdjustment
        fields = ["round", "year", "unit"]


class RatingAdjustmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Manual bonus and penalty points, each with its reason; adding one recomputes the draft round."""

    serializer_class = RatingAdjustmentOutputSerializer
    filterset_class = RatingAdjustmentFilter
    search_fields = ["unit__name", "reason"]
    ordering_fields = ["created_at", "points", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return rating_adjustment_visible_to(self.request.user)

    @extend_schema(request=AdjustmentCreateInputSerializer, responses={201: RatingAdjustmentOutputSerializer})
    def create(self, request):
        """Add bonus or penalty points to a unit of a draft round, with a reason (supervisors responsible
        for all units); the round is recomputed at once."""
        serializer = AdjustmentCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        adjustment = rating_adjust(actor=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=adjustment.pk)).data, status=status.HTTP_201_CREATED
        )
