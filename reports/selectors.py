"""Who reads the generated reports. A report covers the whole detachment, so a role reads it only
where its data scope is all units: the party committee, supervisors, discipline inspectors and
administrators (and the report client through the API); supervisors and administrators generate.
Which edition a reader gets: the full one where a role of theirs reads the case figures for all units
(dashboard.roles.CASE_FULL_ROLES), else the one without case figures."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile

from accounts.models import Role
from dashboard.roles import CASE_FULL_ROLES
from reports.models import GeneratedReport

READER_ROLES = (Role.COMMITTEE, Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR, Role.ADMIN, Role.API_CLIENT)
PAGE_ROLES = (Role.COMMITTEE, Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR, Role.ADMIN)
GENERATOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def user_reads_all_of(user, roles: tuple[str, ...]) -> bool:
    """Whether the user holds one of `roles` with a data scope of all units."""
    from risk.selectors import user_has_role_for_all_units

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user_has_role_for_all_units(user, roles)


def report_visible_to(user) -> QuerySet[GeneratedReport]:
    reports = GeneratedReport.objects.select_related("generated_by__person")
    return reports if user_reads_all_of(user, READER_ROLES) else reports.none()


@dataclass(frozen=True)
class Edition:
    """The file of a report that one reader gets, with its digest and size (None: not written)."""

    file: FieldFile
    sha256: str
    size: int | None
    case_free: bool

    @property
    def exists(self) -> bool:
        return bool(self.file)


def user_reads_case_figures(user) -> bool:
    return user_reads_all_of(user, CASE_FULL_ROLES)


def report_edition(report: GeneratedReport, user) -> Edition:
    """The edition of `report` for `user` (who already reads it: report_visible_to)."""
    if user_reads_case_figures(user):
        return Edition(report.file, report.sha256, report.size, case_free=False)
    return Edition(report.case_free_file, report.case_free_sha256, report.case_free_size, case_free=True)
