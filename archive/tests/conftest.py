"""A crafted year for the archive tests: in unit A1 (一大队一中队) of the shared `org`, during 2026.

finding_a1      serious, 2026-11-02, in the notice of `open_item` (status: rectifying)
grave_finding   grave, 2026-03-10, the clerk involved, never handed over
old_finding     2025-12-31: belongs to 2025, not 2026
other_finding   2026, in A2: not A1's
brigade_finding 2026, in A (A1's parent): not A1's, and A's archive does not repeat A1's
two alerts      the clerk's (confirmed, 2026-10) and another person's (pending, 2026-09)
a break         on the clerk's badge number (business-account kind), 2026
a risk list     2026Q3, for A1 (carried by the notice above)
a case          concluded, integrity problem confirmed; its title, facts, conclusion and the
                note on the action carry the marker SECRET, which must never reach an archive
a liability     the clerk, 2026-07-01 .. 2027-06-30
a rating        2026 round published: A1 model, rank 1
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.tests.factories import PersonFactory, UserFactory

SECRET = "SECRET"


def set_now(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def after_2026(monkeypatch):
    """Move the clock to 2027-01-02 03:00 Asia/Shanghai, when the year-end task runs. Use it after
    the data is written (the data's own timestamps stay in 2026)."""

    def move():
        set_now(monkeypatch, dt.datetime(2027, 1, 1, 19, 0, tzinfo=dt.UTC))

    return move


@pytest.fixture
def clerk(org):
    return PersonFactory(unit=org.a1, name="办事员张某", user=UserFactory(username="clerk_zhang"))


@pytest.fixture
def crafted(today, org, supervisor, discipline_inspector, squad_leader, clerk, open_item, finding_a1):
    from cases.models import Case, CasePerson, Liability
    from ratings.models import RatingRound, UnitRating
    from risk.models import Alert, CircuitBreak, RiskList
    from risk.tests.alert_factories import make_alert, make_model
    from supervision.tests.factories import make_finding

    grave = make_finding(
        actor=supervisor,
        unit=org.a1,
        severity="grave",
        description='=HYPERLINK("http://evil")违规办理业务',
        found_on=dt.date(2026, 3, 10),
        persons=[clerk],
    )
    old = make_finding(actor=supervisor, unit=org.a1, description="去年的问题", found_on=dt.date(2025, 12, 31))
    other = make_finding(actor=supervisor, unit=org.a2, description="二中队的问题", found_on=dt.date(2026, 5, 1))
    brigade = make_finding(actor=supervisor, unit=org.a, description="大队机关的问题", found_on=dt.date(2026, 5, 2))

    confirmed = make_alert(unit=org.a1, person=clerk, status=Alert.Status.CONFIRMED, grade=Alert.Grade.ORANGE)
    pending = make_alert(
        unit=org.a1, month=dt.date(2026, 9, 1), status=Alert.Status.PENDING, grade=Alert.Grade.YELLOW, index="55.0"
    )
    breaker = CircuitBreak.objects.create(
        scope_kind=CircuitBreak.ScopeKind.ACCOUNT,
        scope_key=clerk.badge_number,
        unit=org.a1,
        model=make_model("t-deletes"),
        evidence={},
    )
    risk_list = RiskList.objects.create(
        quarter="2026Q3", unit=org.a1, notice=open_item.notice, entries=[{"title": "条目一"}, {"title": "条目二"}]
    )
    case = Case.objects.create(
        number="纪案〔2026〕1号",
        title=f"{SECRET}-TITLE 张某收受红包",
        source=Case.Source.DIRECT,
        unit=org.a1,
        category="bribery",
        severity="serious",
        misconduct_date=dt.date(2026, 6, 1),
        facts=f"{SECRET}-FACTS 收受红包二千元",
        conclusion=f"{SECRET}-CONCLUSION 给予诫勉谈话",
        status=Case.Status.CONCLUDED,
        integrity_problem_confirmed=True,
        opened_by=discipline_inspector,
        concluded_at=timezone.now(),
    )
    CasePerson.objects.create(
        case=case, person=clerk, responsibility="direct", action="admonishment", action_note=f"{SECRET}-NOTE"
    )
    liability = Liability.objects.create(
        case=case,
        person=clerk,
        level="direct",
        unit=org.a1,
        reason=f"{SECRET}-REASON 直接责任",
        consequence="取消晋职晋级评优评先资格12个月",
        action="admonishment",
        start_date=dt.date(2026, 7, 1),
        end_date=dt.date(2027, 6, 30),
    )
    rating_round = RatingRound.objects.create(
        year=2026, status=RatingRound.Status.PUBLISHED, published_at=timezone.now()
    )
    UnitRating.objects.create(round=rating_round, unit=org.a1, score=Decimal("88.500"), rank=1, grade="model")
    return SimpleNamespace(
        finding=finding_a1,
        grave=grave,
        old=old,
        other=other,
        brigade=brigade,
        item=open_item,
        notice=open_item.notice,
        confirmed=confirmed,
        pending=pending,
        breaker=breaker,
        risk_list=risk_list,
        case=case,
        liability=liability,
        round=rating_round,
    )
