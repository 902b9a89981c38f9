"""Pages: the committee dashboard, the big screen (大屏) and the statistics page with its .xlsx export.

All figures come from dashboard.figures / dashboard.statistics for the signed-in user, so a page never
shows a number outside the user's data scope. The pages carry no inline script: chart data travels in
`json_script` blocks and static/js/dashboard.js draws it (a strict CSP can apply).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import require_role
from accounts.selectors import user_has_role
from core.errors import DomainError
from dashboard import drilldown, figures, roles, statistics
from dashboard.forms import PeriodForm, StatisticsForm
from dashboard.tasks import rollups_refresh_task
from rectification.documents import XLSX_CONTENT_TYPE, attachment_response
from supervision.forms import apply_domain_error


def _period_form(request, form_class=PeriodForm):
    return form_class(request.GET or None, user=request.user)


def _freshness(data: dict) -> dict:
    """The two clocks of the page: live figures (now) and the rollups (the oldest refresh among the
    figures shown; None while one of them was never aggregated)."""
    key = data["key_figures"]
    rolled = ("open_findings", "open_items", "mean_working_days_to_close")
    moments = [data["trends"]["as_of"], *(key[name]["as_of"] for name in rolled)]
    return {"live": data["generated_at"], "rollups": None if None in moments else min(moments)}


@require_safe
@login_required
def index(request):
    user = request.user
    require_role(user, *roles.DASHBOARD_ROLES)
    form = _period_form(request)
    context = {"form": form, "may_refresh": user_has_role(user, *roles.ROLLUP_REFRESH_ROLES)}
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/index.html", context, status=400)
    period, unit = form.chosen_period, form.chosen_unit
    data = figures.summary(user=user, period=period, unit=unit)
    links = drilldown.Links(user=user, period=period, unit=unit)
    context.update(
        data=data,
        period=period,
        unit=unit,
        visible=data["visible"],
        cards=drilldown.cards(data["key_figures"], links),
        grade_tiles=drilldown.grade_tiles(data["key_figures"], links),
        charts=drilldown.dashboard_charts(data, links),
        freshness=_freshness(data),
        links={
            "findings": links.findings(),
            "items": links.items(),
            "overdue": links.items(status="open", overdue="true"),
            "alerts": links.alerts(),
            "breakers": links.breakers(),
            "cases": links.cases(),
            "ratings": links.rating_round((data["ratings"]["round"] or {}).get("id")),
        },
        query_string=urlencode(form.query()),
    )
    return render(request, "dashboard/index.html", context)


@require_safe
@login_required
def screen(request):
    """大屏: dark, 1920x1080, refreshing itself from the report API every minute."""
    user = request.user
    require_role(user, *roles.DASHBOARD_ROLES)
    form = _period_form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/index.html", {"form": form}, status=400)
    period, unit = form.chosen_period, form.chosen_unit
    key = figures.key_figures(user=user, period=period, unit=unit)
    trends = figures.trends(user=user, end=min(period.end, timezone.localdate()), unit=unit)
    api_query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    trend_query = {"to": min(period.end, timezone.localdate()).isoformat(), "months": 12}
    if unit is not None:
        api_query["unit"] = trend_query["unit"] = unit.pk
    screen_data = {
        "key_figures": key,
        "trends": trends,
        "labels": drilldown.series_labels(),
        "api": {
            "key_figures": _api_url("api:report-key-figures", api_query),
            "trends": _api_url("api:report-trends", trend_query),
        },
        "refresh_seconds": 60,
    }
    return render(
        request,
        "dashboard/screen.html",
        {"period": period, "unit": unit, "screen_data": screen_data, "screen_cards": _screen_cards(key["visible"])},
    )


def _screen_cards(visible: dict) -> list[tuple[str, str, str]]:
    """The eight figures of the big screen: (key in key_figures, label, unit of measure)."""
    cards = [
        ("open_findings", _("Open findings"), ""),
        ("open_items", _("Items being rectified"), ""),
        ("overdue_items", _("Overdue items"), ""),
        ("closure_rate", _("Closure rate"), "%"),
        ("on_time_rate", _("On-time rate"), "%"),
        ("mean_working_days_to_close", _("Mean time to close out"), _("working days")),
        ("active_breakers", _("Active circuit breaks"), ""),
    ]
    if visible["alerts"]:
        cards.append(("alerts_total", _("Alerts in the period"), ""))
    elif visible["cases"]:
        cards.append(("open_cases", _("Open cases"), ""))
    else:
        cards.append(("breakers_tripped", _("Circuit breaks in the period"), ""))
    return cards


def _api_url(name: str, query: dict) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


@require_safe
@login_required
def statistics_page(request):
    user = request.user
    require_role(user, *roles.DASHBOARD_ROLES)
    form = _period_form(request, StatisticsForm)
    context = {"form": form}
    if not form.is_bound:
        return render(request, "dashboard/statistics.html", context)
    table = _statistics_of(form) if form.is_valid() else None
    if table is None:
        return render(request, "dashboard/statistics.html", context, status=400)
    context.update(
        table=table,
        measure_label=statistics.MEASURES[table.measure].label,
        dimension_labels=[statistics.DIMENSION_LABELS[code] for code in table.dimensions],
        chart=_statistics_chart(table),
        export_query=request.GET.urlencode(),
    )
    return render(request, "dashboard/statistics.html", context)


def _statistics_of(form: StatisticsForm) -> statistics.StatisticsTable | None:
    """The table of a valid form, or None with the service's refusal put on the form."""
    try:
        return statistics.statistics_table(
            user=form.user,
            measure=form.cleaned_data["measure"],
            dimensions=form.cleaned_data["dimensions"],
            period=form.chosen_period,
            unit=form.chosen_unit,
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return None


def _statistics_chart(table: statistics.StatisticsTable) -> dict:
    if len(table.dimensions) == 1:
        return {
            "type": "bar",
            "categories": [row["label1"] for row in table.rows],
            "series": [
                {"name": str(statistics.MEASURES[table.measure].label), "data": [row["count"] for row in table.rows]}
            ],
        }
    pivot = table.pivot()
    return {
        "type": "bar",
        "stacked": True,
        "categories": [entry["label"] for entry in pivot],
        "series": [
            {"name": label, "data": [entry["values"][index] for entry in pivot]}
            for index, (_key, label) in enumerate(table.columns)
        ],
    }


@require_safe
@login_required
def statistics_export(request):
    user = request.user
    require_role(user, *roles.DASHBOARD_ROLES)
    form = StatisticsForm(request.GET, user=user)
    table = _statistics_of(form) if form.is_valid() else None
    if table is None:
        lines = [f"{field}: {' '.join(str(m) for m in errors)}" for field, errors in form.errors.items()]
        response = HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        return response
    filename = f"统计-{statistics.EXPORT_MEASURE_LABELS[table.measure]}-{table.period.label}.xlsx"
    return attachment_response(statistics.statistics_xlsx(table), filename, XLSX_CONTENT_TYPE)


@require_POST
@login_required
def rollups_refresh(request):
    """Start a refresh of the rollups now (the beat runs one every 15 minutes anyway)."""
    require_role(request.user, *roles.ROLLUP_REFRESH_ROLES)
    rollups_refresh_task.delay()
    messages.success(request, _("The aggregated figures are being refreshed; reload the page in a moment."))
    query = QueryDict(request.POST.get("next_query", ""))  # re-encoded: only a query string goes back
    return redirect(reverse("dashboard:index") + (f"?{query.urlencode()}" if query else ""))
