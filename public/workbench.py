"""What waits for supervisors from the public: new feedback on published summaries."""

from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_has_role
from core.workbench import WorkbenchRow, WorkbenchSection
from public.selectors import feedback_new_for

LIMIT = 50


def public_feedback_to_handle(user):
    """Supervisors: new public feedback in their scope, oldest first (turn into a finding or dismiss)."""
    if not user_has_role(user, Role.SUPERVISOR):
        return None
    feedback = list(feedback_new_for(user).order_by("submitted_at", "pk")[:LIMIT])
    if not feedback:
        return None
    return WorkbenchSection(
        "public_feedback",
        _("Public feedback"),
        [
            WorkbenchRow(
                title=f"{item.summary.title[:30]} · {item.text[:50]}",
                url=f"/public/feedback/{item.pk}/",
                unit_name=item.unit.name,
            )
            for item in feedback
        ],
    )


PROVIDERS = [public_feedback_to_handle]
