"""Eligibility for promotion and awards (晋职晋级评优评先资格) on a date.

A person is ineligible on a date while any of their liability records covers it: in force or with an
objection pending (an objection does not suspend a record), from its start date to its end date, both
included; a record revoked on objection stops covering from its `ended_on` (the decision day).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from accounts.models import Person
from cases.models import Liability, LiabilityLevel


@dataclass
class Eligibility:
    person_id: int
    on_date: date
    eligible: bool
    # One dict per covering record: liability, case_number, level, level_display, status, reason,
    # consequence, start_date, end_date (the last day it covers on this date's knowledge).
    reasons: list[dict] = field(default_factory=list)


def covering_condition(on_date: date, *, prefix: str = "") -> Q:
    """Liability records that disqualify on `on_date` (usable across a relation with `prefix`)."""
    p = prefix
    in_force = Q(**{f"{p}status__in": [Liability.Status.ACTIVE, Liability.Status.OBJECTED]})
    revoked_later = Q(**{f"{p}status": Liability.Status.REVOKED, f"{p}ended_on__gt": on_date})
    return Q(**{f"{p}start_date__lte": on_date, f"{p}end_date__gte": on_date}) & (in_force | revoked_later)


def person_eligibility(person: Person, on_date: date) -> Eligibility:
    """Whether `person` is eligible on `on_date`, with every record that says otherwise. One query."""
    level_labels = dict(LiabilityLevel.choices)
    status_labels = dict(Liability.Status.choices)
    rows = (
        Liability.objects.filter(covering_condition(on_date), person_id=person.pk)
        .order_by("end_date", "pk")
        .values(
            "pk",
            "case__number",
            "level",
            "status",
            "reason",
            "consequence",
            "start_date",
            "end_date",
            "ended_on",
        )
    )
    reasons = []
    for row in rows:
        end = row["end_date"]
        if row["status"] == Liability.Status.REVOKED and row["ended_on"] is not None:
            end = min(end, row["ended_on"] - timedelta(days=1))
        reasons.append(
            {
                "liability": row["pk"],
                "case_number": row["case__number"],
                "level": row["level"],
                "level_display": str(level_labels.get(row["level"], row["level"])),
                "status": row["status"],
                "status_display": str(status_labels.get(row["status"], row["status"])),
                "reason": row["reason"],
                "consequence": row["consequence"],
                "start_date": row["start_date"],
                "end_date": end,
            }
        )
    return Eligibility(person_id=person.pk, on_date=on_date, eligible=not reasons, reasons=reasons)
