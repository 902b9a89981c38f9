"""The cases part of the demo (called by `manage.py seed_demo`, in a transaction, after the risk demo).

Seven integrity cases in every state, written once through cases.services as the demo discipline
inspector (`inspector`), two of them from the clues the supervision demo transferred (the third, grave, clue
is left awaiting a decision):

- a squad leader's failure to transfer DUI cases of public servants (from a clue; serious; closed);
- an examiner who took cigarettes from candidates (from a clue; minor; concluded);
- deleted violation records of relatives' vehicles (direct; grave; under investigation);
- revoked violation records in 直属一大队一中队 in February 2026, BEFORE the brigade's commander changed
  on 2026-03-16 (accounts.demo_data.CHIEF_CHANGES): the former commander (head of the order department
  since) is implicated, not the current one; the squad leader's objection is granted and an objection
  recorded for the officer jointly responsible is pending (serious; concluded);
- intervention in accident handling on the highway (grave; every level implicated; closed);
- a window clerk's absence that proved no integrity problem (minor; concluded, no records);
- a dinner accepted from a driving school (open).

The people are chosen from the position history on each date of misconduct, so the records read like
real ones. Dates of misconduct are in 2026, before DEMO_TODAY; the services stamp the conclusion day
(today), which is where the disqualifications start.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count
from django.utils import timezone

from accounts.models import Person, Position, Unit, User
from accounts.selectors import unit_responsibility_on
from cases.models import AccountabilityAction, Case, CasePerson, Liability, LiabilityLevel, Objection
from cases.services import (
    PersonConclusion,
    case_close,
    case_conclude,
    case_open,
    case_start_investigation,
    liability_object,
    objection_decide,
)
from supervision.models import ClueTransfer

DEMO_INSPECTOR = "inspector"
DEMO_SQUAD_LEADER = "squad_leader"  # 直属一大队一中队中队长: objects to their own record
MARKER_TITLE = "中队长未按规定移送公职人员醉驾案件"

R = CasePerson.Responsibility
A = AccountabilityAction


@dataclass(frozen=True)
class PersonPlan:
    # "officer:N": the N-th police officer of the unit that day; "head": its mid-level in charge;
    # "team": its team member in charge
    who: str
    responsibility: str
    action: str
    note: str = ""


@dataclass(frozen=True)
class CasePlan:
    title: str
    unit: str
    category: str
    severity: str
    misconduct_date: date
    facts: str
    persons: tuple[PersonPlan, ...]
    state: str  # open, investigating, concluded, closed
    confirmed: bool = True
    conclusion: str = ""
    clue_of: str = ""  # the start of the clue's finding description, when opened from a clue


PLANS = [
    CasePlan(
        title=MARKER_TITLE,
        unit="DD02-ZD02",
        category="dereliction",
        severity="serious",
        misconduct_date=date(2026, 5, 18),
        facts="2026年5月查处的2起公职人员醉酒驾驶案件，中队长未按规定在期限内移送当事人所在单位纪检监察机关，"
        "案卷中无移送审批记录；分管副大队长未督促落实。",
        persons=(
            PersonPlan("head", R.DIRECT, A.ADMONISHMENT, "诫勉谈话，责令补充移送"),
            PersonPlan("team", R.LEADERSHIP, A.REMINDER_TALK, "分管领导提醒谈话"),
        ),
        state="closed",
        conclusion="经调查，中队长对2起公职人员醉驾案件未按规定移送负有直接责任，属失职行为，认定存在廉政问题；"
        "分管副大队长负领导责任。2起案件已补充移送。",
        clue_of="2起公职人员醉酒驾驶案件",
    ),
    CasePlan(
        title="驾驶人考试员收受考生香烟",
        unit="ZD-CG-CK02",
        category="bribery",
        severity="minor",
        misconduct_date=date(2026, 10, 20),
        facts="考试员在科目三考试中收受考生香烟2条（价值约800元），对部分考生评判尺度放宽。",
        persons=(PersonPlan("officer:1", R.DIRECT, A.SELF_EXAMINATION, "责令书面检查，退还财物"),),
        state="concluded",
        conclusion="经调查核实，考试员收受考生财物，情节轻微，已主动退还，认定存在廉政问题，按轻微问题处理。",
        clue_of="信访举报：驾驶人考试员",
    ),
    CasePlan(
        title="违规删除亲友车辆非现场违法记录",
        unit="DD01-ZD04",
        category="abuse_of_power",
        severity="grave",
        misconduct_date=date(2026, 6, 15),
        facts="2026年6月至8月，民警违规删除非现场交通违法记录37条，其中涉及其亲友车辆11条，删除理由均填写为“设备误拍”。",
        persons=(PersonPlan("officer:1", R.PENDING, A.NONE),),
        state="investigating",
        # Opened directly: the demo's grave clue (业务系统比对发现) stays with discipline inspection, untouched,
        # so the inspector's workbench shows a clue awaiting a decision.
    ),
    CasePlan(
        title="为亲友车辆违规撤销交通违法记录",
        unit="DD01-ZD01",
        category="favouritism",
        severity="serious",
        misconduct_date=date(2026, 2, 10),
        facts="2026年2月，民警为亲友车辆违规撤销交通违法记录5起，未执行回避规定；另一民警知情未报并协助办理撤销手续。",
        persons=(
            PersonPlan("officer:1", R.DIRECT, A.ADMONISHMENT, "诫勉谈话"),
            PersonPlan("officer:2", R.JOINT, A.WRITTEN_INQUIRY, "知情未报，函询"),
        ),
        state="concluded",
        conclusion="经调查，民警违规撤销亲友车辆交通违法记录，认定存在廉政问题；协助办理的民警负连带责任。"
        "违纪行为发生时（2026年2月）大队长尚未调整，由时任大队长承担一把手连带责任。",
    ),
    CasePlan(
        title="违规插手交通事故责任认定",
        unit="DD03-ZD02",
        category="illegal_intervention",
        severity="grave",
        misconduct_date=date(2026, 4, 8),
        facts="民警接受事故一方当事人请托，干预事故责任认定，收受当事人现金5000元；同班民警明知而未报告。",
        persons=(
            PersonPlan("officer:1", R.DIRECT, A.SANCTION, "给予党内警告、政务记过处分"),
            PersonPlan("officer:2", R.JOINT, A.CRITICISM, "通报批评"),
        ),
        state="closed",
        conclusion="经调查，民警违规插手事故处理并收受财物，问题严重，认定存在廉政问题，依规给予党纪政务处分；"
        "按严重问题追究4级连带责任。",
    ),
    CasePlan(
        title="窗口工作人员工作时间脱岗",
        unit="DD04-CK01",
        category="work_discipline",
        severity="minor",
        misconduct_date=date(2026, 9, 5),
        facts="群众反映便民服务中心窗口工作人员工作时间长时间离岗。",
        persons=(PersonPlan("officer:1", R.NONE, A.REMINDER_TALK, "提醒谈话，规范请假手续"),),
        state="concluded",
        confirmed=False,
        conclusion="经调查，当事人系经批准外出送达文书，未履行书面请假手续，不构成廉政问题，予以提醒谈话。",
    ),
    CasePlan(
        title="违规接受驾校宴请",
        unit="DD05-ZD01",
        category="eight_rules",
        severity="minor",
        misconduct_date=date(2026, 10, 30),
        facts="举报反映中队民警于2026年10月30日晚接受辖区驾校负责人宴请。",
        persons=(PersonPlan("officer:1", R.PENDING, A.NONE),),
        state="open",
    ),
]


def _officers(unit: Unit, on: date) -> list[Person]:
    """The unit's police officers on a date, in badge order (stable from run to run)."""
    held = (
        Position.objects.held_on(on)
        .filter(unit=unit, level=Position.Level.OFFICER, person__category=Person.Category.POLICE)
        .select_related("person")
        .order_by("person__badge_number")
    )
    return [position.person for position in held]


def _person(unit: Unit, on: date, who: str, *, involved: list[Person]) -> Person:
    """The person a plan names: the unit's head or team member in charge that day, or its N-th officer
    (the N-th person involved in the clue's finding, when there is one)."""
    if who == "head":
        return unit_responsibility_on(unit, on).mid_levels[0].person
    if who == "team":
        return unit_responsibility_on(unit, on).team_members[0].person
    index = int(who.split(":")[1]) - 1
    if index < len(involved):
        return involved[index]
    return _officers(unit, on)[index]


def _clue(description_start: str) -> ClueTransfer | None:
    if not description_start:
        return None
    return (
        ClueTransfer.objects.filter(finding__description__startswith=description_start, case__isnull=True)
        .select_related("finding__unit")
        .first()
    )


def _write(plan: CasePlan, inspector: User) -> Case:
    unit = Unit.objects.get(code=plan.unit)
    clue = _clue(plan.clue_of)
    involved = list(clue.finding.persons.order_by("badge_number")) if clue else []
    people = [(_person(unit, plan.misconduct_date, p.who, involved=involved), p) for p in plan.persons]
    # The services refuse a date of misconduct after today: if the clock is behind the demo's, open
    # with today and set the planned date before concluding (demo data only).
    opened_on = min(plan.misconduct_date, timezone.localdate())
    case = case_open(
        actor=inspector,
        clue=clue,
        unit=None if clue else unit,
        title=plan.title,
        category=plan.category,
        severity=plan.severity,
        misconduct_date=opened_on,
        facts=plan.facts,
        persons=[person for person, _p in people],
    )
    if opened_on != plan.misconduct_date:
        Case.objects.filter(pk=case.pk).update(misconduct_date=plan.misconduct_date)
        case.refresh_from_db()
    if plan.state == "open":
        return case
    case_start_investigation(actor=inspector, case=case)
    if plan.state == "investigating":
        return case
    case_conclude(
        actor=inspector,
        case=case,
        integrity_problem_confirmed=plan.confirmed,
        conclusion=plan.conclusion,
        persons=[
            PersonConclusion(person_id=person.pk, responsibility=p.responsibility, action=p.action, note=p.note)
            for person, p in people
        ],
    )
    if plan.state == "closed":
        case_close(actor=inspector, case=case)
    return case


def _objections(case: Case, inspector: User) -> None:
    """On the case before the change of commander: the squad leader objects to their own record (granted);
    the inspector records an objection for the officer jointly responsible (pending: another inspector
    decides it)."""
    squad_leader = User.objects.get(username=DEMO_SQUAD_LEADER)
    own = Liability.objects.filter(case=case, person__user=squad_leader).first()
    if own is not None:
        objection = liability_object(
            actor=squad_leader,
            liability=own,
            reason="2026年1月至3月本人在省公安厅脱产参加中队长轮训，中队工作由副中队长主持，未实际履行管理职责。",
        )
        objection_decide(
            actor=inspector,
            objection=objection,
            grant=True,
            comment="经核实培训通知和考勤记录，申诉人违纪行为发生期间确在脱产培训，申诉成立，撤销该连带责任记录。",
        )
    joint = Liability.objects.filter(case=case, level=LiabilityLevel.OFFICER).first()
    if joint is not None:
        liability_object(
            actor=inspector,
            liability=joint,
            reason="当事人口头申诉：仅按指令录入撤销手续，不知系亲友车辆。由纪检员代为登记，待另一名纪检员审查决定。",
        )


def seed_cases_demo() -> str:
    """Write the demo objects once; return the summary line for the seed_demo output."""
    if Case.objects.filter(title=MARKER_TITLE).exists():
        return "Cases demo: already present, nothing written."
    inspector = User.objects.get(username=DEMO_INSPECTOR)
    cases = [_write(plan, inspector) for plan in PLANS]
    _objections(cases[3], inspector)
    states = dict(Case.objects.values_list("status").annotate(n=Count("pk")).order_by())
    decisions = dict(Objection.objects.values_list("decision").annotate(n=Count("pk")).order_by())
    return (
        f"Cases demo: {len(cases)} cases ({', '.join(f'{n} {s}' for s, n in sorted(states.items()))}); "
        f"{Liability.objects.count()} liability records; objections "
        f"{', '.join(f'{n} {d}' for d, n in sorted(decisions.items()))}."
    )
