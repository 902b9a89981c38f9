"""A small two-brigade world for the access-control test (tests/test_access_control.py).

The organisation is the root conftest's (same codes, same personas, built with the same factories and
`make_persona`). For every resource there is one object in brigade A (squad A1, the brigade leader's
and party secretary's side) and one in brigade B (squad B1, the outsider's side): whichever side a
persona does not cover is "foreign" to it.

Rows are made directly (as dashboard/tests/factories.py does) where the workflow does not matter to
scope, and through the services where the services make the rows the API reads (findings, evidence).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import BusinessArea, DataScope, PartyOrganization, Person, Position, Role, Unit
from accounts.tests.factories import PersonFactory, UnitFactory
from cases.models import Liability
from conftest import make_persona
from dashboard.tests import factories as rows
from ratings.models import RatingAdjustment, RatingRound, UnitRating
from rectification.models import Handover, ItemRequest, LookBack, RectificationNotice
from risk.models import AllowlistEntry, RiskList, RiskScore, SubjectKind
from risk.tests.alert_factories import make_alert, make_assessment
from risk.tests.factories import record
from supervision.models import ClueTransfer, Inspection
from supervision.tests.factories import make_finding, upload

PERSONAS = (
    "supervisor",
    "discipline_inspector",
    "brigade_leader",
    "party_secretary",
    "committee_member",
    "api_client_user",
    "outsider",
)


@dataclass
class Side:
    """The objects of one brigade (all in its squad unless said otherwise)."""

    brigade: Unit
    squad: Unit
    objects: dict = field(default_factory=dict)


@dataclass
class World:
    org: object
    users: dict
    a: Side
    b: Side
    # persona -> the unit ids it may see (computed here from the tree, not by the app's selectors)
    scope_unit_ids: dict = field(default_factory=dict)

    def side_for_foreign(self, persona: str) -> Side | None:
        """The side whose objects lie outside the persona's scope (None: it sees every unit)."""
        scope = self.scope_unit_ids[persona]
        if scope is None:
            return None
        return self.b if self.a.squad.pk in scope else self.a


def build_org():
    """The tree of the root conftest `org` fixture, plus a party organisation for brigade B."""
    from types import SimpleNamespace

    zd = UnitFactory(code="ZD", name="测试支队", kind=Unit.Kind.DETACHMENT)
    committee = PartyOrganization.objects.create(name="支队党委", kind=PartyOrganization.Kind.COMMITTEE, unit=zd)
    jcs = UnitFactory(code="JCS", name="监察室", kind=Unit.Kind.DEPARTMENT, parent=zd)
    jw = UnitFactory(code="JW", name="纪委", kind=Unit.Kind.DEPARTMENT, parent=zd)
    cg = UnitFactory(code="CG", name="车管科", kind=Unit.Kind.DEPARTMENT, parent=zd)
    a = UnitFactory(code="A", name="一大队", kind=Unit.Kind.BRIGADE, parent=zd)
    a1 = UnitFactory(code="A1", name="一大队一中队", kind=Unit.Kind.SQUAD, parent=a)
    a2 = UnitFactory(code="A2", name="一大队二中队", kind=Unit.Kind.SQUAD, parent=a)
    b = UnitFactory(code="B", name="二大队", kind=Unit.Kind.BRIGADE, parent=zd)
    b1 = UnitFactory(code="B1", name="二大队一中队", kind=Unit.Kind.SQUAD, parent=b)
    branch_a = PartyOrganization.objects.create(
        name="一大队党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, unit=a, parent=committee
    )
    branch_b = PartyOrganization.objects.create(
        name="二大队党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, unit=b, parent=committee
    )
    Unit.objects.filter(pk__in=[a.pk, a1.pk, a2.pk]).update(party_organization=branch_a)
    Unit.objects.filter(pk__in=[b.pk, b1.pk]).update(party_organization=branch_b)
    BusinessArea.objects.filter(code=BusinessArea.Code.VEHICLE_ADMIN).update(lead_department=cg)
    for unit in (a, a1, a2, b, b1):
        unit.refresh_from_db()
    return SimpleNamespace(
        zd=zd,
        jcs=jcs,
        jw=jw,
        cg=cg,
        a=a,
        a1=a1,
        a2=a2,
        b=b,
        b1=b1,
        committee=committee,
        branch_a=branch_a,
        branch_b=branch_b,
    )


def build_personas(org) -> dict:
    return {
        "supervisor": make_persona("supervisor", Role.SUPERVISOR, org.jcs, DataScope.ALL),
        "discipline_inspector": make_persona("inspector", Role.DISCIPLINE_INSPECTOR, org.jw, DataScope.ALL),
        "brigade_leader": make_persona("brigade_leader", Role.UNIT_LEADER, org.a, DataScope.UNIT_AND_BELOW),
        "party_secretary": make_persona("party_secretary", Role.PARTY_SECRETARY, org.a, DataScope.UNIT_AND_BELOW),
        "committee_member": make_persona("committee", Role.COMMITTEE, org.zd, DataScope.ALL),
        "api_client_user": make_persona("api_client", Role.API_CLIENT, org.zd, DataScope.ALL),
        "outsider": make_persona("outsider", Role.UNIT_LEADER, org.b1, DataScope.OWN_UNIT),
    }


def build_side(side: Side, *, org, users, party_org, rating_round, assessment) -> None:
    """One object of every resource in `side.squad`."""
    supervisor = users["supervisor"]
    unit = side.squad
    o = side.objects
    vehicle_admin = BusinessArea.objects.get(code=BusinessArea.Code.VEHICLE_ADMIN)

    o["person"] = person = PersonFactory(unit=unit, name=f"{unit.code}民警")
    o["position"] = Position.objects.create(
        person=person, unit=unit, level=Position.Level.OFFICER, title="民警", start_date=date(2020, 1, 1)
    )
    o["party_organization"] = party_org

    inspection = Inspection.objects.create(
        kind=Inspection.Kind.ROUTINE,
        layer="functional",
        inspection_date=date(2026, 11, 2),
        theme=f"{unit.code}日常检查",
        organizing_unit=unit,
        created_by=supervisor,
    )
    inspection.target_units.set([unit])
    o["inspection"] = inspection
    o["finding"] = finding = make_finding(actor=supervisor, unit=unit, files=[upload()])
    o["evidence"] = finding.evidence.get()
    o["clue"] = ClueTransfer.objects.create(finding=finding, reason="涉嫌违纪", transferred_by=supervisor)

    notice = RectificationNotice.objects.create(
        unit=unit,
        business_area=vehicle_admin,
        title=f"{unit.code}整改通知",
        requirements="立即整改",
        deadline=date(2026, 12, 31),
        status=RectificationNotice.Status.RECTIFYING,
        created_by=supervisor,
        issued_by=supervisor,
        issued_at=timezone.now(),
        doc_year=2026,
        doc_number=901 if unit.code == "A1" else 902,  # far above the issue sequence
    )
    notice.findings.set([finding])
    o["notice"] = notice
    # A draft notice (for issue) and a notice whose party side is pending (for acknowledge).
    o["draft_notice"] = RectificationNotice.objects.create(
        unit=unit,
        business_area=vehicle_admin,
        title=f"{unit.code}整改通知（草稿）",
        requirements="立即整改",
        deadline=date(2026, 12, 31),
        created_by=supervisor,
    )
    o["handover"] = Handover.objects.create(
        notice=notice, side=Handover.Side.PARTY, party_organization=party_org, recipient_unit=side.brigade
    )
    o["item"] = item = rows.item(
        notice=notice,
        deadline=date(2026, 12, 20),
        created_on=date(2026, 11, 3),
        creator=supervisor,
        finding=finding,
    )
    o["submitted_item"] = rows.item(
        notice=notice,
        deadline=date(2026, 12, 20),
        created_on=date(2026, 11, 3),
        creator=supervisor,
        status="submitted",
    )
    o["item_request"] = ItemRequest.objects.create(
        item=item,
        kind=ItemRequest.Kind.EXTENSION,
        reason="需要更多时间",
        new_deadline=date(2027, 1, 31),
        requested_by=supervisor,
    )
    o["look_back"] = LookBack.objects.create(notice=notice, scheduled_for=date(2026, 11, 20), assigned_to=supervisor)

    o["business_record"] = record(unit=unit)
    o["alert"] = make_alert(unit=unit, person=person)
    o["risk_score"] = RiskScore.objects.create(
        assessment=assessment,
        subject_kind=SubjectKind.PERSON,
        subject_id=person.pk,
        person=person,
        unit=unit,
        index=Decimal("70.0"),
    )
    o["unit_score"] = RiskScore.objects.create(
        assessment=assessment,
        subject_kind=SubjectKind.UNIT,
        subject_id=unit.pk,
        unit=unit,
        index=Decimal("60.0"),
    )
    o["circuit_break"] = rows.breaker(unit=unit, tripped_on=date(2026, 11, 10))
    risk_notice = RectificationNotice.objects.create(
        unit=side.brigade,
        business_area=vehicle_admin,
        title=f"{side.brigade.code}风险提醒清单",
        requirements="逐项整改",
        deadline=date(2026, 12, 31),
        created_by=supervisor,
    )
    o["risk_list"] = RiskList.objects.create(quarter="2026Q3", unit=side.brigade, notice=risk_notice, entries=[])

    o["case"] = case = rows.case(unit=unit, opened_on=date(2026, 10, 1), creator=supervisor, persons=[person])
    o["liability"] = Liability.objects.create(
        case=case,
        person=person,
        level="direct",
        unit=unit,
        reason="直接责任",
        consequence="取消评优资格",
        start_date=date(2026, 10, 1),
        end_date=date(2027, 10, 1),
    )

    o["rating"] = UnitRating.objects.create(
        round=rating_round, unit=unit, score=Decimal("90"), rank=1 if unit.code == "A1" else 2, grade="standard"
    )
    o["rating_adjustment"] = RatingAdjustment.objects.create(
        round=rating_round, unit=unit, points=Decimal("1"), reason="加分", created_by=supervisor
    )

    from public.models import PublicFeedback, PublicSummary

    o["public_summary"] = summary = PublicSummary.objects.create(
        notice=notice,
        unit=unit,
        title=f"{unit.code}整改公示",
        problems="问题",
        measures="措施",
        progress=PublicSummary.Progress.RECTIFYING,
        deadline=date(2026, 12, 31),
        progress_as_of=timezone.now(),
        published_by=supervisor,
        published_at=timezone.now(),
    )
    o["public_feedback"] = PublicFeedback.objects.create(summary=summary, unit=unit, text="仍未整改")


def build_world() -> World:
    org = build_org()
    users = build_personas(org)
    a_scope = {org.a.pk, org.a1.pk, org.a2.pk}
    scope = {
        "supervisor": None,
        "discipline_inspector": None,
        "committee_member": None,
        "api_client_user": None,
        "brigade_leader": a_scope,
        "party_secretary": a_scope,
        "outsider": {org.b1.pk},
    }
    rating_round = RatingRound.objects.create(year=2026, status=RatingRound.Status.PROPOSED)
    assessment = make_assessment(date(2026, 10, 1))
    world = World(org=org, users=users, a=Side(org.a, org.a1), b=Side(org.b, org.b1), scope_unit_ids=scope)
    build_side(world.a, org=org, users=users, party_org=org.branch_a, rating_round=rating_round, assessment=assessment)
    build_side(world.b, org=org, users=users, party_org=org.branch_b, rating_round=rating_round, assessment=assessment)
    AllowlistEntry.objects.create(
        scope_kind="account",
        scope_key="acc-allow",
        until=timezone.now() + timedelta(days=30),
        reason="测试",
        created_by=users["supervisor"],
    )
    # Year-end archives of 2025, frozen by the service (one snapshot per unit and person).
    from archive.models import ArchiveSnapshot
    from archive.services import archive_freeze

    archive_freeze(year=2025, actor=None)  # as the year-end task
    for side in (world.a, world.b):
        side.objects["archive"] = ArchiveSnapshot.objects.get(
            kind=ArchiveSnapshot.Kind.UNIT, unit=side.squad, year=2025
        )
    world.rating_round = rating_round
    world.assessment = assessment
    world.person_b_unit = Person.objects.filter(unit=org.b1).first()
    return world
