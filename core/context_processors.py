from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.selectors import user_roles
from cases.selectors import CASE_ROLES
from core.models import Notification
from dashboard.roles import DASHBOARD_ROLES
from public.selectors import FEEDBACK_ROLES as PUBLIC_STAFF_ROLES
from reports.selectors import PAGE_ROLES as REPORT_PAGE_ROLES
from risk.selectors import ALERT_OVERSIGHT_ROLES
from supervision.selectors import CLUE_ROLES

ADMIN_ROLES = {Role.ADMIN, Role.DISCIPLINE_INSPECTOR}
RISK_OVERSIGHT_ROLES = set(ALERT_OVERSIGHT_ROLES)
RISK_READER_ROLES = {*ALERT_OVERSIGHT_ROLES, Role.UNIT_LEADER}

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
            (_("Public summaries"), "public:summary_list", set(PUBLIC_STAFF_ROLES)),
            (_("Public feedback"), "public:feedback_list", set(PUBLIC_STAFF_ROLES)),
        ],
    ),
    (
        _("Risk"),
        [
            (_("Risk alerts"), "risk:alert_list", RISK_READER_ROLES),
            (_("Monthly assessments"), "risk:assessment_list", RISK_READER_ROLES),
            (_("Circuit breaks"), "risk:breaker_list", RISK_READER_ROLES),
            (_("Breaker allowlist"), "risk:allowlist", RISK_OVERSIGHT_ROLES),
            (_("Business records"), "risk:record_list", RISK_READER_ROLES),
            (_("Supervision models"), "risk:model_list", RISK_OVERSIGHT_ROLES),
            (_("Risk-alert lists"), "risk:risk_list_list", None),
        ],
    ),
    (
        _("Integrity cases"),
        [
            (_("Cases"), "cases:case_list", set(CASE_ROLES)),
            (_("Liability records"), "cases:liability_list", None),
            (_("Liability rules"), "cases:rule_list", None),
        ],
    ),
    (_("Ratings"), [(_("Double Clean rating rounds"), "ratings:round_list", None)]),
    (
        _("Dashboard"),
        [
            (_("Committee dashboard"), "dashboard:index", set(DASHBOARD_ROLES)),
            (_("Big screen"), "dashboard:screen", set(DASHBOARD_ROLES)),
            (_("Statistics"), "dashboard:statistics", set(DASHBOARD_ROLES)),
            (_("Supervision reports"), "reports:report_list", set(REPORT_PAGE_ROLES)),
        ],
    ),
    (
        _("Organisation"),
        [
            (_("Units"), "org:unit_list", None),
            (_("Persons"), "org:person_list", None),
            # Everyone: the archives of the units in scope, or at least one's own (archive.selectors).
            (_("Integrity archive"), "archive:index", None),
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
        "unread_notifications": _unread_badge(user),
    }


# The bell counts unread notifications up to this many and then shows "99+": a committee member can hold
# thousands (deadline escalations), and counting them all cost 18 ms on every page (bench B6).
UNREAD_SHOWN = 99


def _unread_badge(user) -> int | str:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by()[: UNREAD_SHOWN + 1].count()
    return unread if unread <= UNREAD_SHOWN else f"{UNREAD_SHOWN}+"
