"""Who reads the generated reports. A report covers the whole detachment, so a role reads it only
where its data scope is all units: the party committee, supervisors, discipline inspectors and
administrators (and the report client through the API); supervisors and administrators generate."""

from django.db.models import QuerySet

from accounts.models import Role
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
