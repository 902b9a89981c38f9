"""Dual verification, dual report (双核双报) of alerts, and a confirmed alert becoming a finding.

An alert is confirmed only when two different people of the two verifier roles have each agreed:
one supervisor and one discipline inspector, each with the alert's unit in the scope of that role.
Each records agree or disagree for the alert and for every factor, with a comment. One disagreeing
verification dismisses the alert at once and its comment is kept as the reason.

Allowed transitions (Alert.Status), both in alert_verify:
    pending -> dismissed   a verifier disagrees
    pending -> confirmed   the second verifier, of the other role, agrees

The two verifications are different people and different roles by construction: AlertVerification is
unique per (alert, verifier) and per (alert, role), so a duplicate can never be written, whatever the
concurrency; the status change is claimed with a conditional UPDATE as in rectification.services.

Which supervisors verify: any holder of the supervisor role whose scope covers the alert's unit (the
supervision centre's and the inspection office's supervisors alike); the rules do not pin it to the
unit named by SUPERVISION_CENTRE_UNIT_CODE.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BusinessArea, Role
from accounts.selectors import user_has_role, user_has_role_for_unit, users_with_role_for_unit, visible_units
from audit.services import audit_record
from core.errors import DomainError, NotPermitted, TransitionNotAllowed
from core.notifications import Message, notify
from core.workbench import WorkbenchRow, WorkbenchSection
from risk.models import Alert, AlertVerification, RiskModel
from risk.selectors import ALERT_VERIFIER_ROLES, alert_finding_ids, alert_visible_to, alerts_awaiting_verification
from supervision.models import Finding, FindingCategory, Severity
from supervision.services import finding_create

ALERT_FINDING_CATEGORY = "integrity"  # 廉政: a risk alert is an integrity risk of a person
GRADE_SEVERITY = {
    Alert.Grade.RED: Severity.GRAVE,
    Alert.Grade.ORANGE: Severity.SERIOUS,
    Alert.Grade.YELLOW: Severity.GENERAL,
    Alert.Grade.BLUE: Severity.GENERAL,
}
# Stored texts (finding descriptions, list entries) are Chinese documents whatever the reader's language.
GRADE_ZH = {Alert.Grade.BLUE: "蓝色", Alert.Grade.YELLOW: "黄色", Alert.Grade.ORANGE: "橙色", Alert.Grade.RED: "红色"}
REPORTED_DAYS = 30  # how long a confirmed alert stays on the workbench of those it is reported to
WORKBENCH_LIMIT = 50


def alert_url(alert: Alert) -> str:
    """The alert's page (risk.urls "risk:alert_detail"), for notifications and the workbench."""
    return reverse("risk:alert_detail", args=[alert.pk])


def alert_factor_codes(alert: Alert) -> list[str]:
    return [factor["model"] for factor in alert.factors]


def _claim(alert: Alert, *, to: str, **changes) -> None:
    """pending -> `to` atomically, or 409 naming the status another request left it in."""
    updated = Alert.objects.filter(pk=alert.pk, status=Alert.Status.PENDING).update(status=to, **changes)
    if updated != 1:
        current = Alert.objects.filter(pk=alert.pk).values_list("status", flat=True).first() or ""
        raise TransitionNotAllowed(
            _("The alert has already been decided: it is “%(status)s”.")
            % {"status": dict(Alert.Status.choices).get(current, current)},
            current_status=current,
        )
    alert.refresh_from_db()


def _verifier_roles(actor, alert: Alert) -> list[str]:
    return [role for role in ALERT_VERIFIER_ROLES if user_has_role_for_unit(actor, (role,), alert.unit)]


def _check_factor_opinions(alert: Alert, factor_opinions: dict) -> dict[str, bool]:
    codes = alert_factor_codes(alert)
    opinions = factor_opinions or {}
    unknown = sorted(set(opinions) - set(codes))
    if unknown:
        raise DomainError(
            _("These are not factors of this alert: %(codes)s.") % {"codes": ", ".join(unknown)},
            field="factor_opinions",
        )
    missing = [code for code in codes if code not in opinions]
    if missing:
        raise DomainError(
            _("Give an opinion (agree or disagree) on every factor; missing: %(codes)s.")
            % {"codes": ", ".join(missing)},
            field="factor_opinions",
        )
    not_boolean = [code for code in codes if not isinstance(opinions[code], bool)]
    if not_boolean:
        raise DomainError(
            _("Factor opinions are true (agree) or false (disagree): %(codes)s.") % {"codes": ", ".join(not_boolean)},
            field="factor_opinions",
        )
    return {code: opinions[code] for code in codes}


@transaction.atomic
def alert_verify(
    *, actor, alert: Alert, agree: bool, comment: str, factor_opinions: dict[str, bool]
) -> AlertVerification:
    """Record the actor's verification, as a supervisor or as a discipline inspector (whichever of
    the two roles they hold for the alert's unit and is still missing). A disagreement dismisses
    the alert; the second agreement, of the other role, confirms it and reports it to the party
    committee and to discipline inspection."""
    roles = _verifier_roles(actor, alert)
    if not roles:
        raise NotPermitted(
            _("Only a supervisor or a discipline inspector responsible for %(unit)s can verify this alert.")
            % {"unit": alert.unit.name}
        )
    # The row lock serialises verifications of one alert on PostgreSQL (SQLite's IMMEDIATE
    # transactions already do): two first verifications, one of each role, arriving together must
    # not both miss the other and leave an alert with two agreements pending.
    alert.status = Alert.objects.select_for_update().filter(pk=alert.pk).values_list("status", flat=True).get()
    if alert.status != Alert.Status.PENDING:
        raise TransitionNotAllowed(
            _("The alert has already been decided: it is “%(status)s”.") % {"status": alert.get_status_display()},
            current_status=alert.status,
        )
    if not comment.strip():
        raise DomainError(_("A verification needs a comment."), field="comment")
    opinions = _check_factor_opinions(alert, factor_opinions)
    earlier = list(AlertVerification.objects.filter(alert=alert))
    if any(v.verifier_id == actor.pk for v in earlier):
        raise TransitionNotAllowed(
            _("You have already verified this alert; the second verification must come from someone else."),
            current_status=alert.status,
        )
    taken = {v.role for v in earlier}
    open_roles = [role for role in roles if role not in taken]
    if not open_roles:
        raise TransitionNotAllowed(
            _("A %(role)s has already verified this alert; the second verification must come from the other role.")
            % {"role": Role(roles[0]).label},
            current_status=alert.status,
        )
    role = open_roles[0]
    try:
        with transaction.atomic():
            verification = AlertVerification.objects.create(
                alert=alert,
                verifier=actor,
                role=role,
                agree=agree,
                factor_opinions=opinions,
                comment=comment.strip(),
            )
    except IntegrityError:  # a concurrent verification by the same person or of the same role won
        raise TransitionNotAllowed(
            _("This alert already has that verification; the second must come from the other role."),
            current_status=Alert.objects.filter(pk=alert.pk).values_list("status", flat=True).first() or "",
        ) from None
    audit_record(
        actor=actor,
        action="alert.verify",
        target=alert,
        unit_id=alert.unit_id,
        changes={"role": role, "agree": agree, "factor_opinions": opinions},
        note=comment.strip(),
    )
    other = next((v for v in earlier if v.role != role), None)
    if not agree:
        _alert_decide(actor=actor, alert=alert, to=Alert.Status.DISMISSED, reason=comment.strip())
    elif other is not None and other.agree:
        _alert_decide(actor=actor, alert=alert, to=Alert.Status.CONFIRMED)
    return verification


def _alert_decide(*, actor, alert: Alert, to: str, reason: str = "") -> None:
    _claim(alert, to=to, decided_at=timezone.now(), dismissal_reason=reason)
    audit_record(
        actor=actor,
        action="alert.confirm" if to == Alert.Status.CONFIRMED else "alert.dismiss",
        target=alert,
        unit_id=alert.unit_id,
        changes={"status": {"before": Alert.Status.PENDING, "after": to}},
        note=reason,
    )
    if to == Alert.Status.CONFIRMED:
        _alert_report(alert)


def _alert_report(alert: Alert) -> None:
    """双报: the confirmed alert goes to the party committee and to discipline inspection."""
    recipients = users_with_role_for_unit((Role.COMMITTEE, Role.DISCIPLINE_INSPECTOR), alert.unit)
    notify(
        recipient_ids=recipients.values_list("pk", flat=True),
        message=Message(
            key=f"alert:{alert.pk}:confirmed",
            title=_("Confirmed %(grade)s risk alert: %(person)s (%(unit)s)")
            % {"grade": alert.get_grade_display(), "person": alert.person.name, "unit": alert.unit.name},
            body=_alert_factor_summary(alert),
            url=alert_url(alert),
        ),
    )


def _alert_factor_summary(alert: Alert) -> str:
    return "；".join(
        _("%(name)s: %(count)s times, contribution %(contribution)s")
        % {
            "name": factor.get("name", factor["model"]),
            "count": factor.get("count"),
            "contribution": factor.get("contribution"),
        }
        for factor in alert.factors
    )


# --- a confirmed alert becomes a finding -------------------------------------------------------------


def alert_finding_description(alert: Alert) -> str:
    factors = "；".join(
        f"{factor.get('name', factor['model'])}（{factor.get('count')}次，贡献{factor.get('contribution')}）"
        for factor in alert.factors
    )
    return (
        f"{alert.assessment.month:%Y年%m月}综合研判{GRADE_ZH[alert.grade]}预警（风险指数{alert.index}），"
        f"经双核确认：{alert.person.name}（{alert.person.badge_number}）。主要风险因素：{factors}。"
        f"[预警 #{alert.pk}]"
    )


@transaction.atomic
def alert_to_finding(*, actor, alert: Alert) -> Finding:
    """A supervisor turns a confirmed alert into a finding (source: risk alert) that then enters
    the rectification workflow. Once per alert: the link is the alert's `alert.to_finding` audit
    event, checked under a lock on the alert row (SQLite's IMMEDIATE transactions serialise the same)."""
    if not user_has_role_for_unit(actor, (Role.SUPERVISOR,), alert.unit):
        raise NotPermitted(_("Only a supervisor responsible for %(unit)s can do this.") % {"unit": alert.unit.name})
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("assessment", "person__unit", "unit")
        .get(pk=alert.pk)
    )
    if alert.status != Alert.Status.CONFIRMED:
        raise TransitionNotAllowed(
            _("Only a confirmed alert can become a finding; this one is “%(status)s”.")
            % {"status": alert.get_status_display()},
            current_status=alert.status,
        )
    existing = alert_finding_ids([alert.pk]).get(alert.pk)
    if existing is not None:
        raise TransitionNotAllowed(
            _("This alert has already become finding #%(finding)s.") % {"finding": existing},
            current_status=alert.status,
        )
    category = FindingCategory.objects.filter(code=ALERT_FINDING_CATEGORY).first()
    if category is None:
        raise DomainError(
            _("The finding category “%(code)s” is missing.") % {"code": ALERT_FINDING_CATEGORY}, field="category"
        )
    finding = finding_create(
        actor=actor,
        unit=alert.unit,
        category=category,
        severity=GRADE_SEVERITY[alert.grade],
        description=alert_finding_description(alert),
        found_on=timezone.localdate(),
        source=Finding.Source.RISK_ALERT,
        business_area=alert_business_area(alert),
        persons=[alert.person] if alert.person.unit.path.startswith(alert.unit.path) else [],
    )
    audit_record(
        actor=actor,
        action="alert.to_finding",
        target=alert,
        unit_id=alert.unit_id,
        changes={"finding": finding.pk},
    )
    return finding


def alert_business_area(alert: Alert) -> BusinessArea:
    """The business area of the alert's top factor (factors are stored largest first)."""
    codes = alert_factor_codes(alert)
    area = RiskModel.objects.filter(code=codes[0]).values_list("area", flat=True).first() if codes else None
    business_area = BusinessArea.objects.filter(code=area).first() if area else None
    if business_area is None:
        raise DomainError(_("The alert's top factor names no business area."), field="business_area")
    return business_area


# --- workbench ---------------------------------------------------------------------------------------


def _alert_row(alert: Alert) -> WorkbenchRow:
    return WorkbenchRow(
        title=_("%(grade)s alert: %(person)s, index %(index)s")
        % {"grade": alert.get_grade_display(), "person": alert.person.name, "index": alert.index},
        url=alert_url(alert),
        unit_name=alert.unit.name,
    )


def alerts_to_verify(user):
    """Supervisors and discipline inspectors: pending alerts awaiting their verification."""
    if not user_has_role(user, *ALERT_VERIFIER_ROLES):
        return None
    alerts = list(alerts_awaiting_verification(user).order_by("-index", "pk")[:WORKBENCH_LIMIT])
    if not alerts:
        return None
    return WorkbenchSection("alerts_to_verify", _("Risk alerts to verify"), [_alert_row(a) for a in alerts])


def alerts_reported(user):
    """The party committee and discipline inspection: alerts confirmed (reported to them) lately."""
    if not user_has_role(user, Role.COMMITTEE, Role.DISCIPLINE_INSPECTOR):
        return None
    since = timezone.now() - timedelta(days=REPORTED_DAYS)
    units = visible_units(user, roles=(Role.COMMITTEE, Role.DISCIPLINE_INSPECTOR)).values("pk")
    alerts = list(
        alert_visible_to(user)
        .filter(status=Alert.Status.CONFIRMED, decided_at__gte=since, unit__in=units)
        .order_by("-decided_at", "-pk")[:WORKBENCH_LIMIT]
    )
    if not alerts:
        return None
    return WorkbenchSection(
        "alerts_reported", _("Confirmed risk alerts reported to you"), [_alert_row(a) for a in alerts]
    )


WORKBENCH_PROVIDERS = [alerts_to_verify, alerts_reported]
