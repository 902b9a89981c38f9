"""The quarterly risk-alert lists (廉政预警风险提醒清单 / 清单整改销号).

Each second-level unit (brigades and detachment departments) gets, per quarter, a list of its risks
from three sources in its subtree:
- alerts CONFIRMED during the quarter (by their decision time, so every confirmed alert lands in
  exactly one list even when the last month's alerts are verified after the quarter ends);
- GRAVE findings found during the quarter, except those whose source is a risk alert (those stand
  for alerts, already listed through the first source, or are entries of an earlier list);
- HIGH-risk posts (Post.risk_level high) whose holders had model hits in the quarter's monthly
  assessments.
A unit with no entries gets no list.

A list is issued like a notice, through the rectification services: one finding per entry (source
"risk alert", in the second-level unit), then notice_create and notice_issue by a supervisor. The
notice's requirements name every entry; the unit breaks the notice into items through the normal
flow, one item per entry (the item names the entry's finding). An entry is closed out when its
items are, and the list is closed out (销号) when every entry is; the notice closes with its last
item, as any notice does.

Idempotent per quarter: RiskList is unique per (quarter, unit) and a unit that has its list is
skipped, so a re-run creates nothing new. Each unit is generated in its own transaction: a unit
that cannot be issued (no party organisation, no lead department for the area) is reported and
left for the next run without stopping the others.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BusinessArea, DataScope, Person, Post, Role, Unit, User
from accounts.selectors import user_has_role
from audit.services import audit_record
from core.calendar import add_working_days
from core.errors import DomainError, NotPermitted
from rectification.services import notice_create, notice_issue
from risk.alerts import GRADE_SEVERITY, GRADE_ZH
from risk.models import Alert, ModelHit, RiskList, RiskModel
from supervision.models import Finding, FindingCategory, Severity
from supervision.services import finding_create

QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")
LIST_WORKING_DAYS = 30  # rectification time of a list: a quarterly list is broader than one finding
ENTRY_CATEGORY = "integrity"  # 廉政
POST_SEVERITY = Severity.SERIOUS


class EntryKind:
    ALERT = "alert"
    GRAVE_FINDING = "grave_finding"
    HIGH_RISK_POST = "high_risk_post"


# --- quarters ------------------------------------------------------------------------------------------


def quarter_parse(quarter: str) -> tuple[int, int]:
    match = QUARTER_PATTERN.match((quarter or "").strip())
    if match is None:
        raise DomainError(
            _("A quarter is written like 2026Q3 (year, Q, 1-4); got “%(quarter)s”.") % {"quarter": quarter},
            field="quarter",
        )
    return int(match.group(1)), int(match.group(2))


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """The quarter's first day and the first day after it."""
    year, number = quarter_parse(quarter)
    start = date(year, 3 * number - 2, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return start, end


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(today: date) -> str:
    start, _end = quarter_bounds(quarter_of(today))
    return quarter_of(date.fromordinal(start.toordinal() - 1))


def quarter_label(quarter: str) -> str:
    year, number = quarter_parse(quarter)
    return f"{year}年第{'一二三四'[number - 1]}季度"


# --- the issuer ----------------------------------------------------------------------------------------


def default_issuer():
    """settings.RISK_LIST_ISSUER if set, else the first active supervisor whose scope is all units."""
    username = getattr(settings, "RISK_LIST_ISSUER", "")
    if username:
        issuer = User.objects.filter(username=username, is_active=True).first()
        if issuer is None:
            raise DomainError(
                _("RISK_LIST_ISSUER names no active user: %(username)s.") % {"username": username}, field="issuer"
            )
        return issuer
    issuer = (
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.SUPERVISOR,
            role_assignments__scope=DataScope.ALL,
            role_assignments__is_active=True,
        )
        .order_by("pk")
        .first()
    )
    if issuer is None:
        raise DomainError(_("No active supervisor with scope over all units can issue the lists."), field="issuer")
    return issuer


# --- entries -------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One line of a list, before its finding exists."""

    kind: str
    title: str
    detail: str
    severity: str
    business_area: str  # BusinessArea.Code
    category: str  # FindingCategory.code
    person_ids: list[int]
    reference: dict  # the source: {"alert": id} / {"source_finding": id} / {"post": id, ...}


@dataclass
class GenerationResult:
    quarter: str
    created: list[RiskList] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)  # units that already had their list
    failed: dict[str, str] = field(default_factory=dict)  # unit name -> reason


def _second_level_of() -> tuple[dict[int, int], dict[int, Unit]]:
    """unit id -> id of its second-level unit (itself or the nearest such ancestor), for every unit
    under one; and the second-level units by id. One query over the (small) unit tree."""
    units = list(Unit.objects.all())
    second = {u.pk: u for u in units if u.kind in Unit.SECOND_LEVEL_KINDS and u.is_active}
    owner = {}
    for unit in units:
        for ancestor_id in reversed(unit.ancestor_ids):
            if ancestor_id in second:
                owner[unit.pk] = ancestor_id
                break
    return owner, second


def _alert_entries(start: date, end: date, owner: dict[int, int]) -> dict[int, list[Entry]]:
    zone = timezone.get_current_timezone()
    alerts = (
        Alert.objects.filter(
            status=Alert.Status.CONFIRMED,
            decided_at__gte=datetime.combine(start, time.min, zone),
            decided_at__lt=datetime.combine(end, time.min, zone),
        )
        .select_related("assessment", "person", "unit")
        .order_by("-index", "pk")
    )
    alerts = list(alerts)
    top_codes = {a.factors[0]["model"] for a in alerts if a.factors}
    areas = dict(RiskModel.objects.filter(code__in=top_codes).values_list("code", "area"))
    entries: dict[int, list[Entry]] = defaultdict(list)
    for alert in alerts:
        if alert.unit_id not in owner:
            continue
        factors = "；".join(f"{f.get('name', f['model'])}（{f.get('count')}次）" for f in alert.factors)
        top = alert.factors[0]["model"] if alert.factors else ""
        entries[owner[alert.unit_id]].append(
            Entry(
                kind=EntryKind.ALERT,
                title=f"{GRADE_ZH[alert.grade]}预警：{alert.person.name}（{alert.unit.name}）",
                detail=f"{alert.assessment.month:%Y年%m月}风险指数{alert.index}，经双核确认。风险因素：{factors}。",
                severity=GRADE_SEVERITY[alert.grade],
                business_area=areas.get(top, ""),
                category=ENTRY_CATEGORY,
                person_ids=[alert.person_id],
                reference={"alert": alert.pk, "grade": alert.grade, "index": str(alert.index)},
            )
        )
    return entries


def _finding_entries(start: date, end: date, owner: dict[int, int]) -> dict[int, list[Entry]]:
    findings = (
        Finding.objects.filter(severity=Severity.GRAVE, found_on__gte=start, found_on__lt=end)
        .exclude(source=Finding.Source.RISK_ALERT)
        .select_related("unit", "category", "business_area")
        .prefetch_related("persons")
        .order_by("found_on", "pk")
    )
    entries: dict[int, list[Entry]] = defaultdict(list)
    for finding in findings:
        if finding.unit_id not in owner:
            continue
        entries[owner[finding.unit_id]].append(
            Entry(
                kind=EntryKind.GRAVE_FINDING,
                title=f"严重问题：{finding.unit.name}，{finding.category.name}（{finding.found_on:%Y-%m-%d}）",
                detail=finding.description,
                severity=Severity.GRAVE,
                business_area=finding.business_area.code,
                category=finding.category.code,
                person_ids=[p.pk for p in finding.persons.all()],
                reference={"source_finding": finding.pk},
            )
        )
    return entries


def _post_entries(start: date, end: date, owner: dict[int, int]) -> dict[int, list[Entry]]:
    """One GROUP BY over the quarter's hits of holders of high-risk posts, gathered per
    (second-level unit, post) here: the rows are bounded by the hits, not by the records."""
    rows = (
        ModelHit.objects.filter(
            assessment__month__gte=start,
            assessment__month__lt=end,
            person__post__risk_level=Post.RiskLevel.HIGH,
        )
        .values("unit_id", "person_id", "person__post_id", "model_id")
        .annotate(hits=Count("id"), records=Sum("count"))
        .order_by()
    )
    grouped: dict[tuple[int, int], dict] = {}
    for row in rows:
        if row["unit_id"] not in owner:
            continue
        key = (owner[row["unit_id"]], row["person__post_id"])
        group = grouped.setdefault(key, {"persons": set(), "hits": 0, "records": 0, "models": Counter()})
        group["persons"].add(row["person_id"])
        group["hits"] += row["hits"]
        group["records"] += row["records"] or 0
        group["models"][row["model_id"]] += row["hits"]
    if not grouped:
        return {}
    posts = Post.objects.select_related("business_area").in_bulk({post_id for _unit, post_id in grouped})
    models = RiskModel.objects.in_bulk({m for g in grouped.values() for m in g["models"]})
    entries: dict[int, list[Entry]] = defaultdict(list)
    for (unit_id, post_id), group in sorted(grouped.items(), key=lambda item: (item[0][0], -item[1]["hits"])):
        post = posts[post_id]
        ranked = [models[m] for m, _n in group["models"].most_common()]
        area = post.business_area.code if post.business_area else ranked[0].area
        entries[unit_id].append(
            Entry(
                kind=EntryKind.HIGH_RISK_POST,
                title=f"高风险岗位：{post.name}",
                detail=(
                    f"本季度该岗位{len(group['persons'])}人被监管模型命中{group['hits']}次"
                    f"（涉及业务{group['records']}笔），模型：{'、'.join(m.name_zh for m in ranked)}。"
                ),
                severity=POST_SEVERITY,
                business_area=area,
                category=ENTRY_CATEGORY,
                person_ids=sorted(group["persons"]),
                reference={"post": post.pk, "persons": len(group["persons"]), "hits": group["hits"]},
            )
        )
    return entries


def risk_list_entries(quarter: str) -> dict[int, list[Entry]]:
    """The entries of every second-level unit for the quarter (units without entries are absent)."""
    start, end = quarter_bounds(quarter)
    owner, _second = _second_level_of()
    merged: dict[int, list[Entry]] = defaultdict(list)
    for source in (_alert_entries, _finding_entries, _post_entries):
        for unit_id, entries in source(start, end, owner).items():
            merged[unit_id].extend(entries)
    return dict(merged)


# --- generation ----------------------------------------------------------------------------------------


def risk_lists_generate(*, quarter: str, issuer) -> GenerationResult:
    """Generate and issue the quarter's lists; a re-run creates nothing new."""
    quarter_parse(quarter)
    quarter = quarter.strip()
    if not user_has_role(issuer, Role.SUPERVISOR):
        raise NotPermitted(_("Only a supervisor can issue the quarterly risk-alert lists."))
    result = GenerationResult(quarter=quarter)
    entries_by_unit = risk_list_entries(quarter)
    _owner, second = _second_level_of()
    done = set(RiskList.objects.filter(quarter=quarter).values_list("unit_id", flat=True))
    for unit_id in sorted(entries_by_unit, key=lambda pk: second[pk].path):
        unit = second[unit_id]
        if unit_id in done:
            result.existing.append(unit.name)
            continue
        try:
            with transaction.atomic():
                result.created.append(
                    _risk_list_issue(quarter=quarter, unit=unit, entries=entries_by_unit[unit_id], issuer=issuer)
                )
        except IntegrityError:  # a concurrent run issued this unit's list first
            result.existing.append(unit.name)
        except DomainError as error:
            result.failed[unit.name] = error.message
    return result


def _risk_list_issue(*, quarter: str, unit: Unit, entries: list[Entry], issuer) -> RiskList:
    today = timezone.localdate()
    categories = FindingCategory.objects.in_bulk({ENTRY_CATEGORY, *(e.category for e in entries)}, field_name="code")
    if ENTRY_CATEGORY not in categories:
        raise DomainError(_("The finding category “%(code)s” is missing.") % {"code": ENTRY_CATEGORY}, field="category")
    areas = BusinessArea.objects.select_related("lead_department").in_bulk(
        {e.business_area for e in entries if e.business_area}, field_name="code"
    )
    persons = {
        p.pk: p
        for p in Person.objects.select_related("unit").filter(pk__in={pk for e in entries for pk in e.person_ids})
        if p.unit.path.startswith(unit.path)
    }
    label = quarter_label(quarter)
    stored, findings = [], []
    for number, entry in enumerate(entries, start=1):
        area = areas.get(entry.business_area)
        if area is None:
            raise DomainError(_("Entry %(number)s names no business area.") % {"number": number}, field="business_area")
        finding = finding_create(
            actor=issuer,
            unit=unit,
            category=categories.get(entry.category) or categories[ENTRY_CATEGORY],
            severity=entry.severity,
            description=f"【{label}廉政预警风险提醒清单 第{number}项】{entry.title}。{entry.detail}",
            found_on=today,
            source=Finding.Source.RISK_ALERT,
            business_area=area,
            persons=[persons[pk] for pk in entry.person_ids if pk in persons],
        )
        findings.append(finding)
        stored.append(
            {
                "number": number,
                "kind": entry.kind,
                "title": entry.title,
                "detail": entry.detail,
                "severity": entry.severity,
                "business_area": entry.business_area,
                "finding": finding.pk,
                **entry.reference,
            }
        )
    notice = notice_create(
        actor=issuer,
        unit=unit,
        findings=findings,
        title=f"{label}廉政预警风险提醒清单（{unit.name}）",
        requirements=_requirements(stored),
        deadline=add_working_days(today, LIST_WORKING_DAYS),
        business_area=_notice_area(entries, areas),
    )
    notice_issue(actor=issuer, notice=notice)
    risk_list = RiskList.objects.create(quarter=quarter, unit=unit, notice=notice, entries=stored)
    audit_record(
        actor=issuer,
        action="risk_list.issue",
        target=risk_list,
        unit_id=unit.pk,
        changes={
            "quarter": quarter,
            "notice": notice.pk,
            "entries": [{"kind": e["kind"], "finding": e["finding"]} for e in stored],
        },
    )
    return risk_list


def _notice_area(entries: list[Entry], areas: dict[str, BusinessArea]) -> BusinessArea:
    """The entries' most frequent business area that has a lead department to receive the handover
    (else the most frequent: notice_issue then names what is missing)."""
    ranked = [areas[code] for code, _n in Counter(e.business_area for e in entries).most_common()]
    return next((a for a in ranked if a.lead_department_id), ranked[0])


def _requirements(entries: list[dict]) -> str:
    lines = [
        "请对照本清单逐条制定整改措施、明确责任人和整改时限，逐条整改、逐条销号："
        "每一项清单事项分解为一项整改事项（关联该项对应的问题），全部事项销号后本清单销号。",
        "",
    ]
    lines += [f"{e['number']}. {e['title']}。{e['detail']}" for e in entries]
    return "\n".join(lines)
