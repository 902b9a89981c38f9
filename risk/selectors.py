"""Reads for the risk engine: every list, page and API endpoint starts from these scoped querysets."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from accounts.models import DataScope, Role, Unit
from accounts.selectors import scope_filter, user_has_role, user_role_assignments, visible_units
from risk.models import (
    Alert,
    AlertVerification,
    Assessment,
    BusinessRecord,
    ModelHit,
    RiskList,
    RiskModel,
    RiskScore,
    SubjectKind,
)


def business_record_visible_to(user) -> QuerySet[BusinessRecord]:
    """Business records of the units in the user's data scope."""
    return scope_filter(BusinessRecord.objects.all(), user)


# --- alerts, assessments, scores, models and quarterly lists ----------------------------------------
#
# Who sees what:
# - supervisors, discipline inspectors, the party committee and administrators see the alerts, person
#   and unit scores of the units in their scope (post scores span units: only with scope "all");
# - a unit leader sees the CONFIRMED alerts of the units in their scope, and those units' own scores.
#   A pending alert is an unverified suspicion: it is for the two verifiers (and those they report
#   to) only, so a leader cannot act on, or warn about, what may yet be dismissed; person scores are
#   withheld from leaders for the same reason (a high score is a pending alert by another name);
# - supervision models (their thresholds would teach evasion) are shown to the oversight roles only,
#   their precision figures to administrators only;
# - a quarterly list is visible to whoever sees its notice (the unit's chain and both recipients).

ALERT_OVERSIGHT_ROLES = (Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR, Role.COMMITTEE, Role.ADMIN)
ALERT_VERIFIER_ROLES = (Role.SUPERVISOR, Role.DISCIPLINE_INSPECTOR)


def _units_for(user, roles: tuple[str, ...]):
    """None when one of `roles` sees every unit; else a subquery of the unit ids in their scope."""
    if not user_has_role(user, *roles):
        return Unit.objects.none().values("pk")
    if user_has_role_for_all_units(user, roles):
        return None
    return visible_units(user, roles=roles).values("pk")


def user_has_role_for_all_units(user, roles: tuple[str, ...]) -> bool:
    """Whether one of `roles` (or superuser status, for the admin role) covers every unit."""
    if Role.ADMIN in roles and getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(a.scope == DataScope.ALL and a.role in roles for a in user_role_assignments(user))


def alert_visible_to(user) -> QuerySet[Alert]:
    base = Alert.objects.select_related("assessment", "person", "unit")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    oversight = _units_for(user, ALERT_OVERSIGHT_ROLES)
    if oversight is None:
        return base
    leader = _units_for(user, (Role.UNIT_LEADER,))
    condition = Q(unit__in=oversight)
    if leader is None:
        condition |= Q(status=Alert.Status.CONFIRMED)
    else:
        condition |= Q(status=Alert.Status.CONFIRMED, unit__in=leader)
    return base.filter(condition)


def alerts_awaiting_verification(user) -> QuerySet[Alert]:
    """Pending alerts this user may verify now: in the scope of a verifier role they hold, not yet
    verified by them, and still missing that role's verification."""
    condition = Q(pk__in=[])
    for role in ALERT_VERIFIER_ROLES:
        if not user_has_role(user, role):
            continue
        units = _units_for(user, (role,))
        role_condition = ~Q(pk__in=AlertVerification.objects.filter(role=role).values("alert_id"))
        condition |= role_condition if units is None else role_condition & Q(unit__in=units)
    return (
        alert_visible_to(user)
        .filter(condition, status=Alert.Status.PENDING)
        .exclude(pk__in=AlertVerification.objects.filter(verifier=user).values("alert_id"))
    )


def alerts_in_area(queryset: QuerySet[Alert], area: str) -> QuerySet[Alert]:
    """Alerts with a model hit in a business area (an alert belongs to every area of the models that hit
    its person in its assessment), as the dashboard's "alerts by area" counts them."""
    hits = ModelHit.objects.filter(assessment_id=OuterRef("assessment_id"), person_id=OuterRef("person_id"))
    return queryset.filter(Exists(hits.filter(model__area=area)))


def alert_finding_ids(alert_ids) -> dict[int, int]:
    """The finding each alert became (alert_to_finding records the link in its audit event)."""
    from audit.models import AuditEvent

    rows = AuditEvent.objects.filter(
        action="alert.to_finding", object_type="risk.alert", object_id__in=[str(pk) for pk in alert_ids]
    ).values_list("object_id", "changes")
    return {int(object_id): int(changes["finding"]) for object_id, changes in rows}


def assessment_visible_to(user) -> QuerySet[Assessment]:
    """Monthly assessments (their month and totals) for whoever may see any alert or score."""
    if not user_has_role(user, *ALERT_OVERSIGHT_ROLES, Role.UNIT_LEADER):
        return Assessment.objects.none()
    return Assessment.objects.all()


def risk_score_visible_to(user) -> QuerySet[RiskScore]:
    base = RiskScore.objects.select_related("assessment", "person", "post", "unit")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    oversight = _units_for(user, ALERT_OVERSIGHT_ROLES)
    if oversight is None:
        return base
    condition = Q(unit__in=oversight) & ~Q(subject_kind=SubjectKind.POST)
    leader = _units_for(user, (Role.UNIT_LEADER,))
    unit_scores = Q(subject_kind=SubjectKind.UNIT)
    condition |= unit_scores if leader is None else unit_scores & Q(unit__in=leader)
    return base.filter(condition)


def risk_model_visible_to(user) -> QuerySet[RiskModel]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return RiskModel.objects.none()
    if not user_has_role(user, *ALERT_OVERSIGHT_ROLES):
        return RiskModel.objects.none()
    return RiskModel.objects.all()


def risk_model_precision(model_ids=None) -> dict[int, dict]:
    """Per model, how many of its person hits sit in confirmed, dismissed and pending alerts, and
    its precision: confirmed / (confirmed + dismissed), None before any decision. One GROUP BY
    over the hits, each joined to the alert of its (assessment, person) by a correlated subquery."""
    alert_of_hit = Alert.objects.filter(assessment_id=OuterRef("assessment_id"), person_id=OuterRef("person_id"))
    alert_status = Subquery(alert_of_hit.values("status")[:1])
    hits = ModelHit.objects.filter(person__isnull=False)
    if model_ids is not None:
        hits = hits.filter(model_id__in=list(model_ids))
    rows = (
        hits.annotate(alert_status=alert_status)
        .values("model_id")
        .annotate(
            confirmed=Count("id", filter=Q(alert_status=Alert.Status.CONFIRMED)),
            dismissed=Count("id", filter=Q(alert_status=Alert.Status.DISMISSED)),
            pending=Count("id", filter=Q(alert_status=Alert.Status.PENDING)),
            total=Count("id"),
        )
        .order_by()
    )
    result = {}
    for row in rows:
        decided = row["confirmed"] + row["dismissed"]
        result[row["model_id"]] = {
            "hits": row["total"],
            "hits_in_confirmed_alerts": row["confirmed"],
            "hits_in_dismissed_alerts": row["dismissed"],
            "hits_in_pending_alerts": row["pending"],
            "precision": round(row["confirmed"] / decided, 3) if decided else None,
        }
    return result


def risk_list_visible_to(user) -> QuerySet[RiskList]:
    from rectification.selectors import notice_visible_to

    return RiskList.objects.select_related("unit", "notice").filter(notice__in=notice_visible_to(user).values("pk"))


# --- circuit breaks and the breaker allowlist --------------------------------------------------------
#
# A circuit break is visible to every role whose scope covers its unit: the unit's leaders (who request
# restores), supervisors (who decide them), discipline inspection, the committee, administrators and the
# business systems' API clients (scope "all": they enforce the breaks). The allowlist has no unit: it
# is for the oversight roles (supervisors and administrators maintain it; discipline inspectors and the
# committee read it, since an entry suppresses trips).


def circuit_break_visible_to(user):
    from risk.models import CircuitBreak

    return scope_filter(CircuitBreak.objects.select_related("unit", "model"), user)


def allowlist_visible_to(user):
    from risk.models import AllowlistEntry

    base = AllowlistEntry.objects.select_related("created_by__person")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if not user_has_role(user, *ALERT_OVERSIGHT_ROLES):
        return base.none()
    return base
