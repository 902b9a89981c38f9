from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.models import Role
from accounts.selectors import user_has_role
from audit.models import AuditCheck
from audit.selectors import audit_event_visible_to

PAGE_SIZE = 50


@login_required
def event_list(request):
    """The operation log, newest first, paged by sequence number (no COUNT over the whole log)."""
    if not user_has_role(request.user, Role.ADMIN, Role.DISCIPLINE_INSPECTOR):
        raise PermissionDenied
    events = audit_event_visible_to(request.user).order_by("-seq")
    action = request.GET.get("action", "").strip()[:64]
    if action:
        events = events.filter(action__startswith=action)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(seq__lt=int(before))
    rows = list(events[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(
        request,
        "audit/event_list.html",
        {
            "events": rows,
            "next_before": rows[-1].seq if has_more else None,
            "action": action,
            "last_check": AuditCheck.objects.first(),
        },
    )
