from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.selectors import user_roles
from core.models import Notification
from supervision.selectors import CLUE_ROLES

# (label, url name, roles that see it; None = every signed-in user)
MENU = [
    (_("Workbench"), "core:workbench", None),
    (_("Units"), "org:unit_list", None),
    (_("Persons"), "org:person_list", None),
    # 监督检查
    (_("Inspections"), "supervision:inspection_list", None),
    (_("Findings"), "supervision:finding_list", None),
    # 整改 (look-backs are reached from the notice list and the workbench)
    (_("Notices"), "rectification:notice_list", None),
    (_("Rectification items"), "rectification:item_list", None),
    # 线索
    (_("Clues"), "supervision:clue_list", set(CLUE_ROLES)),
    (_("Operation log"), "audit:event_list", {Role.ADMIN, Role.DISCIPLINE_INSPECTOR}),
    (_("API documentation"), "swagger-ui", {Role.ADMIN, Role.API_CLIENT, Role.SUPERVISOR}),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "user_role_labels": [], "unread_notifications": 0}
    roles = user_roles(user)
    menu = []
    for label, url_name, allowed in MENU:
        if allowed is None or roles & allowed:
            url = reverse(url_name)
            menu.append(
                {
                    "label": label,
                    "url": url,
                    "active": request.path == url or (url != "/" and request.path.startswith(url)),
                }
            )
    if user.is_staff:
        menu.append({"label": _("Administration"), "url": reverse("admin:index"), "active": False})
    return {
        "menu": menu,
        "user_role_labels": [Role(role).label for role in sorted(roles)],
        "unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
