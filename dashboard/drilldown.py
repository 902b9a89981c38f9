"""Links from a figure to the filtered list behind it, and the chart data of the dashboard pages.

Only filters the list pages really accept are used (supervision.forms / rectification.filters /
risk.forms); where a list cannot express a figure exactly (e.g. the finding list has no "open" filter,
the alert list no business-area filter) the link goes to the closest list and says so in `note`.
A link is only given to a role that may open that list, and only to pages that exist.
"""

from datetime import date
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_has_role
from risk.models import Assessment
from risk.selectors import ALERT_OVERSIGHT_ROLES

RISK_LIST_ROLES = (*ALERT_OVERSIGHT_ROLES, Role.UNIT_LEADER)


def url(name: str, args=None, **params) -> str | None:
    """The URL of a page with query parameters (empty ones left out); None if the page does not exist."""
    try:
        base = reverse(name, args=args)
    except NoReverseMatch:
        return None
    query = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{base}?{urlencode(query)}" if query else base


class Links:
    """Drill-down links for one user, period and unit."""

    def __init__(self, *, user, period, unit=None):
        self.user = user
        self.period = period
        self.unit_id = unit.pk if unit is not None else None
        self.may_read_risk = user_has_role(user, *RISK_LIST_ROLES)
        self._assessments: dict[date, int] | None = None

    def assessment_ids(self, months: list[date]) -> dict[date, int]:
        """The monthly assessments of these months (one query, for the alert list's month filter)."""
        if self._assessments is None:
            self._assessments = dict(Assessment.objects.filter(month__in=months).values_list("month", "pk"))
        return self._assessments

    # findings
    def findings(self, *, start: date | None = None, end: date | None = None, **filters) -> str | None:
        start = self.period.start if start is None else start
        end = self.period.end if end is None else end
        return url(
            "supervision:finding_list",
            within=self.unit_id,
            found_from=start.isoformat() if start else None,
            found_to=end.isoformat() if end else None,
            **filters,
        )

    def open_findings(self) -> str | None:
        """Every finding not (yet) part of a closed-out notice, whenever found: the "open findings" card."""
        return url("supervision:finding_list", within=self.unit_id, is_open="true")

    def inspections(self, layer: str, *, start: date | None = None, end: date | None = None) -> str | None:
        return url(
            "supervision:inspection_list",
            layer=layer,
            unit=self.unit_id,
            date_from=(start or self.period.start).isoformat(),
            date_to=(end or self.period.end).isoformat(),
        )

    # rectification items
    def items(self, **filters) -> str | None:
        return url("rectification:item_list", within=self.unit_id, **filters)

    def items_due(self, *, start: date | None = None, end: date | None = None, **filters) -> str | None:
        return self.items(
            deadline_from=(start or self.period.start).isoformat(),
            deadline_to=(end or self.period.end).isoformat(),
            **filters,
        )

    def overdue_items_of(self, unit_id: int) -> str | None:
        return url("rectification:item_list", unit=unit_id, status="open", overdue="true")

    # risk
    def alerts(self, *, month: date | None = None, **filters) -> str | None:
        if not self.may_read_risk:
            return None
        months = [month] if month else self.period.months
        if len(months) == 1:
            assessment = self.assessment_ids(months).get(months[0])
            return url("risk:alert_list", unit=self.unit_id, assessment=assessment, **filters)
        # The alerts of a period are those of the assessments of the months it touches.
        return url(
            "risk:alert_list",
            unit=self.unit_id,
            month_from=f"{months[0]:%Y-%m}",
            month_to=f"{months[-1]:%Y-%m}",
            **filters,
        )

    def breakers(self, **filters) -> str | None:
        return url("risk:breaker_list", unit=self.unit_id, **filters) if self.may_read_risk else None

    def records(self, area: str) -> str | None:
        if not self.may_read_risk:
            return None
        return url(
            "risk:record_list",
            area=area,
            unit=self.unit_id,
            accepted_from=self.period.first_month.isoformat(),
            accepted_to=self.period.end.isoformat(),
        )

    # cases and ratings (their pages are optional: no link until they exist)
    def cases(self, *, in_period: bool = True, **filters) -> str | None:
        """The case list (cases.filters.CaseFilter): opened in the period unless `in_period` is off."""
        if in_period:
            filters.update(opened_from=self.period.start.isoformat(), opened_to=self.period.end.isoformat())
        return url("cases:case_list", within=self.unit_id, **filters)

    def rating_round(self, round_id: int | None) -> str | None:
        if round_id is None:
            return None
        return url("ratings:round_detail", args=[round_id]) or url("ratings:round_list")


GRADE_COLORS = {"blue": "#0d6efd", "yellow": "#ffc107", "orange": "#fd7e14", "red": "#dc3545"}


def _point(value, link: str | None, name: str = "", color: str = "") -> dict:
    point = {"value": value}
    if name:
        point["name"] = name
    if link:
        point["url"] = link
    if color:
        point["color"] = color
    return point


def cards(figures: dict, links: Links) -> list[dict]:
    """The key-figure cards: label, value (already formatted), drill-down link, freshness."""

    def card(key, label, value, link, *, suffix="", hint="", tone=""):
        figure = figures[key]
        return {
            "key": key,
            "label": label,
            "value": value,
            "suffix": suffix,
            "link": link,
            "as_of": figure["as_of"],
            "hint": hint,
            "tone": tone,
        }

    def rate(value):
        return "—" if value is None else f"{value * 100:.1f}"

    result = [
        card(
            "open_findings",
            _("Open findings"),
            figures["open_findings"]["value"],
            links.open_findings(),
            hint=_("%(count)d found in the period") % {"count": figures["findings_in_period"]["value"]},
        ),
        card(
            "open_items",
            _("Items being rectified"),
            figures["open_items"]["value"],
            links.items(status="open"),
            hint=_("%(count)d awaiting verification") % {"count": figures["submitted_items"]["value"]},
        ),
        card(
            "overdue_items",
            _("Overdue items"),
            figures["overdue_items"]["value"],
            links.items(status="open", overdue="true"),
            tone="danger" if figures["overdue_items"]["value"] else "",
        ),
        card(
            "closure_rate",
            _("Closure rate"),
            rate(figures["closure_rate"]["value"]),
            links.items_due(status="closed"),
            suffix="%" if figures["closure_rate"]["value"] is not None else "",
            hint=_("%(closed)d of %(due)d items due in the period")
            % {"closed": figures["items_closed"]["value"], "due": figures["items_due"]["value"]},
        ),
        card(
            "on_time_rate",
            _("On-time rate"),
            rate(figures["on_time_rate"]["value"]),
            links.items_due(status="closed"),
            suffix="%" if figures["on_time_rate"]["value"] is not None else "",
            hint=_("%(count)d closed out by the deadline") % {"count": figures["items_closed_on_time"]["value"]},
        ),
        card(
            "mean_working_days_to_close",
            _("Mean time to close out"),
            "—"
            if figures["mean_working_days_to_close"]["value"] is None
            else figures["mean_working_days_to_close"]["value"],
            links.items_due(status="closed"),
            suffix=_("working days") if figures["mean_working_days_to_close"]["value"] is not None else "",
        ),
        card(
            "active_breakers",
            _("Active circuit breaks"),
            figures["active_breakers"]["value"],
            links.breakers(status="active"),
            hint=_("%(count)d tripped in the period") % {"count": figures["breakers_tripped"]["value"]},
            tone="danger" if figures["active_breakers"]["value"] else "",
        ),
    ]
    if figures["visible"]["alerts"]:
        result.append(
            card(
                "alerts_total",
                _("Alerts in the period"),
                figures["alerts_total"]["value"],
                links.alerts(),
            )
        )
    if figures["visible"]["cases"]:
        result.append(
            card(
                "open_cases",
                _("Open cases"),
                figures["open_cases"]["value"],
                links.cases(in_period=False),
                hint=_("Open or under investigation"),
            )
        )
    return result


def grade_tiles(figures: dict, links: Links) -> list[dict]:
    if not figures["visible"]["alerts"]:
        return []
    from risk.models import Alert

    return [
        {
            "grade": grade,
            "label": str(label),
            "count": figures["alerts_by_grade"]["value"][grade],
            "link": links.alerts(grade=grade),
        }
        for grade, label in Alert.Grade.choices
    ]


SERIES_LABELS = {
    "findings": lambda: _("Findings"),
    "items_opened": lambda: _("Items opened"),
    "items_closed": lambda: _("Items closed out"),
    "items_overdue": lambda: _("Items not closed by the deadline"),
    "alerts": lambda: _("Alerts"),
    "breakers": lambda: _("Circuit breaks"),
    "cases": lambda: _("Cases opened"),
}


def series_labels() -> dict[str, str]:
    return {key: label() for key, label in SERIES_LABELS.items()}


def trend_chart(trends: dict, links: Links | None) -> dict:
    """A line chart of the trends; each point links to that month's list where one exists."""
    months = [date.fromisoformat(f"{label}-01") for label in trends["months"]]
    if links is not None:
        links.assessment_ids(months)
    series = []
    for key, values in trends["series"].items():
        if values is None:
            continue
        points = []
        for month, value in zip(months, values, strict=True):
            points.append(_point(value, _trend_link(key, month, links) if links else None))
        series.append({"name": SERIES_LABELS[key](), "key": key, "data": points})
    return {"type": "line", "categories": trends["months"], "series": series}


def _trend_link(key: str, month: date, links: Links) -> str | None:
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    last = date.fromordinal(end.toordinal() - 1)
    if key == "findings":
        return links.findings(start=month, end=last)
    if key == "items_overdue":
        return links.items_due(start=month, end=last)
    if key == "items_closed":
        return links.items(status="closed")
    if key == "items_opened":
        return links.items()
    if key == "alerts":
        return links.alerts(month=month)
    if key == "breakers":
        return links.breakers()
    if key == "cases":
        return links.cases(in_period=False, opened_from=month.isoformat(), opened_to=last.isoformat())
    return None


def bar_chart(rows: list[dict], *, label_key: str, value_key: str = "count", link=None, horizontal=False) -> dict:
    return {
        "type": "hbar" if horizontal else "bar",
        "categories": [row[label_key] for row in rows],
        "series": [{"name": "", "data": [_point(row[value_key], link(row) if link else None) for row in rows]}],
    }


def pie_chart(rows: list[dict], *, label_key: str = "label", value_key: str = "count", link=None) -> dict:
    return {
        "type": "pie",
        "series": [
            {
                "name": "",
                "data": [
                    _point(row[value_key], link(row) if link else None, name=row[label_key], color=row.get("color", ""))
                    for row in rows
                    if row[value_key]
                ],
            }
        ],
    }


def dashboard_charts(data: dict, links: Links) -> dict:
    """Every chart of the committee dashboard, keyed by the id of its container."""
    visible = data["visible"]
    charts = {
        "trends": trend_chart(data["trends"], links),
        "overdue-by-unit": bar_chart(
            list(reversed(data["rectification"]["overdue_by_unit"])),
            label_key="unit_name",
            value_key="overdue",
            link=lambda row: links.overdue_items_of(row["unit_id"]),
            horizontal=True,
        ),
        "findings-by-category": bar_chart(
            data["findings"]["by_category"],
            label_key="name",
            link=lambda row: links.findings(category=row["category_id"]),
        ),
        "findings-by-layer": pie_chart(
            data["findings"]["by_layer"],
            link=lambda row: links.inspections(row["layer"]) if row["layer"] else links.findings(),
        ),
        "ratings": pie_chart(
            data["ratings"]["grades"], link=lambda row: links.rating_round((data["ratings"]["round"] or {}).get("id"))
        ),
    }
    if visible["alerts"]:
        charts["alerts-by-area"] = bar_chart(
            data["risk"]["alerts_by_area"]["value"], label_key="label", link=lambda row: links.alerts(area=row["area"])
        )
        charts["alerts-by-area"]["note"] = _("An alert counts in every area of the models that hit.")
        charts["alerts-by-grade"] = pie_chart(
            [
                {
                    "label": row["label"],
                    "count": row["count"],
                    "grade": row["grade"],
                    "color": GRADE_COLORS[row["grade"]],
                }
                for row in grade_tiles(data["key_figures"], links)
            ],
            link=lambda row: links.alerts(grade=row["grade"]),
        )
    if links.may_read_risk:
        rows = data["risk"]["business_records_by_area"]["value"]
        charts["records-by-area"] = {
            "type": "bar",
            "categories": [row["label"] for row in rows],
            "series": [
                {
                    "name": _("Business records"),
                    "data": [_point(row["records"], links.records(row["area"])) for row in rows],
                },
                {
                    "name": _("Flagged records"),
                    "data": [_point(row["flagged"], links.records(row["area"])) for row in rows],
                },
            ],
        }
    if visible["case_details"]:
        cases = data["cases"]
        charts["cases-by-type"] = pie_chart(
            cases["by_category"], link=lambda row: links.cases(category=row["category"])
        )
        charts["cases-by-police-category"] = pie_chart(cases["by_police_category"], link=lambda row: links.cases())
        charts["cases-by-rank"] = bar_chart(
            [row for row in cases["by_rank"] if row["count"]], label_key="label", link=lambda row: links.cases()
        )
    elif visible["cases"]:
        cases = data["cases"]
        charts["cases-by-severity"] = pie_chart(
            cases["by_severity"], link=lambda row: links.cases(severity=row["severity"])
        )
    return charts
