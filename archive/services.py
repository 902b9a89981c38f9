"""The integrity archive (廉政档案): building a year's archive of every unit and person, freezing it
once the year has ended, and reading it back (frozen, with a digest check, or live).

What a year's archive holds
---------------------------
A **unit's** archive holds the objects of that unit itself, not of the units below it (a brigade's
archive does not repeat its squads'; each squad has its own):

- findings found in the year (category, severity, date, the persons involved, and a status taken from
  the rectification notice that carries the finding: "not handed over" when none has been issued);
- rectification notices issued in the year (document number, status, deadline, closing date) and
  their items (status, deadline, closing date, and whether they were closed on time);
- alerts of the year's monthly assessments (grade, index, status, month) and circuit breaks tripped in
  the year (scope, model, status, times);
- quarterly risk-alert lists of the year's quarters (quarter, status of the list's notice);
- integrity cases opened in the year: number, category, severity, status and dates only. The facts,
  the title and the conclusion are NEVER copied here; they stay in the cases app behind its
  permissions;
- liability records in force at some time in the year (level, consequence, action, start and end,
  status), without their reason text (it may repeat the case's facts);
- the unit's rating of the year's Double Clean round, once that round is published.

A **person's** archive holds the findings the person is one of the persons involved in, their alerts,
circuit breaks on their account (a break of the platform-user or business-account kind whose key is
the person's username or badge number), the cases they are concerned in (with the responsibility and
accountability action recorded for them) and their liability records.

Times are local (settings.TIME_ZONE); decimals are strings, so the canonical JSON, and with it the
digest, is the same on SQLite and PostgreSQL.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Person, Role, Unit
from accounts.selectors import user_has_role
from archive.models import ArchiveSnapshot
from audit.services import audit_record
from core.errors import DomainError, NotPermitted

SCHEMA_VERSION = 1
# No archive is kept for years before this one (the platform did not exist).
ARCHIVE_FIRST_YEAR = 2000

UNIT = ArchiveSnapshot.Kind.UNIT
PERSON = ArchiveSnapshot.Kind.PERSON

UNIT_SECTIONS = (
    "findings",
    "notices",
    "items",
    "alerts",
    "circuit_breaks",
    "risk_lists",
    "cases",
    "liabilities",
    "ratings",
)
PERSON_SECTIONS = ("findings", "alerts", "circuit_breaks", "cases", "liabilities")
SECTIONS = {UNIT: UNIT_SECTIONS, PERSON: PERSON_SECTIONS}

# A finding that no issued notice carries yet.
FINDING_NOT_HANDED_OVER = "not_handed_over"


class Subject(NamedTuple):
    """Whose archive: ("unit", unit id) or ("person", person id)."""

    kind: str
    id: int


# --- years -------------------------------------------------------------------------------------------


def archive_year_validate(year, *, ended: bool = False) -> int:
    """`year` as an int, or DomainError naming `year`: before ARCHIVE_FIRST_YEAR, in the future, or
    (with `ended`) not over yet."""
    if isinstance(year, bool):
        year = None
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if not isinstance(year, int):
        raise DomainError(_("Give the year as four digits, e.g. 2025."), field="year")
    this_year = timezone.localdate().year
    if year < ARCHIVE_FIRST_YEAR or year > this_year:
        raise DomainError(
            _("There is no archive for %(year)s: choose a year from %(first)s to %(last)s.")
            % {"year": year, "first": ARCHIVE_FIRST_YEAR, "last": this_year},
            field="year",
        )
    if ended and year >= this_year:
        raise DomainError(
            _("The year %(year)s has not ended yet: its archive can be frozen from 1 January %(next)s.")
            % {"year": year, "next": year + 1},
            field="year",
        )
    return year


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year as [start, end) in settings.TIME_ZONE (never a request's zone)."""
    zone = timezone.get_default_timezone()
    return datetime.combine(date(year, 1, 1), time.min, zone), datetime.combine(date(year + 1, 1, 1), time.min, zone)


# --- canonical JSON and digest -----------------------------------------------------------------------


def canonical_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def archive_digest(data: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of `data`."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


# --- building ----------------------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _local_day(value: datetime | None) -> str | None:
    return timezone.localtime(value, timezone.get_default_timezone()).date().isoformat() if value else None


def _local_minute(value: datetime | None) -> str | None:
    if not value:
        return None
    return f"{timezone.localtime(value, timezone.get_default_timezone()):%Y-%m-%d %H:%M}"


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def document_number(doc_year: int | None, doc_number: int | None) -> str:
    """The notice's 文号 as RectificationNotice.document_number writes it ("" for a draft)."""
    if doc_number is None:
        return ""
    return f"{settings.NOTICE_DOCUMENT_PREFIX}〔{doc_year}〕{doc_number}号"


def _ids(objects: Iterable | None) -> list[int] | None:
    """None stays None ("all"); units or persons (or ids) become a list of ids."""
    if objects is None:
        return None
    return [getattr(obj, "pk", obj) for obj in objects]


def _either(*conditions: Q | None) -> Q:
    """Rows matching any of `conditions`; a None condition stands for "every subject of that kind",
    which needs no filter at all. (An empty id list matches nothing, and Django then skips the query.)"""
    if any(condition is None for condition in conditions):
        return Q()
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


def _item_on_time(row: dict, today: date) -> bool | None:
    """Whether an item was rectified on time: closed out by its deadline, True; closed out after it,
    or still with the unit past it, False; not yet due, awaiting verification of a submission made in
    time, or closed as "cannot be rectified", None (no verdict)."""
    deadline = row["deadline"]
    zone = timezone.get_default_timezone()
    if row["status"] == "closed":
        if row["closure"] == "unrectifiable" or not row["closed_at"]:
            return None
        return timezone.localtime(row["closed_at"], zone).date() <= deadline
    if row["status"] == "submitted" and row["submitted_at"]:
        return None if timezone.localtime(row["submitted_at"], zone).date() <= deadline else False
    return False if deadline < today else None


def archive_totals(kind: str, sections: dict) -> dict:
    """The totals of each section, computed from the section rows (so a view that leaves rows out
    computes its own totals the same way)."""

    def count(rows, **conditions) -> int:
        return sum(1 for row in rows if all(row.get(key) == value for key, value in conditions.items()))

    findings = sections.get("findings", [])
    alerts = sections.get("alerts", [])
    breaks = sections.get("circuit_breaks", [])
    cases = sections.get("cases", [])
    liabilities = sections.get("liabilities", [])
    totals = {
        "findings": {
            "count": len(findings),
            "general": count(findings, severity="general"),
            "serious": count(findings, severity="serious"),
            "grave": count(findings, severity="grave"),
        },
        "alerts": {
            "count": len(alerts),
            "confirmed": count(alerts, status="confirmed"),
            "red": count(alerts, grade="red"),
            "orange": count(alerts, grade="orange"),
        },
        "circuit_breaks": {
            "count": len(breaks),
            "in_force": sum(1 for row in breaks if row["status"] in ("active", "restore_requested")),
        },
        "cases": {"count": len(cases)},
        "liabilities": {"count": len(liabilities), "in_force": count(liabilities, status="active")},
    }
    # A reader who may not see the case facts gets rows without them, and no count of them either.
    if all("integrity_problem_confirmed" in case for case in cases):
        totals["cases"]["integrity_problem_confirmed"] = count(cases, integrity_problem_confirmed=True)
    if kind == UNIT:
        notices = sections.get("notices", [])
        items = sections.get("items", [])
        totals["notices"] = {"count": len(notices), "closed": count(notices, status="closed")}
        totals["items"] = {
            "count": len(items),
            "closed": count(items, status="closed"),
            "on_time": count(items, on_time=True),
            "late": count(items, on_time=False),
        }
        totals["risk_lists"] = {"count": len(sections.get("risk_lists", []))}
        totals["ratings"] = {"count": len(sections.get("ratings", []))}
    return totals


def archive_build(*, year: int, units=None, persons=None) -> dict[Subject, dict]:
    """The live archive of `year` for every unit and every person (or only the given `units` and
    `persons`: None means all of that kind, an empty list none), keyed by Subject.

    Set-based: one values() query per source (fourteen at most, whatever the number of units and
    persons), grouped by subject id in Python; never a query per subject.
    """
    from cases.models import Case, CasePerson, Liability
    from ratings.models import RatingRound, UnitRating
    from rectification.models import RectificationItem, RectificationNotice
    from risk.models import Alert, CircuitBreak, RiskList
    from supervision.models import Finding

    unit_ids, person_ids = _ids(units), _ids(persons)
    start, end = year_bounds(year)
    first_day, next_first_day = date(year, 1, 1), date(year + 1, 1, 1)
    today = timezone.localdate()

    def of_units(field: str = "unit_id") -> Q | None:
        return None if unit_ids is None else Q(**{f"{field}__in": unit_ids})

    def of_persons(field: str = "person_id") -> Q | None:
        return None if person_ids is None else Q(**{f"{field}__in": person_ids})

    # Subjects.
    unit_qs = Unit.objects.all() if unit_ids is None else Unit.objects.filter(pk__in=unit_ids)
    unit_rows = list(unit_qs.order_by("path").values("id", "code", "name", "kind", "is_active"))
    person_qs = Person.objects.all() if person_ids is None else Person.objects.filter(pk__in=person_ids)
    person_rows = list(
        person_qs.order_by("unit__path", "badge_number").values(
            "id", "badge_number", "name", "unit_id", "unit__name", "category", "rank", "is_active", "user__username"
        )
    )
    wanted_units = {row["id"] for row in unit_rows}
    wanted_persons = {row["id"] for row in person_rows}

    # Findings found in the year: of the units, and those the persons are involved in.
    finding_person = Finding.persons.through
    person_findings = (
        None
        if person_ids is None
        else Q(pk__in=finding_person.objects.filter(person_id__in=person_ids).values("finding_id"))
    )
    findings_qs = Finding.objects.filter(
        _either(of_units(), person_findings), found_on__gte=first_day, found_on__lt=next_first_day
    )
    finding_rows = list(
        findings_qs.order_by("found_on", "id").values(
            "id",
            "unit_id",
            "unit__name",
            "category__code",
            "category__name",
            "severity",
            "source",
            "found_on",
            "description",
        )
    )
    persons_of_finding: dict[int, list[dict]] = defaultdict(list)
    for row in (
        finding_person.objects.filter(finding__in=findings_qs.values("pk"))
        .order_by("finding_id", "person__badge_number")
        .values("finding_id", "person_id", "person__name")
    ):
        persons_of_finding[row["finding_id"]].append({"id": row["person_id"], "name": row["person__name"]})

    # The issued notices that carry those findings: a finding's status is its latest notice's.
    notices_of_finding: dict[int, list[dict]] = defaultdict(list)
    for row in (
        RectificationNotice.findings.through.objects.filter(finding__in=findings_qs.values("pk"))
        .exclude(rectificationnotice__status=RectificationNotice.Status.DRAFT)
        .order_by("finding_id", "rectificationnotice__issued_at", "rectificationnotice_id")
        .values(
            "finding_id",
            "rectificationnotice__status",
            "rectificationnotice__doc_year",
            "rectificationnotice__doc_number",
        )
    ):
        notices_of_finding[row["finding_id"]].append(row)

    # Notices issued in the year (drafts were never served) and their items: units only.
    notices_qs = RectificationNotice.objects.filter(
        _either(of_units()), issued_at__gte=start, issued_at__lt=end
    ).exclude(status=RectificationNotice.Status.DRAFT)
    notice_rows = list(
        notices_qs.order_by("issued_at", "id").values(
            "id", "unit_id", "doc_year", "doc_number", "title", "status", "deadline", "issued_at", "closed_at"
        )
    )
    item_rows = list(
        RectificationItem.objects.filter(notice__in=notices_qs.values("pk"))
        .order_by("notice_id", "id")
        .values(
            "id",
            "notice_id",
            "unit_id",
            "problem",
            "status",
            "closure",
            "deadline",
            "closed_at",
            "submitted_at",
            "responsible_person__name",
        )
    )

    # Alerts of the year's monthly assessments: of the units, or of the persons.
    alert_rows = list(
        Alert.objects.filter(
            _either(of_units(), of_persons()),
            assessment__month__gte=first_day,
            assessment__month__lt=next_first_day,
        )
        .order_by("assessment__month", "id")
        .values(
            "id",
            "unit_id",
            "person_id",
            "person__name",
            "person__badge_number",
            "grade",
            "index",
            "status",
            "assessment__month",
        )
    )

    # Circuit breaks tripped in the year: of the units, or on the persons' accounts.
    keys_of_person = {
        row["id"]: {key for key in (row["user__username"], row["badge_number"]) if key} for row in person_rows
    }
    person_scopes = (CircuitBreak.ScopeKind.USER, CircuitBreak.ScopeKind.ACCOUNT)
    on_accounts = (
        None
        if person_ids is None
        else Q(scope_kind__in=person_scopes, scope_key__in=sorted(set().union(*keys_of_person.values())))
    )
    break_rows = list(
        CircuitBreak.objects.filter(_either(of_units(), on_accounts), tripped_at__gte=start, tripped_at__lt=end)
        .order_by("tripped_at", "id")
        .values(
            "id",
            "unit_id",
            "unit__name",
            "scope_kind",
            "scope_key",
            "model__code",
            "model__name_zh",
            "status",
            "tripped_at",
            "restored_at",
        )
    )

    # Quarterly risk-alert lists of the year's quarters: units only.
    list_rows = list(
        RiskList.objects.filter(_either(of_units()), quarter__startswith=f"{year}Q")
        .order_by("quarter", "id")
        .values(
            "id",
            "unit_id",
            "quarter",
            "entries",
            "notice__status",
            "notice__doc_year",
            "notice__doc_number",
            "notice__deadline",
        )
    )

    # Cases opened in the year: of the units, or concerning the persons. Never the title, the facts or
    # the conclusion.
    person_cases = (
        None if person_ids is None else Q(pk__in=CasePerson.objects.filter(person_id__in=person_ids).values("case_id"))
    )
    cases_qs = Case.objects.filter(_either(of_units(), person_cases), opened_at__gte=start, opened_at__lt=end)
    case_rows = list(
        cases_qs.order_by("opened_at", "id").values(
            "id",
            "number",
            "unit_id",
            "unit__name",
            "category",
            "severity",
            "status",
            "source",
            "misconduct_date",
            "opened_at",
            "concluded_at",
            "closed_at",
            "integrity_problem_confirmed",
        )
    )
    links_of_case: dict[int, list[dict]] = defaultdict(list)
    for row in (
        CasePerson.objects.filter(case__in=cases_qs.values("pk"))
        .order_by("case_id", "id")
        .values("case_id", "person_id", "responsibility", "action")
    ):
        links_of_case[row["case_id"]].append(row)

    # Liability records in force at some time in the year: of the units (the person's unit on the
    # date of the misconduct), or of the persons. Without their reason text.
    liability_rows = list(
        Liability.objects.filter(
            _either(of_units(), of_persons()), start_date__lt=next_first_day, end_date__gte=first_day
        )
        .order_by("start_date", "id")
        .values(
            "id",
            "case__number",
            "person_id",
            "person__name",
            "person__badge_number",
            "unit_id",
            "unit__name",
            "level",
            "consequence",
            "action",
            "start_date",
            "end_date",
            "status",
            "ended_on",
        )
    )

    # The unit's result in the year's rating round, once the round is published: units only.
    rating_rows = list(
        UnitRating.objects.filter(_either(of_units()), round__year=year, round__status=RatingRound.Status.PUBLISHED)
        .order_by("unit_id")
        .values("unit_id", "round__year", "score", "rank", "grade", "vetoed", "round__published_at")
    )

    # --- grouped by subject, in Python ----------------------------------------------------------
    by_unit: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    by_person: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    for row in finding_rows:
        carried = notices_of_finding.get(row["id"], [])
        involved = persons_of_finding.get(row["id"], [])
        finding = {
            "id": row["id"],
            "unit": row["unit__name"],
            "category": row["category__code"],
            "category_name": row["category__name"],
            "severity": row["severity"],
            "source": row["source"],
            "found_on": _day(row["found_on"]),
            "description": row["description"],
            "persons": [person["name"] for person in involved],
            "status": carried[-1]["rectificationnotice__status"] if carried else FINDING_NOT_HANDED_OVER,
            "notices": [
                document_number(n["rectificationnotice__doc_year"], n["rectificationnotice__doc_number"])
                for n in carried
            ],
        }
        if row["unit_id"] in wanted_units:
            by_unit[row["unit_id"]]["findings"].append(finding)
        for person in involved:
            if person["id"] in wanted_persons:
                by_person[person["id"]]["findings"].append(finding)

    items_of_notice: dict[int, list[dict]] = defaultdict(list)
    for row in item_rows:
        items_of_notice[row["notice_id"]].append(row)
    for row in notice_rows:
        number = document_number(row["doc_year"], row["doc_number"])
        items = items_of_notice.get(row["id"], [])
        by_unit[row["unit_id"]]["notices"].append(
            {
                "id": row["id"],
                "number": number,
                "title": row["title"],
                "status": row["status"],
                "deadline": _day(row["deadline"]),
                "issued_on": _local_day(row["issued_at"]),
                "closed_on": _local_day(row["closed_at"]) if row["status"] == "closed" else None,
                "item_count": len(items),
            }
        )
        for sequence, item in enumerate(items, start=1):
            by_unit[item["unit_id"]]["items"].append(
                {
                    "id": item["id"],
                    "notice_number": number,
                    "sequence": sequence,
                    "problem": item["problem"],
                    "responsible_person": item["responsible_person__name"],
                    "status": item["status"],
                    "closure": item["closure"],
                    "deadline": _day(item["deadline"]),
                    "closed_on": _local_day(item["closed_at"]) if item["status"] == "closed" else None,
                    "on_time": _item_on_time(item, today),
                }
            )

    for row in alert_rows:
        alert = {
            "id": row["id"],
            "month": f"{row['assessment__month']:%Y-%m}",
            "person": row["person__name"],
            "badge_number": row["person__badge_number"],
            "grade": row["grade"],
            "index": _decimal(row["index"]),
            "status": row["status"],
        }
        if row["unit_id"] in wanted_units:
            by_unit[row["unit_id"]]["alerts"].append(alert)
        if row["person_id"] in wanted_persons:
            by_person[row["person_id"]]["alerts"].append(alert)

    persons_of_key: dict[str, set[int]] = defaultdict(set)
    for person_id, keys in keys_of_person.items():
        for key in keys:
            persons_of_key[key].add(person_id)
    for row in break_rows:
        breaker = {
            "id": row["id"],
            "unit": row["unit__name"],
            "scope_kind": row["scope_kind"],
            "scope_key": row["scope_key"],
            "model": row["model__code"],
            "model_name": row["model__name_zh"],
            "status": row["status"],
            "tripped_at": _local_minute(row["tripped_at"]),
            "restored_at": _local_minute(row["restored_at"]),
        }
        if row["unit_id"] in wanted_units:
            by_unit[row["unit_id"]]["circuit_breaks"].append(breaker)
        if row["scope_kind"] in person_scopes:
            for person_id in sorted(persons_of_key.get(row["scope_key"], ())):
                by_person[person_id]["circuit_breaks"].append(breaker)

    for row in list_rows:
        by_unit[row["unit_id"]]["risk_lists"].append(
            {
                "id": row["id"],
                "quarter": row["quarter"],
                "notice_number": document_number(row["notice__doc_year"], row["notice__doc_number"]),
                "status": row["notice__status"],
                "deadline": _day(row["notice__deadline"]),
                "entry_count": len(row["entries"] or []),
            }
        )

    for row in case_rows:
        case = {
            "id": row["id"],
            "number": row["number"],
            "unit": row["unit__name"],
            "category": row["category"],
            "severity": row["severity"],
            "status": row["status"],
            "source": row["source"],
            "misconduct_date": _day(row["misconduct_date"]),
            "opened_on": _local_day(row["opened_at"]),
            "concluded_on": _local_day(row["concluded_at"]),
            "closed_on": _local_day(row["closed_at"]),
            "integrity_problem_confirmed": row["integrity_problem_confirmed"],
        }
        links = links_of_case.get(row["id"], [])
        if row["unit_id"] in wanted_units:
            by_unit[row["unit_id"]]["cases"].append({**case, "person_count": len(links)})
        for link in links:
            if link["person_id"] in wanted_persons:
                by_person[link["person_id"]]["cases"].append(
                    {**case, "responsibility": link["responsibility"], "action": link["action"]}
                )

    for row in liability_rows:
        liability = {
            "id": row["id"],
            "case_number": row["case__number"],
            "person": row["person__name"],
            "badge_number": row["person__badge_number"],
            "unit": row["unit__name"],
            "level": row["level"],
            "consequence": row["consequence"],
            "action": row["action"],
            "start_date": _day(row["start_date"]),
            "end_date": _day(row["end_date"]),
            "status": row["status"],
            "ended_on": _day(row["ended_on"]),
        }
        if row["unit_id"] in wanted_units:
            by_unit[row["unit_id"]]["liabilities"].append(liability)
        if row["person_id"] in wanted_persons:
            by_person[row["person_id"]]["liabilities"].append(liability)

    for row in rating_rows:
        by_unit[row["unit_id"]]["ratings"].append(
            {
                "year": row["round__year"],
                "score": _decimal(row["score"]),
                "rank": row["rank"],
                "grade": row["grade"],
                "vetoed": row["vetoed"],
                "published_on": _local_day(row["round__published_at"]),
            }
        )

    # --- one archive per subject --------------------------------------------------------------------
    def archive(kind: str, subject: dict, grouped: dict[str, list]) -> dict:
        sections = {name: grouped.get(name, []) for name in SECTIONS[kind]}
        return {
            "schema": SCHEMA_VERSION,
            "kind": str(kind),
            "year": year,
            "built_on": today.isoformat(),
            "subject": subject,
            "sections": sections,
            "totals": archive_totals(kind, sections),
        }

    result: dict[Subject, dict] = {}
    for row in unit_rows:
        subject = {
            "id": row["id"],
            "code": row["code"],
            "name": row["name"],
            "unit_kind": row["kind"],
            "is_active": row["is_active"],
        }
        result[Subject(str(UNIT), row["id"])] = archive(UNIT, subject, by_unit.get(row["id"], {}))
    for row in person_rows:
        subject = {
            "id": row["id"],
            "name": row["name"],
            "badge_number": row["badge_number"],
            "unit_id": row["unit_id"],
            "unit": row["unit__name"],
            "category": row["category"],
            "rank": row["rank"],
            "is_active": row["is_active"],
        }
        result[Subject(str(PERSON), row["id"])] = archive(PERSON, subject, by_person.get(row["id"], {}))
    return result


# --- freezing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreezeResult:
    year: int
    created: int
    existing: int


@transaction.atomic
def archive_freeze(*, year, actor=None) -> FreezeResult:
    """Freeze the archive of an ended `year`: one snapshot for every unit and every person that has
    none for that year yet. An existing snapshot is never rewritten, so a second run creates nothing.
    `actor` is None for the year-end task; a person freezing by hand must be an administrator.
    One audit event per run, with the counts."""
    year = archive_year_validate(year, ended=True)
    if actor is not None and not user_has_role(actor, Role.ADMIN):
        raise NotPermitted(_("Only an administrator can freeze an archive."))
    frozen = ArchiveSnapshot.objects.filter(year=year).values_list("kind", "unit_id", "person_id")
    existing = {Subject(kind, unit_id if kind == UNIT else person_id) for kind, unit_id, person_id in frozen}
    built = archive_build(year=year)
    stamp = timezone.now()
    snapshots = [
        ArchiveSnapshot(
            kind=subject.kind,
            unit_id=subject.id if subject.kind == UNIT else None,
            person_id=subject.id if subject.kind == PERSON else None,
            year=year,
            data=data,
            digest=archive_digest(data),
            frozen_at=stamp,
            frozen_by=actor,
        )
        for subject, data in built.items()
        if subject not in existing
    ]
    try:
        with transaction.atomic():
            ArchiveSnapshot.objects.bulk_create(snapshots, batch_size=500)
    except IntegrityError:
        # A concurrent run froze one of these subjects first: this run writes nothing at all.
        raise DomainError(
            _("Another freeze of %(year)s ran at the same time. Run it again: it freezes whatever is still missing.")
            % {"year": year},
            field="year",
        ) from None
    created = len(snapshots)
    counts = {
        "year": year,
        "created": created,
        "existing": len(built) - created,
        "units": sum(1 for s in built if s.kind == UNIT),
        "persons": sum(1 for s in built if s.kind == PERSON),
    }
    audit_record(
        actor=actor,
        action="archive.freeze",
        object_type="archive.archivesnapshot",
        object_id=str(year),
        object_repr=_("Integrity archive %(year)s") % {"year": year},
        changes=counts,
    )
    return FreezeResult(year=year, created=created, existing=counts["existing"])


# --- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveRecord:
    """One subject's archive of one year, as archive_for returns it."""

    kind: str
    subject: Unit | Person
    year: int
    data: dict
    frozen: bool
    frozen_at: datetime | None = None
    frozen_by: str = ""
    digest: str = ""
    # For a frozen archive: whether the stored digest still matches its data (False: tampered with).
    intact: bool | None = None

    @property
    def subject_name(self) -> str:
        return self.subject.name


def subject_kind_of(subject: Unit | Person) -> str:
    if isinstance(subject, Unit):
        return str(UNIT)
    if isinstance(subject, Person):
        return str(PERSON)
    raise TypeError(f"not an archive subject: {subject!r}")


def _user_name(user) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def archive_for(subject: Unit | Person, year) -> ArchiveRecord:
    """The archive of `subject` for `year`: the frozen snapshot when there is one (flagged frozen, with
    its time, digest, and whether the digest still matches the data), else the live build."""
    year = archive_year_validate(year)
    kind = subject_kind_of(subject)
    lookup = {"unit": subject} if kind == UNIT else {"person": subject}
    snapshot = (
        ArchiveSnapshot.objects.filter(year=year, kind=kind, **lookup).select_related("frozen_by__person").first()
    )
    if snapshot is not None:
        return ArchiveRecord(
            kind=kind,
            subject=subject,
            year=year,
            data=snapshot.data,
            frozen=True,
            frozen_at=snapshot.frozen_at,
            frozen_by=_user_name(snapshot.frozen_by),
            digest=snapshot.digest,
            intact=archive_digest(snapshot.data) == snapshot.digest,
        )
    if kind == UNIT:
        built = archive_build(year=year, units=[subject], persons=[])
    else:
        built = archive_build(year=year, units=[], persons=[subject])
    return ArchiveRecord(kind=kind, subject=subject, year=year, data=built[Subject(kind, subject.pk)], frozen=False)
