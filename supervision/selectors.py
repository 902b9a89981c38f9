"""Reads for inspections, findings, evidence and clues, always starting from the data scope.

A notice's business lead department sees the notice, its findings and their evidence even when the
unit is outside its own scope: it is one of the two recipients of the handover.
"""

from django.db.models import Q, QuerySet

from accounts.models import Role
from accounts.selectors import scope_filter, user_sees_all, visible_units
from supervision.models import ClueTransfer, Evidence, Finding, FindingCategory, Inspection

CLUE_ROLES = (Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR, Role.COMMITTEE, Role.ADMIN)


def _handed_over_finding_ids(user):
    from rectification.models import Handover

    units = visible_units(user).values("pk")
    return Handover.objects.filter(recipient_unit__in=units).values("notice__findings")


def inspection_visible_to(user) -> QuerySet[Inspection]:
    base = Inspection.objects.select_related("organizing_unit", "created_by")
    if user_sees_all(user):
        return base
    units = visible_units(user).values("pk")
    visible_ids = Inspection.objects.filter(Q(organizing_unit__in=units) | Q(target_units__in=units)).values("pk")
    return base.filter(pk__in=visible_ids)


def finding_visible_to(user) -> QuerySet[Finding]:
    base = Finding.objects.select_related("unit", "category", "business_area", "inspection", "created_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user_sees_all(user):
        return base
    units = visible_units(user).values("pk")
    return base.filter(Q(unit__in=units) | Q(pk__in=_handed_over_finding_ids(user)))


def evidence_visible_to(user) -> QuerySet[Evidence]:
    """Evidence of visible findings and of visible rectification items."""
    from rectification.selectors import item_visible_to

    base = Evidence.objects.select_related("uploaded_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user_sees_all(user):
        return base
    return base.filter(
        Q(finding__in=finding_visible_to(user).values("pk"))
        | Q(progress_update__item__in=item_visible_to(user).values("pk"))
    )


def clue_visible_to(user) -> QuerySet[ClueTransfer]:
    """Clue transfers are kept from the unit concerned: supervision, discipline, committee, admin."""
    return scope_filter(
        ClueTransfer.objects.select_related("finding__unit", "transferred_by", "disposed_by"),
        user,
        unit_field="finding__unit",
        roles=CLUE_ROLES,
    )


def category_choices() -> QuerySet[FindingCategory]:
    return FindingCategory.objects.filter(is_active=True)
