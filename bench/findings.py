"""Synthetic supervision and rectification data for the benchmark: inspections, findings (1 million
at full scale) with persons involved and evidence metadata, rectification notices (one per 1-3
findings of a unit found the same day) with their two handovers, and rectification items in mixed
states — about 10 % of the findings have an open item (100,000 at full scale), spread over deadlines
long past, just past, due soon and later, so the deadline scan has every kind of work.

A notice's state follows its age: recent notices are still being issued, acknowledged and
rectified; older ones are mostly closed out, some still rectifying (late: their items are
overdue), a few reopened after a failed look-back.
"""

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.organisation import Organisation

CATEGORY_TEXTS = {
    "appearance": ["执勤时未按规定着装，警容不整", "窗口工作人员未佩戴工作证件", "值班期间着便装且未戴警帽"],
    "work_discipline": ["上班时间玩手机游戏", "工作时间观看视频", "值班期间脱岗离岗", "窗口人员迟到早退"],
    "enforcement": ["现场执法未全程开启执法记录仪", "处罚决定书填写不规范", "违法事实认定证据不足"],
    "irregular_business": ["超范围受理机动车业务", "业务资料审核不严", "违规为不符合条件的申请人办理业务"],
    "illegal_intermediary": ["大厅内发现非法中介揽客", "与代办人员联系过于频繁", "默许黄牛插队办理业务"],
    "integrity": ["收受当事人财物线索", "违规接受服务对象宴请", "利用职务便利为亲友办理业务"],
    "service_attitude": ["对群众咨询态度生硬", "群众投诉服务态度差", "推诿扯皮，一次性告知不到位"],
}
MEASURES = [
    "开展专题教育，建立整改台账",
    "完善制度，落实岗位责任",
    "约谈相关人员，加强日常督查",
    "组织回头看，定期通报",
]
THEMES = ["优化营商环境专项暗访", "执法规范化日常检查", "窗口服务作风抽查", "节假日值班备勤督查", "车管业务专项检查"]
INSPECTION_KINDS = ("unannounced", "routine", "spot", "special")
LAYERS = ("committee", "discipline", "functional", "unit_daily", "democratic")
SOURCES = [
    ("inspection", 80),
    ("risk_alert", 5),
    ("petition", 5),
    ("complaint", 5),
    ("audit", 3),
    ("public_feedback", 2),
]
SEVERITIES = [("general", 70), ("serious", 25), ("grave", 5)]
WORKING_DAYS = {"general": 15, "serious": 10, "grave": 5}
OPEN_SHARE = 0.10  # findings with an open rectification item
NULL = "\\N"


@dataclass
class Plan:
    """Ids of everything generated, for the text lines and the summary."""

    inspections: int = 0
    findings: int = 0
    finding_persons: int = 0
    evidence: int = 0
    notices: int = 0
    notice_findings: int = 0
    handovers: int = 0
    items: int = 0
    open_items: int = 0
    doc_numbers: dict[int, int] = field(default_factory=dict)


def _moment(day: date, seconds: int) -> str:
    return f"{day:%Y-%m-%d} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}+08"


class FindingGenerator:
    """Yields the COPY text lines of each table; `lines(table)` must be called in the order of
    TABLES (the ids are allocated as the findings are made)."""

    def __init__(
        self,
        org: Organisation,
        *,
        total: int,
        first_day: date,
        today: date,
        categories: dict[str, int],
        areas: dict[str, int],
        seed: int = 8,
    ) -> None:
        self.org = org
        self.total = total
        self.first_day = first_day
        self.today = today
        self.categories = categories
        self.areas = areas
        self.seed = seed
        self.plan = Plan()
        self.supervisors = [u.id for u in org.users if u.username.startswith("supervisor_")]
        self.leader_user = {role[2]: u.id for u in org.users for role in u.roles if role[0] == "unit_leader"}
        self.secretary_user = {}
        for party in org.parties:
            secretary = next(u for u in org.users if u.person_id == party.secretary_id)
            self.secretary_user[party.id] = secretary.id
        self.party_unit = {p.id: p.unit_id for p in org.parties}
        self.unit_party = {u.id: u.party_organization_id for u in org.units}
        self.members: dict[int, list[int]] = {}
        for person in org.persons:
            self.members.setdefault(person.unit_id, []).append(person.id)
        self.leader_person = {role[2]: u.person_id for u in org.users for role in u.roles if role[0] == "unit_leader"}
        # Findings are made in the units where business happens most: squads and windows.
        weights = {"squad": 3, "window": 4, "brigade": 2, "department": 1, "detachment": 0}
        self.target_units = [u.id for u in org.units if weights[u.kind]]
        self.target_weights = [weights[u.kind] for u in org.units if weights[u.kind]]
        self.rows: dict[str, list[str]] = {}
        self._build()

    # --- the whole plan, in memory as text lines ---------------------------------------------------

    def _build(self) -> None:
        rng = random.Random(f"{self.seed}:findings")  # noqa: S311 (benchmark data)
        rand = rng.random
        days = (self.today - self.first_day).days
        category_codes = list(self.categories)
        source_names, source_weights = zip(*SOURCES, strict=True)
        severity_names, severity_weights = zip(*SEVERITIES, strict=True)
        area_codes = list(self.areas)
        recent_days = 30
        recent_share = recent_days / days
        # Older notices still rectifying, so that OPEN_SHARE of the findings have an open item.
        late_share = max(0.0, (OPEN_SHARE / 0.8 - recent_share * 0.65) / (1 - recent_share))
        out = {name: [] for name in TABLES}
        inspection_id = finding_id = notice_id = handover_id = item_id = 0
        link_id = person_link_id = evidence_id = target_id = 0
        doc_numbers: dict[int, int] = {}
        while finding_id < self.total:
            unit = rng.choices(self.target_units, weights=self.target_weights)[0]
            found_on = self.first_day + timedelta(days=int(rand() * days))
            age = (self.today - found_on).days
            creator = self.supervisors[int(rand() * len(self.supervisors))]
            inspection = None
            if rand() < 0.8:
                inspection_id += 1
                inspection = inspection_id
                out["supervision_inspection"].append(
                    f"{INSPECTION_KINDS[int(rand() * 4)]}\t{LAYERS[int(rand() * 5)]}\t{found_on:%Y-%m-%d}\t"
                    f"{THEMES[int(rand() * len(THEMES))]}\t\t1\t{creator}\t{_moment(found_on, 36000)}\t{inspection}\n"
                )
                target_id += 1
                out["supervision_inspection_target_units"].append(f"{target_id}\t{inspection}\t{unit}\n")
            area = area_codes[int(rand() * len(area_codes))]
            count = min(self.total - finding_id, 1 + int(rand() * 3))
            finding_ids = []
            severity_rank = 0
            for _ in range(count):
                finding_id += 1
                finding_ids.append(finding_id)
                category = category_codes[int(rand() * len(category_codes))]
                severity = rng.choices(severity_names, weights=severity_weights)[0]
                severity_rank = max(severity_rank, severity_names.index(severity))
                source = "inspection" if inspection else rng.choices(source_names[1:], weights=source_weights[1:])[0]
                texts = CATEGORY_TEXTS.get(category, ["其他问题"])
                description = f"{texts[int(rand() * len(texts))]}（第{finding_id}号问题）。"
                out["supervision_finding"].append(
                    f"{finding_id}\t{unit}\t{inspection or NULL}\t{source}\t{self.categories[category]}\t"
                    f"{self.areas[area]}\t{severity}\t{description}\t{found_on:%Y-%m-%d}\t{creator}\t"
                    f"{_moment(found_on, 36000 + int(rand() * 20000))}\n"
                )
                if rand() < 0.3:
                    person_link_id += 1
                    members = self.members[unit]
                    out["supervision_finding_persons"].append(
                        f"{person_link_id}\t{finding_id}\t{members[int(rand() * len(members))]}\n"
                    )
                if rand() < 0.25:
                    evidence_id += 1
                    digest = hashlib.sha256(str(finding_id).encode()).hexdigest()
                    out["supervision_evidence"].append(
                        f"{evidence_id}\t{finding_id}\t\\N\t{unit}\tevidence/{found_on:%Y/%m}/{digest[:16]}.jpg\t"
                        f"现场照片{finding_id}.jpg\tjpg\t{200000 + int(rand() * 3000000)}\t{digest}\t{creator}\t"
                        f"{_moment(found_on, 40000)}\t"
                        f"{_moment(found_on + timedelta(days=1), 40000) if age > 2 else NULL}\n"
                    )
            # the notice and its state
            severity = severity_names[severity_rank]
            deadline = found_on + timedelta(days=2 + round(WORKING_DAYS[severity] * 7 / 5))
            if age <= recent_days:
                draw = rand()
                status = (
                    "draft"
                    if draw < 0.05
                    else "issued"
                    if draw < 0.2
                    else "acknowledged"
                    if draw < 0.35
                    else "rectifying"
                )
            else:
                draw = rand()
                status = (
                    "rectifying"
                    if draw < late_share
                    else "reopened"
                    if draw < late_share + 0.01
                    else "acknowledged"
                    if draw < late_share + 0.015
                    else "closed"
                )
            notice_id += 1
            issued = status != "draft"
            doc_year = doc_number = None
            issued_at = closed_at = None
            if issued:
                doc_year = found_on.year
                doc_number = doc_numbers[doc_year] = doc_numbers.get(doc_year, 0) + 1
                issued_at = _moment(found_on + timedelta(days=1), 33000)
            if status == "closed":
                closed_at = _moment(deadline - timedelta(days=int(rand() * 5)), 50000)
            unit_leader = self.leader_user[unit]
            out["rectification_rectificationnotice"].append(
                f"{notice_id}\t{unit}\t{self.areas[area]}\t整改通知：{description[:30]}\t请于期限内完成整改并报送整改情况。\t"
                f"{deadline:%Y-%m-%d}\t{status}\t{doc_year or NULL}\t{doc_number or NULL}\t{creator}\t"
                f"{_moment(found_on, 50000)}\t{creator if issued else NULL}\t{issued_at or NULL}\t{closed_at or NULL}\n"
            )
            for fid in finding_ids:
                link_id += 1
                out["rectification_rectificationnotice_findings"].append(f"{link_id}\t{notice_id}\t{fid}\n")
            if issued:
                party = self.unit_party[unit]
                both = status != "issued"
                acknowledged_at = _moment(found_on + timedelta(days=2), 36000)
                for side, party_id, recipient, acknowledger in (
                    ("party", party, self.party_unit[party], self.secretary_user[party]),
                    (
                        "business",
                        None,
                        self.org.lead_departments[area],
                        self.leader_user[self.org.lead_departments[area]],
                    ),
                ):
                    handover_id += 1
                    done = both or (side == "party" and rand() < 0.5)
                    out["rectification_handover"].append(
                        f"{handover_id}\t{notice_id}\t{side}\t{party_id or NULL}\t{recipient}\t"
                        f"{'acknowledged' if done else 'pending'}\t{acknowledger if done else NULL}\t"
                        f"{acknowledged_at if done else NULL}\t{'已签收，立即部署整改。' if done else ''}\n"
                    )
            if status in ("rectifying", "closed", "reopened"):
                members = self.members[unit]
                leader = self.leader_person[unit]
                for position, fid in enumerate(finding_ids):
                    item_id += 1
                    item_status = "closed"
                    if status == "rectifying":
                        draw = rand()
                        item_status = "open" if draw < 0.8 else "submitted" if draw < 0.9 else "closed"
                    elif status == "reopened" and position == 0:
                        item_status = "open"
                    item_deadline = deadline
                    if status == "rectifying" and age <= recent_days:
                        item_deadline = deadline + timedelta(days=int(rand() * 20))
                    if item_status == "open":
                        self.plan.open_items += 1
                    submitted = item_status in ("submitted", "closed")
                    closed = item_status == "closed"
                    closure = ("unrectifiable" if rand() < 0.02 else "rectified") if closed else ""
                    out["rectification_rectificationitem"].append(
                        f"{item_id}\t{notice_id}\t{fid}\t{unit}\t{description}\t{MEASURES[int(rand() * 4)]}\t{unit}\t"
                        f"{members[int(rand() * len(members))]}\t{leader}\t{item_deadline:%Y-%m-%d}\t{item_status}\t"
                        f"{closure}\tnormal\t0\t\\N\t\\N\t{unit_leader}\t"
                        f"{_moment(found_on + timedelta(days=3), 40000)}\t"
                        f"{unit_leader if submitted else NULL}\t"
                        f"{_moment(item_deadline - timedelta(days=2), 40000) if submitted else NULL}\t"
                        f"{creator if closed else NULL}\t{_moment(item_deadline, 40000) if closed else NULL}\n"
                    )
        self.rows = out
        self.plan.inspections = inspection_id
        self.plan.findings = finding_id
        self.plan.finding_persons = person_link_id
        self.plan.evidence = evidence_id
        self.plan.notices = notice_id
        self.plan.notice_findings = link_id
        self.plan.handovers = handover_id
        self.plan.items = item_id
        self.plan.doc_numbers = doc_numbers

    def lines(self, table: str) -> Iterator[str]:
        rows = self.rows.pop(table)
        yield from rows


# Tables in load order, with their COPY columns.
TABLES = {
    "supervision_inspection": (
        "kind",
        "layer",
        "inspection_date",
        "theme",
        "summary",
        "organizing_unit_id",
        "created_by_id",
        "created_at",
        "id",
    ),
    "supervision_inspection_target_units": ("id", "inspection_id", "unit_id"),
    "supervision_finding": (
        "id",
        "unit_id",
        "inspection_id",
        "source",
        "category_id",
        "business_area_id",
        "severity",
        "description",
        "found_on",
        "created_by_id",
        "created_at",
    ),
    "supervision_finding_persons": ("id", "finding_id", "person_id"),
    "supervision_evidence": (
        "id",
        "finding_id",
        "progress_update_id",
        "unit_id",
        "file",
        "original_name",
        "kind",
        "size",
        "sha256",
        "uploaded_by_id",
        "uploaded_at",
        "locked_at",
    ),
    "rectification_rectificationnotice": (
        "id",
        "unit_id",
        "business_area_id",
        "title",
        "requirements",
        "deadline",
        "status",
        "doc_year",
        "doc_number",
        "created_by_id",
        "created_at",
        "issued_by_id",
        "issued_at",
        "closed_at",
    ),
    "rectification_rectificationnotice_findings": ("id", "rectificationnotice_id", "finding_id"),
    "rectification_handover": (
        "id",
        "notice_id",
        "side",
        "party_organization_id",
        "recipient_unit_id",
        "status",
        "acknowledged_by_id",
        "acknowledged_at",
        "opinion",
    ),
    "rectification_rectificationitem": (
        "id",
        "notice_id",
        "finding_id",
        "unit_id",
        "problem",
        "measures",
        "responsible_department_id",
        "responsible_person_id",
        "responsible_leader_id",
        "deadline",
        "status",
        "closure",
        "due_state",
        "escalation_level",
        "due_soon_notified_for",
        "overdue_notified_for",
        "created_by_id",
        "created_at",
        "submitted_by_id",
        "submitted_at",
        "closed_by_id",
        "closed_at",
    ),
}
