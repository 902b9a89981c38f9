"""Reads for notices, handovers, items and look-backs, starting from the data scope.

A notice is visible to those whose scope covers its unit, and to the recipients of its handovers
(the business lead department sits outside the unit's own chain).
"""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import user_sees_all, visible_units
from rectification.models import Handover, ItemRequest, LookBack, RectificationItem, RectificationNotice


def _authenticated(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def notice_visible_to(user) -> QuerySet[RectificationNotice]:
    base = RectificationNotice.objects.select_related("unit", "business_area", "created_by", "issued_by")
    if not _authenticated(user):
        return base.none()
    if user_sees_all(user):
        return base
    units = visible_units(user).values("pk")
    handed_over = Handover.objects.filter(recipient_unit__in=units).values("notice_id")
    return base.filter(Q(unit__in=units) | Q(pk__in=handed_over))


def handover_visible_to(user) -> QuerySet[Handover]:
    return Handover.objects.select_related(
        "notice__unit", "party_organization", "recipient_unit", "acknowledged_by"
    ).filter(notice__in=notice_visible_to(user).values("pk"))


def item_visible_to(user) -> QuerySet[RectificationItem]:
    base = RectificationItem.objects.select_related(
        "notice", "unit", "responsible_department", "responsible_person", "responsible_leader", "finding__category"
    )
    if not _authenticated(user):
        return base.none()
    if user_sees_all(user):
        return base
    units = visible_units(user).values("pk")
    handed_over = Handover.objects.filter(recipient_unit__in=units).values("notice_id")
    return base.filter(Q(unit__in=units) | Q(notice_id__in=handed_over))


def item_request_visible_to(user) -> QuerySet[ItemRequest]:
    return ItemRequest.objects.select_related("item__notice", "item__unit", "requested_by", "decided_by").filter(
        item__in=item_visible_to(user).values("pk")
    )


def look_back_visible_to(user) -> QuerySet[LookBack]:
    return LookBack.objects.select_related("notice__unit", "assigned_to").filter(
        notice__in=notice_visible_to(user).values("pk")
    )


def handovers_awaiting(user) -> QuerySet[Handover]:
    """Pending handovers this user may acknowledge: the party side for party secretaries, the
    business side for leaders of the lead department."""
    if not _authenticated(user):
        return Handover.objects.none()
    party_units = visible_units(user, roles=(Role.PARTY_SECRETARY,)).values("pk")
    business_units = visible_units(user, roles=(Role.UNIT_LEADER,)).values("pk")
    return (
        Handover.objects.select_related("notice__unit", "recipient_unit")
        .filter(status=Handover.Status.PENDING)
        .filter(
            Q(side=Handover.Side.PARTY, recipient_unit__in=party_units)
            | Q(side=Handover.Side.BUSINESS, recipient_unit__in=business_units)
        )
    )


def notice_item_counts(notices: QuerySet) -> QuerySet:
    """Annotate item, closed and overdue counts in the same query. Overdue means what the item
    list's `overdue` filter means: still with the unit (open) and past its deadline today."""
    today = timezone.localdate()
    return notices.annotate(
        item_count=Count("items", distinct=True),
        closed_count=Count("items", filter=Q(items__status=RectificationItem.Status.CLOSED), distinct=True),
        overdue_count=Count(
            "items",
            filter=Q(items__status=RectificationItem.Status.OPEN, items__deadline__lt=today),
            distinct=True,
        ),
    )
