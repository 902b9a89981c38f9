"""Workbench sections of the cases app: what waits for discipline inspectors."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import user_has_role
from cases.models import Case
from cases.selectors import CASE_HANDLER_ROLES, case_visible_to, objections_awaiting_decision, role_units
from core.workbench import WorkbenchRow, WorkbenchSection

WORKBENCH_LIMIT = 50


def cases_in_hand(user):
    """Discipline inspectors: the open and investigating cases of their units, oldest first."""
    if not user_has_role(user, *CASE_HANDLER_ROLES):
        return None
    cases = case_visible_to(user).filter(status__in=[Case.Status.OPEN, Case.Status.INVESTIGATING])
    units = role_units(user, CASE_HANDLER_ROLES)
    if units is not None:
        cases = cases.filter(unit__in=units)
    cases = list(cases.order_by("opened_at", "pk")[:WORKBENCH_LIMIT])
    if not cases:
        return None
    return WorkbenchSection(
        "cases_in_hand",
        _("Integrity cases in hand"),
        [
            WorkbenchRow(
                title=f"{case.number} {case.title}（{case.get_status_display()}）",
                url=reverse("cases:case_detail", args=[case.pk]),
                unit_name=case.unit.name,
            )
            for case in cases
        ],
    )


def objections_to_decide(user):
    """Discipline inspectors: pending objections to liability records they may decide."""
    objections = list(objections_awaiting_decision(user).order_by("submitted_at", "pk")[:WORKBENCH_LIMIT])
    if not objections:
        return None
    return WorkbenchSection(
        "objections_to_decide",
        _("Objections to liability records to decide"),
        [
            WorkbenchRow(
                title=_("%(person)s objects to %(level)s of %(number)s")
                % {
                    "person": objection.liability.person.name,
                    "level": objection.liability.get_level_display(),
                    "number": objection.liability.case.number,
                },
                url=reverse("cases:liability_detail", args=[objection.liability_id]),
                unit_name=objection.liability.case.unit.name,
            )
            for objection in objections
        ],
    )


WORKBENCH_PROVIDERS = [cases_in_hand, objections_to_decide]
