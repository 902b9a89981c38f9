from django.db.models import Q, QuerySet

from accounts.models import Role
from accounts.selectors import user_has_role, user_sees_all, visible_units
from audit.models import AuditEvent


def audit_event_visible_to(user) -> QuerySet[AuditEvent]:
    """Administrators and discipline inspectors only, within their scope; events that belong to no
    unit (logins, settings) only for those who see all units."""
    if not user_has_role(user, Role.ADMIN, Role.DISCIPLINE_INSPECTOR):
        return AuditEvent.objects.none()
    if user_sees_all(user):
        return AuditEvent.objects.all()
    units = visible_units(user, roles=(Role.ADMIN, Role.DISCIPLINE_INSPECTOR)).values("pk")
    return AuditEvent.objects.filter(Q(unit_id__in=units))
