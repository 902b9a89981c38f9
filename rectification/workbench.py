"""What waits for each user in rectification, for the workbench (overdue first)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import user_has_role, visible_units
from core.workbench import WorkbenchRow, WorkbenchSection
from rectification.models import ItemRequest, LookBack, RectificationItem, RectificationNotice
from rectification.selectors import handovers_awaiting, item_visible_to, notice_visible_to

LIMIT = 50
Item = RectificationItem
Notice = RectificationNotice


def _item_row(item: Item, today) -> WorkbenchRow:
    return WorkbenchRow(
        title=item.problem[:60],
        url=f"/rectification/items/{item.pk}/",
        unit_name=item.unit.name,
        due_date=item.deadline,
        days_overdue=item.days_overdue(today),
        due_soon=item.due_state == Item.DueState.DUE_SOON,
    )


def to_acknowledge(user):
    handovers = list(handovers_awaiting(user).order_by("notice__issued_at")[:LIMIT])
    if not handovers:
        return None
    return WorkbenchSection(
        "acknowledge",
        _("Notices to acknowledge"),
        [
            WorkbenchRow(
                title=f"{h.notice.document_number} {h.notice.title} · {h.get_side_display()}",
                url=f"/rectification/notices/{h.notice_id}/",
                unit_name=h.notice.unit.name,
                due_date=h.notice.deadline,
            )
            for h in handovers
        ],
    )


def to_rectify(user):
    if not user_has_role(user, Role.UNIT_LEADER):
        return None
    today = timezone.localdate()
    units = visible_units(user, roles=(Role.UNIT_LEADER,)).values("pk")
    items = list(item_visible_to(user).filter(unit__in=units, status=Item.Status.OPEN).order_by("deadline")[:LIMIT])
    without_items = list(
        notice_visible_to(user)
        .filter(unit__in=units, status__in=[Notice.Status.ACKNOWLEDGED, Notice.Status.REOPENED])
        .order_by("deadline")[:LIMIT]
    )
    rows = [_item_row(item, today) for item in items] + [
        WorkbenchRow(
            title=_("%(number)s: break into items") % {"number": n.document_number},
            url=f"/rectification/notices/{n.pk}/",
            unit_name=n.unit.name,
            due_date=n.deadline,
        )
        for n in without_items
    ]
    return WorkbenchSection("rectify", _("To rectify"), rows) if rows else None


def to_verify(user):
    if not user_has_role(user, Role.SUPERVISOR):
        return None
    today = timezone.localdate()
    units = visible_units(user, roles=(Role.SUPERVISOR,)).values("pk")
    items = list(
        item_visible_to(user)
        .filter(unit__in=units, status=Item.Status.SUBMITTED)
        .exclude(submitted_by=user)
        .order_by("submitted_at")[:LIMIT]
    )
    return WorkbenchSection("verify", _("To verify"), [_item_row(i, today) for i in items]) if items else None


def to_look_back(user):
    horizon = timezone.localdate() + timedelta(days=7)
    look_backs = list(
        LookBack.objects.select_related("notice__unit")
        .filter(assigned_to=user, status=LookBack.Status.SCHEDULED, scheduled_for__lte=horizon)
        .order_by("scheduled_for")[:LIMIT]
    )
    if not look_backs:
        return None
    today = timezone.localdate()
    return WorkbenchSection(
        "look_back",
        _("Look-backs to do"),
        [
            WorkbenchRow(
                title=f"{lb.notice.document_number} {lb.notice.title}",
                url=f"/rectification/look-backs/{lb.pk}/",
                unit_name=lb.notice.unit.name,
                due_date=lb.scheduled_for,
                days_overdue=max((today - lb.scheduled_for).days, 0),
            )
            for lb in look_backs
        ],
    )


def requests_to_decide(user):
    kinds = []
    if user_has_role(user, Role.SUPERVISOR):
        kinds.append((ItemRequest.Kind.EXTENSION, Role.SUPERVISOR))
    if user_has_role(user, Role.COMMITTEE):
        kinds.append((ItemRequest.Kind.UNRECTIFIABLE, Role.COMMITTEE))
    rows = []
    for kind, role in kinds:
        units = visible_units(user, roles=(role,)).values("pk")
        pending = (
            ItemRequest.objects.select_related("item__unit")
            .filter(kind=kind, status=ItemRequest.Status.PENDING, item__unit__in=units)
            .exclude(requested_by=user)
            .order_by("requested_at")[:LIMIT]
        )
        rows += [
            WorkbenchRow(
                title=f"{r.get_kind_display()}: {r.item.problem[:50]}",
                url=f"/rectification/items/{r.item_id}/",
                unit_name=r.item.unit.name,
                due_date=r.new_deadline,
            )
            for r in pending
        ]
    return WorkbenchSection("requests", _("Requests to decide"), rows) if rows else None


PROVIDERS = [to_acknowledge, to_rectify, to_verify, to_look_back, requests_to_decide]
