from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from accounts.selectors import user_role_assignments, user_sees_all, visible_units
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
