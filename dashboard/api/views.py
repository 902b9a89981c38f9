"""The report API: the figures of dashboard.figures for a period (`?from=&to=`) and unit (`?unit=`).

Every answer is limited to the caller's roles and data scope (dashboard.roles). A bad date, a period
that ends before it starts and a unit outside the scope are 400s naming the field.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_has_role
from dashboard import figures, roles
from dashboard.api import serializers as out

FROM = OpenApiParameter(
    "from", OpenApiTypes.DATE, description="First day of the period (default: 1 January of the year of `to`)."
)
TO = OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of the period, included (default: today).")
UNIT = OpenApiParameter(
    "unit", OpenApiTypes.INT, description="Only this unit and the units below it (a unit in your scope)."
)
MONTHS = OpenApiParameter("months", OpenApiTypes.INT, description="How many months, 1-36 (default 12).")
TREND_TO = OpenApiParameter(
    "to", OpenApiTypes.DATE, description="The last month is the month of this day (default: today)."
)


class PeriodQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, min_value=1)

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword: declared here rather than as a class attribute.
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields


class TrendQuerySerializer(serializers.Serializer):
    to = serializers.DateField(required=False)
    months = serializers.IntegerField(required=False, min_value=1, max_value=figures.MAX_TREND_MONTHS)
    unit = serializers.IntegerField(required=False, min_value=1)


class ReportView(APIView):
    """Base: the caller must hold a role that reads figures (403 otherwise)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not user_has_role(request.user, *roles.REPORT_ROLES):
            raise PermissionDenied(_("Your roles may not read reports."))

    def period_and_unit(self, request) -> tuple[figures.Period, int | None]:
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        end: date = query.validated_data.get("to") or timezone.localdate()
        start: date = query.validated_data.get("from") or end.replace(month=1, day=1)
        period = figures.period_between(start, end, field="to")
        return period, query.validated_data.get("unit")


@extend_schema(tags=["reports"], parameters=[FROM, TO, UNIT], responses=out.SummarySerializer)
class SummaryView(ReportView):
    """Everything for one period: key figures, rectification, risk, cases, findings, ratings and the
    12 months of trends up to the period's end."""

    def get(self, request):
        period, unit = self.period_and_unit(request)
        return Response(out.SummarySerializer(figures.summary(user=request.user, period=period, unit=unit)).data)


@extend_schema(tags=["reports"], parameters=[FROM, TO, UNIT], responses=out.KeyFiguresSerializer)
class KeyFiguresView(ReportView):
    """The dashboard's key figures, each with how fresh it is (`as_of`)."""

    def get(self, request):
        period, unit = self.period_and_unit(request)
        data = figures.key_figures(user=request.user, period=period, unit=unit)
        return Response(out.KeyFiguresSerializer(data).data)


@extend_schema(tags=["reports"], parameters=[FROM, TO, UNIT], responses=out.RectificationReportSerializer)
class RectificationReportView(ReportView):
    """Closure rate, on-time rate and mean working days to close out of the items due in the period;
    open and overdue items now, and the units with the most overdue items."""

    def get(self, request):
        period, unit = self.period_and_unit(request)
        data = figures.rectification_report(user=request.user, period=period, unit=unit)
        return Response(out.RectificationReportSerializer(data).data)


@extend_schema(tags=["reports"], parameters=[FROM, TO, UNIT], responses=out.RiskReportSerializer)
class RiskReportView(ReportView):
    """Alerts by grade, status and business area, circuit breaks, business records by area and (for
    administrators) the precision of each supervision model."""

    def get(self, request):
        period, unit = self.period_and_unit(request)
        data = figures.risk_report(user=request.user, period=period, unit=unit)
        return Response(out.RiskReportSerializer(data).data)


@extend_schema(tags=["reports"], parameters=[FROM, TO, UNIT], responses=out.CasesReportSerializer)
class CasesReportView(ReportView):
    """Cases by status, severity and type; persons concerned by police category and rank; liability
    records by level. Parts the caller's roles do not read are null."""

    def get(self, request):
        period, unit = self.period_and_unit(request)
        data = figures.cases_report(user=request.user, period=period, unit=unit)
        return Response(out.CasesReportSerializer(data).data)


@extend_schema(tags=["reports"], parameters=[TREND_TO, MONTHS, UNIT], responses=out.TrendsSerializer)
class TrendsView(ReportView):
    """Month by month (from the rollups): findings, items opened / closed out / not closed by the
    deadline, alerts, circuit breaks and cases. What the big screen polls."""

    def get(self, request):
        query = TrendQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = figures.trends(
            user=request.user,
            end=query.validated_data.get("to") or timezone.localdate(),
            months=query.validated_data.get("months", 12),
            unit=query.validated_data.get("unit"),
        )
        return Response(out.TrendsSerializer(data).data)
