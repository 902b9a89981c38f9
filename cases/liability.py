"""Joint liability (责任连带): the liability records that a case concluded with a confirmed integrity
problem creates, under the active rule of its severity.

Who gets a record, and how (each record carries a reason that says so):

- every person concerned with DIRECT responsibility: level "direct", the rule's direct consequence and
  months; their unit on the date of the misconduct comes from the position they held that day (the
  most recently started one if several), else from their current unit;
- every person concerned with JOINT responsibility: level "officer", when the rule implicates officers;
- for each chain level the rule implicates (chief, team member in charge, mid-level in charge): the
  holder(s) that `accounts.selectors.unit_responsibility_on` finds for the unit of each directly
  responsible person ON THE DATE OF THE MISCONDUCT, from the position history, not today's posts.
  A directly responsible person is never implicated as their own chain; a person gets at most one
  record per level (when two directly responsible persons share a chief, the chief's one record names
  both).

The accountability action of a record is the one the case decided for that person when they are a
person concerned with an action other than "none"; otherwise the rule's action for the level.

Dates: a record starts on the day the case is concluded and ends `months` months later, the day
before (2026-01-15 + 6 months -> 2026-07-14; the day of the month is clamped at the month's end);
0 months still makes a record, ending on its start day.

The reasons are stored documents and are written in Chinese whatever the reader's language (as the
risk engine's finding texts are).
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from accounts.models import Person, Position, Unit
from accounts.selectors import unit_responsibility_on
from cases.models import (
    AccountabilityAction,
    Case,
    CasePerson,
    CaseSeverity,
    Liability,
    LiabilityLevel,
    LiabilityRule,
)
from core.errors import DomainError

SEVERITY_ZH = {CaseSeverity.MINOR: "轻微", CaseSeverity.SERIOUS: "较重", CaseSeverity.GRAVE: "严重"}
LEVEL_ZH = {
    LiabilityLevel.DIRECT: "直接责任人",
    LiabilityLevel.CHIEF: "一把手",
    LiabilityLevel.TEAM_MEMBER: "分管班子成员",
    LiabilityLevel.MID_LEVEL: "分管科所队室负责人（中层骨干）",
    LiabilityLevel.OFFICER: "连带责任民警",
}
ACTION_ZH = {
    AccountabilityAction.NONE: "无",
    AccountabilityAction.REMINDER_TALK: "提醒谈话",
    AccountabilityAction.INTERVIEW: "约谈",
    AccountabilityAction.WRITTEN_INQUIRY: "函询",
    AccountabilityAction.ADMONISHMENT: "诫勉谈话",
    AccountabilityAction.SELF_EXAMINATION: "责令检查",
    AccountabilityAction.CRITICISM: "通报批评",
    AccountabilityAction.DISCIPLINE_RECOMMENDATION: "纪检建议书",
    AccountabilityAction.SANCTION: "党纪政务处分",
}
# The chain levels taken from the position history, in the order their records are written.
CHAIN_LEVELS = (LiabilityLevel.CHIEF, LiabilityLevel.TEAM_MEMBER, LiabilityLevel.MID_LEVEL)
LEVEL_ORDER = {level: n for n, level in enumerate(LiabilityLevel.values)}


# --- dates -----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` moved `months` calendar months on, its day of the month clamped to the month's end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def disqualification_end(start: date, months: int) -> date:
    """The last day of a disqualification of `months` months starting on `start` (both included)."""
    if months <= 0:
        return start
    return add_months(start, months) - timedelta(days=1)


# --- the rule --------------------------------------------------------------------------------------


def active_rule_for(severity: str) -> LiabilityRule:
    """The active rule of a severity with its levels, or a DomainError that says what is missing."""
    rule = LiabilityRule.objects.filter(severity=severity, is_active=True).prefetch_related("levels").first()
    if rule is None:
        raise DomainError(
            _(
                "There is no active joint-liability rule for %(severity)s cases, so the liability records cannot "
                "be created. An administrator must set one up before this case is concluded."
            )
            % {"severity": CaseSeverity(severity).label}
        )
    return rule


# --- who held what on the day ------------------------------------------------------------------------


def positions_on(person_ids, on_date: date) -> dict[int, Position]:
    """For each person, the position they held on `on_date` (the most recently started one if several).
    One query."""
    held = (
        Position.objects.held_on(on_date)
        .filter(person_id__in=list(person_ids))
        .select_related("unit")
        .order_by("person_id", "-start_date", "-pk")
    )
    best: dict[int, Position] = {}
    for position in held:
        best.setdefault(position.person_id, position)
    return best


def _months_text(months: int) -> str:
    return f"资格取消期限{months}个月" if months > 0 else "不设资格取消期限"


def _where(person: Person, position: Position | None) -> str:
    if position is None:
        return f"无任职记录，按现所在单位{person.unit.name}认定"
    return f"任{position.unit.name}{position.title or position.get_level_display()}"


@dataclass
class PlannedRecord:
    person: Person
    level: str
    unit: Unit
    position: Position | None
    consequence: str
    action: str
    months: int
    reason: str = ""
    # chain levels: the directly responsible persons and their units that implicate this holder
    through: list[tuple[Person, Unit]] = field(default_factory=list)


def plan_liabilities(*, case: Case, rule: LiabilityRule) -> list[PlannedRecord]:
    """The records a confirmed case creates under `rule` (nothing is written). The persons concerned
    must carry their concluded responsibility and action."""
    case_persons = list(CasePerson.objects.filter(case=case).select_related("person__unit").order_by("pk"))
    decided_action = {
        cp.person_id: cp.action for cp in case_persons if cp.action and cp.action != AccountabilityAction.NONE
    }
    on = case.misconduct_date
    held = positions_on([cp.person_id for cp in case_persons], on)
    levels = {level.level: level for level in rule.levels.all()}
    severity = SEVERITY_ZH.get(case.severity, case.severity)
    rule_text = f"依据“{severity}”问题责任连带规则"

    direct = [cp for cp in case_persons if cp.responsibility == CasePerson.Responsibility.DIRECT]
    joint = [cp for cp in case_persons if cp.responsibility == CasePerson.Responsibility.JOINT]
    direct_ids = {cp.person_id for cp in direct}
    planned: dict[tuple[int, str], PlannedRecord] = {}

    def action_for(person_id: int, rule_action: str) -> tuple[str, str]:
        if person_id in decided_action:
            action = decided_action[person_id]
            return action, f"问责方式按本案决定：{ACTION_ZH.get(action, action)}"
        return rule_action, f"问责方式按规则：{ACTION_ZH.get(rule_action, rule_action)}"

    for cp in direct:
        position = held.get(cp.person_id)
        action, action_text = action_for(cp.person_id, AccountabilityAction.NONE)
        if cp.person_id not in decided_action:
            action_text = "本案未决定问责方式"
        months = rule.direct_disqualification_months
        planned[(cp.person_id, LiabilityLevel.DIRECT)] = PlannedRecord(
            person=cp.person,
            level=LiabilityLevel.DIRECT,
            unit=position.unit if position else cp.person.unit,
            position=position,
            consequence=rule.direct_consequence,
            action=action,
            months=months,
            reason=(
                f"{case.number}（{severity}）认定{cp.person.name}对廉政问题负直接责任；违纪行为发生之日（{on:%Y-%m-%d}）"
                f"{_where(cp.person, position)}。{rule_text}：{rule.direct_consequence}，{_months_text(months)}；"
                f"{action_text}。"
            ),
        )

    officer_level = levels.get(LiabilityLevel.OFFICER)
    if officer_level is not None:
        for cp in joint:
            position = held.get(cp.person_id)
            action, action_text = action_for(cp.person_id, officer_level.action)
            months = officer_level.disqualification_months
            planned[(cp.person_id, LiabilityLevel.OFFICER)] = PlannedRecord(
                person=cp.person,
                level=LiabilityLevel.OFFICER,
                unit=position.unit if position else cp.person.unit,
                position=position,
                consequence=officer_level.consequence,
                action=action,
                months=months,
                reason=(
                    f"{case.number}（{severity}）认定{cp.person.name}负连带责任；违纪行为发生之日（{on:%Y-%m-%d}）"
                    f"{_where(cp.person, position)}。{rule_text}，民警连带：{officer_level.consequence}，"
                    f"{_months_text(months)}；{action_text}。"
                ),
            )

    chain_levels = [level for level in CHAIN_LEVELS if level in levels]
    if chain_levels:
        responsibility_of: dict[int, object] = {}
        for cp in direct:
            position = held.get(cp.person_id)
            unit = position.unit if position else cp.person.unit
            if unit.pk not in responsibility_of:
                responsibility_of[unit.pk] = unit_responsibility_on(unit, on)
            responsibility = responsibility_of[unit.pk]
            holders_by_level = {
                LiabilityLevel.CHIEF: responsibility.chiefs,
                LiabilityLevel.TEAM_MEMBER: responsibility.team_members,
                LiabilityLevel.MID_LEVEL: responsibility.mid_levels,
            }
            for level in chain_levels:
                rule_level = levels[level]
                for holder in holders_by_level[level]:
                    if holder.person_id in direct_ids:
                        continue  # never implicated as their own chain
                    key = (holder.person_id, level)
                    record = planned.get(key)
                    if record is None:
                        action, _text = action_for(holder.person_id, rule_level.action)
                        record = planned[key] = PlannedRecord(
                            person=holder.person,
                            level=level,
                            unit=holder.unit,
                            position=holder,
                            consequence=rule_level.consequence,
                            action=action,
                            months=rule_level.disqualification_months,
                        )
                    record.through.append((cp.person, unit))

    for record in planned.values():
        if record.level not in CHAIN_LEVELS:
            continue
        holder = record.position
        names = "、".join(dict.fromkeys(person.name for person, _unit in record.through))
        units = "、".join(dict.fromkeys(unit.name for _person, unit in record.through))
        _action, action_text = action_for(record.person.pk, levels[record.level].action)
        record.reason = (
            f"{case.number}（{severity}）：直接责任人{names}违纪行为发生之日（{on:%Y-%m-%d}）所在单位为{units}；"
            f"{record.person.name}当日任{holder.unit.name}{holder.title or holder.get_level_display()}"
            f"（{holder.start_date:%Y-%m-%d}起），承担{LEVEL_ZH[record.level]}连带责任。"
            f"{rule_text}：{record.consequence}，{_months_text(record.months)}；{action_text}。"
        )

    return sorted(planned.values(), key=lambda r: (LEVEL_ORDER[r.level], r.person.pk))


def liabilities_create(*, case: Case, rule: LiabilityRule, start: date) -> list[Liability]:
    """Write the planned records of a confirmed case, all starting on `start`. Runs once per case:
    the conclusion's state claim guarantees it (and the unique (case, person, level) constraint
    would refuse a second run)."""
    records = [
        Liability(
            case=case,
            person=planned.person,
            level=planned.level,
            unit=planned.unit,
            position=planned.position,
            reason=planned.reason,
            consequence=planned.consequence,
            action=planned.action,
            start_date=start,
            end_date=disqualification_end(start, planned.months),
        )
        for planned in plan_liabilities(case=case, rule=rule)
    ]
    for record in records:
        record.save()  # one by one, so each record gets its history row
    return records
