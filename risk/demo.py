"""The risk engine's part of the demo (called by `manage.py seed_demo`, after the business records).

Everything goes through the services, as of the demo's today (accounts.demo_data.DEMO_TODAY), so the
demo shows what production would: the monthly assessments of the seeded months, the circuit breaks
that the morning's records trip, alerts in every state of the dual verification, and the quarterly
risk-alert lists generated from the confirmed alerts. Written once: nothing happens when an
assessment already exists.
"""

from datetime import date, datetime, time

from django.db.models import Count
from django.utils import timezone

from accounts.demo_data import DEMO_TODAY
from accounts.models import User
from risk.alerts import alert_factor_codes, alert_verify
from risk.breakers import breakers_run
from risk.lists import risk_lists_generate
from risk.models import Alert, Assessment, BusinessRecord, CircuitBreak, RiskList
from risk.services import assessment_run

DEMO_SUPERVISOR = "supervisor"
DEMO_INSPECTOR = "inspector"


def _months_with_records() -> list[date]:
    months = [moment.date() for moment in BusinessRecord.objects.datetimes("accepted_at", "month")]
    this_month = DEMO_TODAY.replace(day=1)
    return [month for month in months if month < this_month]


def _quarter_of(month: date) -> str:
    return f"{month.year}Q{(month.month - 1) // 3 + 1}"


def _verify_examples(supervisor: User, inspector: User) -> dict[str, int]:
    """Per grade, confirm the highest alert, dismiss the next and half-verify the one after, so the
    alert pages show every state; the rest stay pending."""
    done = {"confirmed": 0, "dismissed": 0, "half": 0}
    for grade in (Alert.Grade.RED, Alert.Grade.ORANGE, Alert.Grade.YELLOW, Alert.Grade.BLUE):
        alerts = list(Alert.objects.filter(grade=grade).order_by("-index", "pk")[:3])
        for position, alert in enumerate(alerts):
            opinions_yes = dict.fromkeys(alert_factor_codes(alert), True)
            if position == 0:
                alert_verify(
                    actor=supervisor,
                    alert=alert,
                    agree=True,
                    comment="核查业务流水属实。",
                    factor_opinions=opinions_yes,
                )
                alert_verify(
                    actor=inspector,
                    alert=alert,
                    agree=True,
                    comment="经纪检核实，情况属实。",
                    factor_opinions=opinions_yes,
                )
                done["confirmed"] += 1
            elif position == 1:
                alert_verify(
                    actor=inspector,
                    alert=alert,
                    agree=False,
                    comment="系正常业务高峰（集中清理积压），不属违规。",
                    factor_opinions=dict.fromkeys(alert_factor_codes(alert), False),
                )
                done["dismissed"] += 1
            else:
                alert_verify(
                    actor=supervisor,
                    alert=alert,
                    agree=True,
                    comment="初步核查属实，待纪检复核。",
                    factor_opinions=opinions_yes,
                )
                done["half"] += 1
    return done


def seed_risk_demo() -> dict | None:
    """Assess the seeded months, run the breakers, verify example alerts and generate the lists of
    the quarters that have ended; None when an assessment already exists."""
    if Assessment.objects.exists():
        return None
    supervisor = User.objects.get(username=DEMO_SUPERVISOR)
    inspector = User.objects.get(username=DEMO_INSPECTOR)
    months = _months_with_records()
    for month in months:
        assessment_run(month=month, actor=supervisor)
    now = timezone.make_aware(datetime.combine(DEMO_TODAY, time(10, 30)))
    breakers = breakers_run(now=now)
    verified = _verify_examples(supervisor, inspector)
    this_quarter = _quarter_of(DEMO_TODAY.replace(day=1))
    quarters = sorted({_quarter_of(month) for month in months} - {this_quarter})
    for quarter in quarters:
        risk_lists_generate(quarter=quarter, issuer=supervisor)
    return {
        "months": [f"{month:%Y-%m}" for month in months],
        "alerts": dict(Alert.objects.values_list("grade").annotate(n=Count("id")).order_by("grade")),
        "verified": verified,
        "breakers": len(breakers.created),
        "active_breakers": CircuitBreak.objects.filter(status=CircuitBreak.Status.ACTIVE).count(),
        "lists": RiskList.objects.filter(quarter__in=quarters).count(),
    }


def risk_summary_line(result: dict | None) -> str:
    if result is None:
        return "Risk engine demo: already present, nothing written."
    grades = ", ".join(f"{count} {grade}" for grade, count in result["alerts"].items())
    return (
        f"Risk engine demo: assessed {', '.join(result['months'])}; alerts {grades}; "
        f"verified {result['verified']}; {result['breakers']} circuit breaks; {result['lists']} quarterly lists."
    )
