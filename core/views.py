from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import user_role_assignments, user_sees_all, visible_units
from core.models import Notification
from core.workbench import workbench_sections


@login_required
def workbench(request):
    """工作台: what waits for the user, overdue first. Later modules register their sections."""
    sections = workbench_sections(request.user)
    return render(
        request,
        "core/workbench.html",
        {
            "sections": sections,
            "pending_total": sum(len(section.rows) for section in sections),
            "assignments": user_role_assignments(request.user),
            "sees_all": user_sees_all(request.user),
            "visible_unit_count": visible_units(request.user).count(),
        },
    )


@require_GET
def healthz(request):
    """Liveness for the container healthcheck: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    """A Chinese explanation instead of Django's bare English CSRF page (still HTTP 403)."""
    return render(request, "403_csrf.html", status=403)


def favicon(request):
    """Browsers that ask for /favicon.ico get the SVG icon (resolved per request: the static
    manifest exists only after collectstatic)."""
    return redirect(static("favicon.svg"), permanent=True)


@login_required
def notification_list(request):
    """The user's own notifications, newest first; opening the page does not mark them read."""
    notifications = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "core/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    """Mark one (`id`) or all of the user's notifications read; only their own."""
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    if request.POST.get("id", "").isdigit():
        unread = unread.filter(pk=int(request.POST["id"]))
    unread.update(read_at=timezone.now())
    return redirect("core:notification_list")
