"""Writes for platform-wide data: the working-day calendar."""

import csv
import io
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from core.models import CalendarDay


class RowErrors(DomainError):
    """Bad rows of an import: every one is named with its row number, field and reason."""

    def __init__(self, errors: list[dict]):
        super().__init__(_("%(count)d rows are invalid; nothing was imported.") % {"count": len(errors)})
        self.errors = errors


def calendar_rows_parse(text: str) -> list[dict]:
    """Parse `date,kind,name` CSV text; raises RowErrors naming every bad row (header is row 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"date", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise RowErrors([{"row": 1, "field": name, "error": _("missing column")} for name in sorted(missing)])
    rows, errors, seen = [], [], {}
    for number, raw in enumerate(reader, start=2):
        try:
            day = date.fromisoformat((raw.get("date") or "").strip())
        except ValueError:
            errors.append({"row": number, "field": "date", "error": _("not a date (YYYY-MM-DD)")})
            continue
        kind = (raw.get("kind") or "").strip()
        if kind not in CalendarDay.Kind.values:
            errors.append({"row": number, "field": "kind", "error": _("must be holiday or workday")})
            continue
        if day in seen:
            errors.append({"row": number, "field": "date", "error": _("repeats row %(row)d") % {"row": seen[day]}})
            continue
        if kind == CalendarDay.Kind.HOLIDAY and day.weekday() >= 5:
            errors.append({"row": number, "field": "kind", "error": _("a weekend is already a day off")})
            continue
        if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
            errors.append({"row": number, "field": "kind", "error": _("a weekday is already a workday")})
            continue
        seen[day] = number
        rows.append({"date": day, "kind": kind, "name": (raw.get("name") or "").strip()[:50]})
    if errors:
        raise RowErrors(errors)
    return rows


@transaction.atomic
def calendar_import(*, actor, rows: list[dict], year: int | None = None) -> dict:
    """Replace the calendar exceptions of the years in `rows` (or of `year`) with `rows`.
    Re-importing the same file changes nothing."""
    years = {row["date"].year for row in rows} | ({year} if year else set())
    wanted = {(row["date"], row["kind"], row["name"]) for row in rows}
    current = set(CalendarDay.objects.filter(date__year__in=years).values_list("date", "kind", "name"))
    if wanted == current:
        return {"created": 0, "deleted": 0, "unchanged": len(current)}
    stale = current - wanted
    CalendarDay.objects.filter(date__in=[d for d, _k, _n in stale]).delete()
    created = CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=k, name=n) for d, k, n in sorted(wanted - current)]
    )
    audit_record(
        actor=actor,
        action="calendar.import",
        object_type="core.calendarday",
        object_id=",".join(str(y) for y in sorted(years)),
        object_repr=_("Working-day calendar"),
        changes={"created": len(created), "deleted": len(stale)},
    )
    return {"created": len(created), "deleted": len(stale), "unchanged": len(current & wanted)}
