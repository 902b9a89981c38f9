from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.selectors import user_roles
from core.models import Notification
from supervision.selectors import CLUE_ROLES

ADMIN_ROLES = {Role.ADMIN, Role.DISCIPLINE_INSPECTOR}

# The menu: groups of (label, url name, roles that see it; None = every signed-in user).
# A group with one visible entry shows as a plain link, with several as a dropdown.
MENU = [
    (_("Workbench"), [(_("Workbench"), "core:workbench", None)]),
    (
        _("Supervision"),
        [
            (_("Inspections"), "supervision:inspection_list", None),
            (_("Findings"), "supervision:finding_list", None),
            (_("Clues"), "supervision:clue_list", set(CLUE_ROLES)),
        ],
    ),
    (
        _("Rectification"),
        [
            (_("Notices"), "rectification:notice_list", None),
            (_("Rectification items"), "rectification:item_list", None),
            (_("Look-back reviews"), "rectification:look_back_list", None),
        ],
    ),
    (
        _("Organisation"),
        [
            (_("Units"), "org:unit_list", None),
            (_("Persons"), "org:person_list", None),
        ],
    ),
    (
        _("System"),
        [
            (_("Operation log"), "audit:event_list", ADMIN_ROLES),
            (_("API documentation"), "swagger-ui", {Role.ADMIN, Role.API_CLIENT, Role.SUPERVISOR}),
        ],
    ),
]


def _active(request, url: str) -> bool:
    return request.path == url or (url != "/" and request.path.startswith(url))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "user_role_labels": [], "unread_notifications": 0}
    roles = user_roles(user)
    menu = []
    for group_label, entries in MENU:
        links = [
            {"label": label, "url": (url := reverse(url_name)), "active": _active(request, url)}
            for label, url_name, allowed in entries
            if allowed is None or roles & allowed
        ]
        if group_label == _("System") and user.is_staff:
            links.append({"label": _("Administration"), "url": reverse("admin:index"), "active": False})
        if links:
            menu.append({"label": group_label, "links": links, "active": any(link["active"] for link in links)})
    return {
        "menu": menu,
        "user_role_labels": [Role(role).label for role in sorted(roles)],
        "unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
