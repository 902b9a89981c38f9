from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_has_role
from core.workbench import WorkbenchRow, WorkbenchSection
from supervision.models import ClueTransfer
from supervision.selectors import clue_visible_to


def clues_to_dispose(user):
    """Discipline inspectors: transferred clues awaiting their disposal."""
    if not user_has_role(user, Role.DISCIPLINE_INSPECTOR):
        return None
    clues = list(clue_visible_to(user).filter(status=ClueTransfer.Status.TRANSFERRED).order_by("transferred_at")[:50])
    if not clues:
        return None
    return WorkbenchSection(
        "clues",
        _("Clues to dispose of"),
        [
            WorkbenchRow(
                title=str(clue.finding), url=f"/supervision/clues/{clue.pk}/", unit_name=clue.finding.unit.name
            )
            for clue in clues
        ],
    )
