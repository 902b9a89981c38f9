"""Who may read which integrity archive, and what of it they see.

- Unit archives: the units in the user's scope through one of ARCHIVE_ROLES (supervisors,
  discipline inspectors, the party committee, administrators, and unit leaders and party
  secretaries for their own units).
- Person archives: the persons whose (current) unit is in that scope; and everybody sees their own.
- Outside the scope: 404, as for every other object.

What a reader sees of an archive follows the rules of the apps the records come from, so the
archive never shows more than their own pages would:

- alerts not yet confirmed (pending dual verification, or dismissed) only to the alert oversight
  roles (supervisors, discipline inspectors, committee, administrators) over the subject's unit, as
  risk.selectors.alert_visible_to; others see the confirmed alerts;
- integrity cases as cases.selectors decides: in full (number, category, severity, status, dates,
  persons' responsibility and action) to discipline inspectors, the committee and administrators
  over the unit; to unit leaders and party secretaries only that a case exists in a unit (number,
  severity, status, dates: no category, no persons), so a person's archive shows them no case
  rows; to a person reading their own file, their cases once concluded; to anyone else (a
  supervisor) none. The facts, title and conclusion are never in an archive at all;
- liability records to the case readers and unit leaders over the unit, and to the person concerned.

Totals are recomputed from what is shown. The frozen snapshot itself always holds everything, so
its digest covers it all.
"""

from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Person, Role, Unit
from accounts.permissions import get_visible_or_404
from accounts.selectors import user_has_role, visible_units
from archive.models import ArchiveSnapshot
from archive.services import PERSON, UNIT, ArchiveRecord, archive_totals
from cases.selectors import CASE_EXISTENCE_ROLES, CASE_READER_ROLES, LIABILITY_UNIT_ROLES
from risk.selectors import ALERT_OVERSIGHT_ROLES, user_has_role_for_all_units

# A case is shown to the person it concerns (reading their own file) once it has reached these.
CASE_SETTLED_STATUSES = ("concluded", "closed")

ARCHIVE_ROLES = (
    Role.SUPERVISOR,
    Role.DISCIPLINE_INSPECTOR,
    Role.COMMITTEE,
    Role.ADMIN,
    Role.UNIT_LEADER,
    Role.PARTY_SECRETARY,
)


def _authenticated(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def archive_units_visible_to(user) -> QuerySet[Unit]:
    """Units whose archive the user may read."""
    return visible_units(user, roles=ARCHIVE_ROLES)


def archive_persons_visible_to(user) -> QuerySet[Person]:
    """Persons whose archive the user may read: those of the units above, and the user themself."""
    base = Person.objects.select_related("unit", "user")
    if not _authenticated(user):
        return base.none()
    return base.filter(Q(unit__in=archive_units_visible_to(user).values("pk")) | Q(user=user))


def snapshot_visible_to(user) -> QuerySet[ArchiveSnapshot]:
    """Frozen snapshots of the units and persons above (one SQL condition, no per-row checks)."""
    base = ArchiveSnapshot.objects.select_related("unit", "person__unit", "frozen_by__person")
    if not _authenticated(user):
        return base.none()
    units = archive_units_visible_to(user).values("pk")
    return base.filter(
        Q(kind=UNIT, unit__in=units) | Q(kind=PERSON, person__unit__in=units) | Q(kind=PERSON, person__user=user)
    )


def access_archive_subject(user, kind: str, pk) -> Unit | Person:
    """The unit or person whose archive is asked for, or 404 (unknown kind, unknown id, outside scope)."""
    if kind == UNIT:
        return get_visible_or_404(archive_units_visible_to(user), pk)
    if kind == PERSON:
        return get_visible_or_404(archive_persons_visible_to(user), pk)
    raise Http404


# How much of the case rows a reader sees (mirroring cases.selectors).
CASES_FULL = "full"  # discipline inspectors, committee, administrators for the unit
CASES_EXISTENCE = "existence"  # unit leaders, party secretaries: that a case exists, not its facts
CASES_CONCLUDED = "concluded"  # the person concerned, reading their own file: once concluded
CASES_NONE = "none"  # everyone else (supervisors: cases are not theirs)
# Case fields that are facts of the case (cases.selectors hides them from the existence roles).
CASE_FACT_FIELDS = ("category", "source", "integrity_problem_confirmed", "person_count", "responsibility", "action")


@dataclass(frozen=True)
class ArchiveView:
    """What one reader sees of one archive; `as_dict()` goes into the data the reader gets."""

    alerts: str  # "all" or "confirmed"
    cases: str  # one of CASES_*
    liabilities: bool

    def as_dict(self) -> dict:
        return {"alerts": self.alerts, "cases": self.cases, "liabilities": "all" if self.liabilities else "none"}


FULL_VIEW = ArchiveView(alerts="all", cases=CASES_FULL, liabilities=True)


@dataclass(frozen=True)
class ArchiveReader:
    """A user's reading rights over archives, by the unit of the subject (the unit, or the person's
    current unit); each set is None when it covers every unit."""

    user_id: int | None
    alert_units: set[int] | None
    case_reader_units: set[int] | None
    case_existence_units: set[int] | None
    liability_units: set[int] | None

    @staticmethod
    def _covers(units: set[int] | None, unit_id: int) -> bool:
        return units is None or unit_id in units

    def view(self, kind: str, unit_id: int, *, is_self: bool = False) -> ArchiveView:
        if self._covers(self.case_reader_units, unit_id):
            cases = CASES_FULL
        elif self._covers(self.case_existence_units, unit_id):
            # A person's case rows would say that the person is concerned: a fact of the case.
            cases = CASES_EXISTENCE if kind == UNIT else (CASES_CONCLUDED if is_self else CASES_NONE)
        elif is_self:
            cases = CASES_CONCLUDED
        else:
            cases = CASES_NONE
        return ArchiveView(
            alerts="all" if self._covers(self.alert_units, unit_id) else "confirmed",
            cases=cases,
            liabilities=is_self or self._covers(self.liability_units, unit_id),
        )

    def view_of_record(self, record: ArchiveRecord) -> ArchiveView:
        unit_id = subject_unit_id(record.kind, record.subject)
        is_self = record.kind == PERSON and self.user_id is not None and record.subject.user_id == self.user_id
        return self.view(record.kind, unit_id, is_self=is_self)


def _unit_ids(user, roles: tuple[str, ...]) -> set[int] | None:
    if not _authenticated(user) or not user_has_role(user, *roles):
        return set()
    if user_has_role_for_all_units(user, roles):
        return None
    return set(visible_units(user, roles=roles).values_list("pk", flat=True))


def archive_reader(user) -> ArchiveReader:
    """A user's reading rights: a few queries at most, none for roles that cover every unit."""
    return ArchiveReader(
        user_id=user.pk if _authenticated(user) else None,
        alert_units=_unit_ids(user, ALERT_OVERSIGHT_ROLES),
        case_reader_units=_unit_ids(user, CASE_READER_ROLES),
        case_existence_units=_unit_ids(user, CASE_EXISTENCE_ROLES),
        liability_units=_unit_ids(user, (*CASE_READER_ROLES, *LIABILITY_UNIT_ROLES)),
    )


def archive_data_for_reader(data: dict, view: ArchiveView) -> dict:
    """`data` as a reader with `view` sees it, with totals recomputed from what is left and the view
    itself under "visibility" (the page and the exports say what was left out)."""
    sections = dict(data.get("sections", {}))
    if view.alerts != "all" and "alerts" in sections:
        sections["alerts"] = [alert for alert in sections["alerts"] if alert.get("status") == "confirmed"]
    if "cases" in sections:
        if view.cases == CASES_NONE:
            sections["cases"] = []
        elif view.cases == CASES_EXISTENCE:
            sections["cases"] = [
                {key: value for key, value in case.items() if key not in CASE_FACT_FIELDS} for case in sections["cases"]
            ]
        elif view.cases == CASES_CONCLUDED:
            sections["cases"] = [case for case in sections["cases"] if case.get("status") in CASE_SETTLED_STATUSES]
    if not view.liabilities and "liabilities" in sections:
        sections["liabilities"] = []
    kind = data.get("kind", UNIT)
    return {**data, "sections": sections, "totals": archive_totals(kind, sections), "visibility": view.as_dict()}


def subject_unit_id(kind: str, subject) -> int:
    return subject.pk if kind == UNIT else subject.unit_id


def archive_record_for_reader(user, record: ArchiveRecord, *, reader: ArchiveReader | None = None) -> ArchiveRecord:
    """`record` with its data as `user` may see it (see the module docstring)."""
    reader = reader or archive_reader(user)
    return replace(record, data=archive_data_for_reader(record.data, reader.view_of_record(record)))
