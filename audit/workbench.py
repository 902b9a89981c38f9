from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_has_role
from audit.models import AuditCheck
from core.workbench import WorkbenchRow, WorkbenchSection


def broken_audit_chain(user) -> WorkbenchSection | None:
    """Administrators and discipline inspectors must act when the last chain check failed."""
    if not user_has_role(user, Role.ADMIN, Role.DISCIPLINE_INSPECTOR):
        return None
    last = AuditCheck.objects.first()
    if last is None or last.is_intact:
        return None
    return WorkbenchSection(
        key="audit_chain",
        title=_("Operation log integrity"),
        rows=[
            WorkbenchRow(
                title=_("The operation log chain is broken: %(message)s") % {"message": last.message},
                url=reverse("audit:event_list"),
                due_date=last.check_date,
            )
        ],
    )
