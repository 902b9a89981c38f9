"""Template tags the pages of other apps use to link to cases (small, read-only, scoped)."""

from django import template

from accounts.selectors import user_has_role_for_unit
from cases.models import Case
from cases.selectors import CASE_HANDLER_ROLES, case_visible_to

register = template.Library()


@register.inclusion_tag("cases/_clue_case.html", takes_context=True)
def clue_case_panel(context, clue):
    """On a clue's page: the case opened from it (when the viewer may see it), or an "open a case"
    button for a discipline inspector of the clue's unit."""
    user = context["request"].user
    case = case_visible_to(user).filter(clue=clue).first()
    may_open = (
        case is None
        and not Case.objects.filter(clue=clue).exists()
        and user_has_role_for_unit(user, CASE_HANDLER_ROLES, clue.finding.unit)
    )
    return {"clue": clue, "case": case, "may_open": may_open}
