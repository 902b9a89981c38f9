"""The demo organisation written by `manage.py seed_demo`: data tables and a deterministic plan.

`build_plan()` touches no database: it turns the tables below into plain specs (units, posts,
persons, positions, party organisations) with one seeded `random.Random`, so every run produces
the same detachment, badge for badge. The command then writes whatever of it is missing.

All dates are fixed and in the past (the demo's "today" is DEMO_TODAY), so the output never
depends on when it runs.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from accounts.models import BusinessArea, PartyOrganization, Person, Position, Unit

SEED = 20261123
DEMO_TODAY = date(2026, 11, 23)

DETACHMENT = ("ZD", "常德市公安局交通警察支队")

# code, name, title of its head, staff besides the head, staffing profile
DEPARTMENTS = [
    ("ZD-BGS", "办公室", "主任", 5, "office"),
    ("ZD-ZG", "政工科", "科长", 5, "office"),
    ("ZD-JCS", "监察室", "主任", 6, "inspection"),
    ("ZD-JW", "纪检监察室", "主任", 4, "discipline"),
    ("ZD-JGZX", "监管中心", "主任", 7, "monitoring"),
    ("ZD-FZ", "法制科", "科长", 5, "legal"),
    ("ZD-SGYF", "事故预防科", "科长", 6, "accident"),
    ("ZD-ZX", "秩序科", "科长", 5, "order"),
    ("ZD-CG", "车管科", "科长", 8, "vehicle_office"),
    ("ZD-WFCL", "违法处理科", "科长", 5, "violation_office"),
    ("ZD-KJ", "科技科", "科长", 5, "technology"),
    ("ZD-CJ", "财计科", "科长", 4, "finance"),
]

# Service windows run by a department: code, name, parent department, staffing profile.
DEPARTMENT_WINDOWS = [
    ("ZD-CG-CK01", "车管所机动车登记窗口", "ZD-CG", "vehicle_window"),
    ("ZD-CG-CK02", "车管所驾驶人考试窗口", "ZD-CG", "exam_window"),
    ("ZD-WFCL-CK01", "违法处理大厅窗口", "ZD-WFCL", "violation_window"),
]

# code, name, squad profile, squads (named after their area or number), service windows
BRIGADES = [
    ("DD01", "直属一大队", "road", ["一中队", "二中队", "三中队", "四中队", "五中队"], []),
    ("DD02", "直属二大队", "road", ["一中队", "二中队", "三中队", "四中队", "五中队"], []),
    ("DD03", "高速公路大队", "highway", ["长常高速中队", "常张高速中队", "常吉高速中队", "二广高速中队"], []),
    ("DD04", "武陵区大队", "road", ["城东中队", "城西中队", "芙蓉中队", "丹阳中队"], ["便民服务中心", "违法处理窗口"]),
    (
        "DD05",
        "鼎城区大队",
        "road",
        ["城区中队", "灌溪中队", "石门桥中队", "蒿子港中队"],
        ["车管所业务窗口", "违法处理窗口"],
    ),
    (
        "DD06",
        "汉寿县大队",
        "road",
        ["城区中队", "岩汪湖中队", "沧港中队", "太子庙中队"],
        ["车管所业务窗口", "便民服务中心"],
    ),
    (
        "DD07",
        "桃源县大队",
        "road",
        ["城区中队", "漳江中队", "陬市中队", "热市中队"],
        ["车管所业务窗口", "违法处理窗口"],
    ),
    (
        "DD08",
        "澧县大队",
        "road",
        ["澧阳中队", "小渡口中队", "大堰垱中队", "码头铺中队"],
        ["车管所业务窗口", "便民服务中心"],
    ),
]
WINDOW_PROFILES = {
    "车管所业务窗口": "vehicle_window",
    "便民服务中心": "service_centre",
    "违法处理窗口": "violation_window",
}

# code, name, risk level, business area, description
POSTS = [
    ("KSY", "车管所考试员", "high", "driver_admin", "驾驶人考试评判、考场监考"),
    ("JDCCY", "机动车查验员", "high", "vehicle_admin", "机动车注册、转移登记查验"),
    ("CJGSL", "车驾管业务受理", "medium", "vehicle_admin", "车辆、驾驶人业务窗口受理"),
    ("WFCL", "违法处理窗口", "high", "violation_processing", "交通违法处理、罚款决定"),
    ("SGCL", "事故处理民警", "high", "accident_handling", "道路交通事故现场处置、责任认定"),
    ("FXCSH", "非现场执法审核员", "high", "nonsite_enforcement", "电子监控违法记录审核、录入"),
    ("LMZQ", "路面执勤民警", "medium", "road_enforcement", "路面巡逻、现场执法"),
    ("SPJG", "视频监管员", "medium", None, "执法视频、业务系统实时监管"),
    ("DCMJ", "督察民警", "medium", None, "警务督察、执法监督"),
    ("JJJC", "纪检监察员", "medium", None, "线索核查、执纪问责"),
    ("FZSH", "法制审核员", "medium", None, "案件法制审核"),
    ("CWKJ", "财务会计", "medium", None, "财务核算、罚没款管理"),
    ("LDBZ", "领导班子成员", "medium", None, "单位党政领导"),
    ("ZCFZR", "中层负责人", "medium", None, "科所队室负责人"),
    ("SGYF", "事故预防宣传", "low", "accident_handling", "事故预防、交通安全宣传"),
    ("KJXX", "科技信息员", "low", None, "信息系统运维"),
    ("NQ", "内勤", "low", None, "综合内勤、文书档案"),
    ("FJXQ", "辅警协勤", "low", "road_enforcement", "协助民警路面管控"),
]

# Title of an officer by post (police only; auxiliaries are always 辅警).
POST_TITLES = {
    "KSY": "考试员",
    "JDCCY": "查验员",
    "DCMJ": "督察民警",
    "JJJC": "纪检员",
    "FZSH": "法制员",
    "CWKJ": "会计",
    "NQ": "内勤",
    "KJXX": "科员",
    "SPJG": "监管民警",
    "SGYF": "科员",
}

# profile: share of police, weighted posts of police officers, post of auxiliaries
PROFILES = {
    "road": (0.55, [("LMZQ", 6), ("SGCL", 3), ("NQ", 1)], "FJXQ"),
    "highway": (0.6, [("LMZQ", 5), ("SGCL", 4), ("NQ", 1)], "FJXQ"),
    "brigade_office": (0.7, [("NQ", 3), ("FZSH", 1), ("SGCL", 1)], "NQ"),
    "vehicle_window": (0.5, [("CJGSL", 2), ("JDCCY", 1), ("KSY", 1)], "CJGSL"),
    "exam_window": (0.6, [("KSY", 1)], "CJGSL"),
    "service_centre": (0.5, [("CJGSL", 1), ("WFCL", 1)], "CJGSL"),
    "violation_window": (0.5, [("WFCL", 1)], "WFCL"),
    "office": (0.85, [("NQ", 1)], "NQ"),
    "inspection": (0.9, [("DCMJ", 1)], "NQ"),
    "discipline": (1.0, [("JJJC", 1)], "NQ"),
    "monitoring": (0.7, [("SPJG", 3), ("FXCSH", 1)], "SPJG"),
    "legal": (0.9, [("FZSH", 1)], "NQ"),
    "accident": (0.85, [("SGYF", 2), ("SGCL", 1)], "SGYF"),
    "order": (0.85, [("LMZQ", 2), ("NQ", 1)], "FJXQ"),
    "vehicle_office": (0.75, [("CJGSL", 2), ("JDCCY", 1), ("KSY", 1)], "CJGSL"),
    "violation_office": (0.8, [("WFCL", 1)], "WFCL"),
    "technology": (0.8, [("FXCSH", 2), ("KJXX", 1)], "KJXX"),
    "finance": (0.85, [("CWKJ", 1)], "NQ"),
}

BUSINESS_AREA_LEADS = {
    BusinessArea.Code.VEHICLE_ADMIN: "ZD-CG",
    BusinessArea.Code.DRIVER_ADMIN: "ZD-CG",
    BusinessArea.Code.VIOLATION_PROCESSING: "ZD-WFCL",
    BusinessArea.Code.ACCIDENT_HANDLING: "ZD-SGYF",
    BusinessArea.Code.NONSITE_ENFORCEMENT: "ZD-KJ",
    BusinessArea.Code.ROAD_ENFORCEMENT: "ZD-ZX",
}

# The detachment's leadership: key, title, level, start date, rank, units in charge of.
DETACHMENT_LEADERS = [
    ("ZD:captain", "支队长", "chief", date(2022, 4, 18), "superintendent_1", []),
    ("ZD:commissar", "政委", "chief", date(2021, 9, 6), "superintendent_1", []),
    (
        "ZD:deputy1",
        "副支队长",
        "team_member",
        date(2020, 6, 1),
        "superintendent_2",
        ["ZD-CG", "ZD-WFCL", "ZD-KJ", "DD05", "DD06"],
    ),
    (
        "ZD:deputy2",
        "副支队长",
        "team_member",
        date(2023, 2, 20),
        "superintendent_2",
        ["ZD-SGYF", "ZD-ZX", "ZD-FZ", "DD01", "DD02", "DD03"],
    ),
    (
        "ZD:deputy3",
        "副支队长",
        "team_member",
        date(2018, 3, 12),
        "superintendent_2",
        ["ZD-BGS", "ZD-ZG", "ZD-CJ", "DD04", "DD07", "DD08"],
    ),
    ("ZD:discipline", "纪委书记", "team_member", date(2022, 1, 10), "superintendent_2", ["ZD-JW", "ZD-JCS", "ZD-JGZX"]),
]

# Brigades whose commander (大队长) changed, and the day the successor took over.
CHIEF_CHANGES = {
    "DD03": date(2025, 7, 1),
    "DD05": date(2025, 11, 10),
    "DD07": date(2025, 11, 10),
    "DD01": date(2026, 3, 16),
}

# The person behind each demo login: the current holder of (unit code, title).
DEMO_USER_HOLDERS = {
    "admin": ("ZD", "信息化管理员"),
    "supervisor": ("ZD-JCS", "督察组长"),
    "centre": ("ZD-JGZX", "值班长"),
    "inspector": ("ZD-JW", "主任"),
    "committee": ("ZD", "政委"),
    "brigade_leader": ("DD01", "大队长"),
    "squad_leader": ("DD01-ZD01", "中队长"),
    "squad_leader2": ("DD02-ZD01", "中队长"),
    "party_secretary": ("DD01", "教导员"),
    "biz_lead": ("ZD-CG", "科长"),
    "api_client": ("ZD", "数据接口管理员"),
}

COMMITTEE_NAME = "常德市公安局交通警察支队党委"
# Party branches of the detachment's departments: name, unit it is attached to, units answering to it.
OFFICE_BRANCHES = [
    ("支队机关第一党支部", "ZD-ZG", ["ZD-BGS", "ZD-ZG", "ZD-JCS", "ZD-JW", "ZD-JGZX", "ZD-FZ", "ZD-CJ"]),
    (
        "支队机关第二党支部",
        "ZD-CG",
        ["ZD-CG", "ZD-CG-CK01", "ZD-CG-CK02", "ZD-WFCL", "ZD-WFCL-CK01", "ZD-SGYF", "ZD-ZX", "ZD-KJ"],
    ),
]

# Common surnames (Hunan-weighted) and given-name characters.
COMMON_SURNAMES = "刘李王张陈杨周胡彭谭曾唐邓罗黄"
OTHER_SURNAMES = (
    "龚向覃熊赵吴徐孙朱高林郑梁谢宋许韩冯曹肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜钟陆汪范金石廖贾夏付方"
    "邹孟秦江尹雷侯龙陶黎贺毛郝邵万严戴文伍易颜聂卜符"
)
SURNAMES = list(COMMON_SURNAMES * 4 + OTHER_SURNAMES)
MALE_CHARS = "伟强军平磊勇杰涛斌超明辉刚华建国志文俊峰浩鹏宇波亮林海鑫晨旭东凯毅锋永健昌龙飞兵松力宏坤锐立新洪彬振泽"
FEMALE_CHARS = "丽娟敏静芳燕红霞艳玲婷颖慧琳雪洁倩莉萍娜婧瑶琴岚晶璐欣怡佳蓉蕾"

OFFICER_RANKS = [
    ("inspector_1", 12),
    ("inspector_2", 22),
    ("inspector_3", 20),
    ("constable_1", 28),
    ("constable_2", 18),
]
DAY = timedelta(days=1)


@dataclass
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    sort_order: int
    profile: str = ""
    party_organization: str = ""  # name of the party organisation the unit answers to


@dataclass
class PostSpec:
    code: str
    name: str
    risk_level: str
    business_area: str | None
    description: str


@dataclass
class PersonSpec:
    badge_number: str
    name: str
    unit: str
    category: str
    rank: str
    post: str
    is_party_member: bool
    is_active: bool = True


@dataclass
class PositionSpec:
    badge_number: str
    unit: str
    level: str
    title: str
    start_date: date
    end_date: date | None = None
    in_charge_of: tuple[str, ...] = ()


@dataclass
class PartyOrganizationSpec:
    name: str
    kind: str
    unit: str
    parent: str | None
    secretary: str | None  # badge number


@dataclass
class DemoPlan:
    units: list[UnitSpec] = field(default_factory=list)
    posts: list[PostSpec] = field(default_factory=list)
    persons: list[PersonSpec] = field(default_factory=list)
    positions: list[PositionSpec] = field(default_factory=list)
    party_organizations: list[PartyOrganizationSpec] = field(default_factory=list)
    business_area_leads: dict[str, str] = field(default_factory=dict)
    demo_persons: dict[str, str] = field(default_factory=dict)  # username -> badge number


class _Builder:
    def __init__(self) -> None:
        # Deterministic demo data, not security: a private, seeded generator (never the global one).
        self.rng = random.Random(SEED)  # noqa: S311
        self.plan = DemoPlan(
            posts=[PostSpec(*row) for row in POSTS],
            business_area_leads={str(code): unit for code, unit in BUSINESS_AREA_LEADS.items()},
        )
        self.units: dict[str, UnitSpec] = {}
        self.persons: dict[str, PersonSpec] = {}
        self.keyed: dict[str, PositionSpec] = {}
        self.used_names: set[str] = set()
        self.used_badges: set[str] = set()

    # --- small helpers -----------------------------------------------------------------------

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def weighted(self, choices: list[tuple[str, int]]) -> str:
        values, weights = zip(*choices, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def new_name(self, *, female: bool) -> str:
        chars = FEMALE_CHARS if female else MALE_CHARS
        while True:
            given = self.rng.choice(chars)
            if self.rng.random() < 0.75:
                given += self.rng.choice(chars)
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def new_badge(self, *, police: bool) -> str:
        while True:
            badge = f"{self.rng.randint(730000, 739999)}" if police else f"F{self.rng.randint(70000, 79999)}"
            if badge not in self.used_badges:
                self.used_badges.add(badge)
                return badge

    def add_unit(self, code: str, name: str, kind: str, parent: str | None, profile: str = "") -> UnitSpec:
        siblings = sum(1 for unit in self.plan.units if unit.parent == parent)
        spec = UnitSpec(code=code, name=name, kind=kind, parent=parent, sort_order=siblings + 1, profile=profile)
        self.plan.units.append(spec)
        self.units[code] = spec
        return spec

    def add_person(
        self, unit: str, *, police: bool, post: str, rank: str = "", party: bool | None = None
    ) -> PersonSpec:
        female = self.rng.random() < (0.15 if police else 0.3)
        if not police:
            rank = Person.Rank.NONE
        elif not rank:
            rank = self.weighted(OFFICER_RANKS)
        if party is None:
            party = self.rng.random() < (0.5 if police else 0.08)
        spec = PersonSpec(
            badge_number=self.new_badge(police=police),
            name=self.new_name(female=female),
            unit=unit,
            category=Person.Category.POLICE if police else Person.Category.AUXILIARY,
            rank=str(rank),
            post=post,
            is_party_member=party,
        )
        self.plan.persons.append(spec)
        self.persons[spec.badge_number] = spec
        return spec

    def add_position(
        self,
        person: PersonSpec,
        unit: str,
        level: str,
        title: str,
        start: date,
        end: date | None = None,
        in_charge_of=(),
    ) -> PositionSpec:
        spec = PositionSpec(person.badge_number, unit, str(level), title, start, end, tuple(in_charge_of))
        self.plan.positions.append(spec)
        return spec

    def add_leader(
        self, unit: str, level: str, title: str, start: date, *, rank: str = "", in_charge_of=(), key: str = ""
    ) -> PositionSpec:
        post = "ZCFZR" if level == Position.Level.MID_LEVEL else "LDBZ"
        if not rank:
            rank = self.rng.choice(
                ["inspector_1", "inspector_2", "superintendent_3"]
                if level == Position.Level.MID_LEVEL
                else ["superintendent_2", "superintendent_3"]
            )
        person = self.add_person(unit, police=True, post=post, rank=rank, party=True)
        position = self.add_position(person, unit, level, title, start, in_charge_of=in_charge_of)
        if key:
            self.keyed[key] = position
        return position

    def add_officer(
        self,
        unit: str,
        *,
        police: bool,
        post: str,
        title: str = "",
        party: bool | None = None,
        start: date | None = None,
    ) -> PositionSpec:
        person = self.add_person(unit, police=police, post=post, party=party)
        if not title:
            title = POST_TITLES.get(post, "民警") if police else "辅警"
        if start is None:
            start = (
                self.day_between(date(2006, 1, 1), date(2025, 12, 31))
                if police
                else self.day_between(date(2014, 1, 1), date(2026, 6, 30))
            )
        return self.add_position(person, unit, Position.Level.OFFICER, title, start)

    def current_holder(self, unit: str, title: str) -> str:
        holders = [
            p.badge_number for p in self.plan.positions if p.unit == unit and p.title == title and p.end_date is None
        ]
        if len(holders) != 1:
            raise ValueError(f"expected one current {title} of {unit}, found {len(holders)}")
        return holders[0]

    # --- history -----------------------------------------------------------------------------

    def end(self, position: PositionSpec, on: date) -> None:
        position.end_date = on - DAY

    def retire(self, position: PositionSpec, on: date) -> None:
        self.end(position, on)
        self.persons[position.badge_number].is_active = False

    def move(
        self, position: PositionSpec, on: date, unit: str, level: str, title: str, *, post: str = "", in_charge_of=()
    ) -> PositionSpec:
        """The holder of `position` leaves it the day before `on` and takes up a new one in `unit`."""
        self.end(position, on)
        person = self.persons[position.badge_number]
        person.unit = unit
        if level == Position.Level.MID_LEVEL:
            person.post = "ZCFZR"
        elif level in (Position.Level.CHIEF, Position.Level.TEAM_MEMBER):
            person.post = "LDBZ"
        else:
            person.post = post
        return self.add_position(person, unit, level, title, on, in_charge_of=in_charge_of)

    def replace(self, position: PositionSpec, on: date) -> PositionSpec:
        """A successor takes over `position` on `on`, promoted from an officer of that unit or one below it."""
        below = [code for code, unit in self.units.items() if unit.parent == position.unit]
        came_from = self.rng.choice(below or [position.unit])
        successor = self.add_leader(
            position.unit, position.level, position.title, on, in_charge_of=position.in_charge_of
        )
        person = self.persons[successor.badge_number]
        self.add_position(
            person,
            came_from,
            Position.Level.OFFICER,
            "民警",
            self.day_between(date(2009, 1, 1), date(2016, 12, 31)),
            on - DAY,
        )
        return successor

    # --- the organisation --------------------------------------------------------------------

    def build_units(self) -> None:
        self.add_unit(*DETACHMENT, Unit.Kind.DETACHMENT, None)
        for code, name, _head, _staff, profile in DEPARTMENTS:
            self.add_unit(code, name, Unit.Kind.DEPARTMENT, "ZD", profile)
        for code, name, parent, profile in DEPARTMENT_WINDOWS:
            self.add_unit(code, name, Unit.Kind.WINDOW, parent, profile)
        for code, name, squad_profile, squads, windows in BRIGADES:
            self.add_unit(code, name, Unit.Kind.BRIGADE, "ZD", "brigade_office")
            for number, squad in enumerate(squads, start=1):
                self.add_unit(f"{code}-ZD{number:02d}", f"{name}{squad}", Unit.Kind.SQUAD, code, squad_profile)
            for number, window in enumerate(windows, start=1):
                self.add_unit(
                    f"{code}-CK{number:02d}", f"{name}{window}", Unit.Kind.WINDOW, code, WINDOW_PROFILES[window]
                )

    def build_leaders(self) -> None:
        for key, title, level, start, rank, in_charge_of in DETACHMENT_LEADERS:
            self.add_leader("ZD", level, title, start, rank=rank, in_charge_of=in_charge_of, key=key)
        for code, _name, head_title, _staff, _profile in DEPARTMENTS:
            self.add_leader(
                code,
                Position.Level.MID_LEVEL,
                head_title,
                self.day_between(date(2017, 1, 1), date(2023, 12, 31)),
                key=f"{code}:head",
            )
        for code, *_rest in BRIGADES:
            self.add_leader(
                code,
                Position.Level.CHIEF,
                "大队长",
                self.day_between(date(2019, 1, 1), date(2023, 12, 31)),
                key=f"{code}:chief",
            )
            self.add_leader(
                code,
                Position.Level.CHIEF,
                "教导员",
                self.day_between(date(2018, 1, 1), date(2023, 12, 31)),
                key=f"{code}:instructor",
            )
            below = [unit.code for unit in self.plan.units if unit.parent == code]
            deputies = 3 if len(below) >= 6 else 2
            for number in range(deputies):
                self.add_leader(
                    code,
                    Position.Level.TEAM_MEMBER,
                    "副大队长",
                    self.day_between(date(2018, 1, 1), date(2024, 6, 30)),
                    in_charge_of=below[number::deputies],
                    key=f"{code}:team{number}",
                )
        for unit in self.plan.units:
            if unit.kind in (Unit.Kind.SQUAD, Unit.Kind.WINDOW):
                title = "中队长" if unit.kind == Unit.Kind.SQUAD else "负责人"
                self.add_leader(
                    unit.code,
                    Position.Level.MID_LEVEL,
                    title,
                    self.day_between(date(2017, 1, 1), date(2024, 12, 31)),
                    key=f"{unit.code}:head",
                )

    def build_staff(self) -> None:
        # The people behind some demo logins, then everyone else.
        self.add_officer("ZD", police=True, post="KJXX", title="信息化管理员", party=True, start=date(2016, 3, 1))
        self.add_officer("ZD", police=True, post="KJXX", title="数据接口管理员", start=date(2019, 7, 15))
        self.add_officer("ZD-JCS", police=True, post="DCMJ", title="督察组长", party=True, start=date(2015, 9, 1))
        self.add_officer("ZD-JGZX", police=True, post="SPJG", title="值班长", party=True, start=date(2018, 4, 16))
        staff_of = {code: staff for code, _name, _head, staff, _profile in DEPARTMENTS}
        for unit in self.plan.units:
            if unit.kind == Unit.Kind.DETACHMENT:
                continue
            if unit.kind == Unit.Kind.SQUAD:
                staff = self.rng.randint(8, 11)
            elif unit.kind == Unit.Kind.WINDOW:
                staff = self.rng.randint(5, 8)
            elif unit.kind == Unit.Kind.BRIGADE:
                staff = self.rng.randint(3, 5)
            else:
                staff = staff_of[unit.code]
            police_share, police_posts, auxiliary_post = PROFILES[unit.profile]
            for _ in range(staff):
                police = self.rng.random() < police_share
                officer = self.add_officer(
                    unit.code, police=police, post=self.weighted(police_posts) if police else auxiliary_post
                )
                if police and officer.start_date >= date(2012, 1, 1) and self.rng.random() < 0.12:
                    self.add_earlier_post(officer)

    def add_earlier_post(self, officer: PositionSpec) -> None:
        """Officers who transferred in: an earlier stretch in another squad, window or brigade office."""
        elsewhere = [
            u.code
            for u in self.plan.units
            if u.kind in (Unit.Kind.SQUAD, Unit.Kind.WINDOW, Unit.Kind.BRIGADE) and u.code != officer.unit
        ]
        start = max(officer.start_date - timedelta(days=self.rng.randint(700, 3000)), date(2004, 1, 1))
        self.add_position(
            self.persons[officer.badge_number],
            self.rng.choice(elsewhere),
            Position.Level.OFFICER,
            "民警",
            start,
            officer.start_date - DAY,
        )

    def build_history(self) -> None:
        k = self.keyed
        chief, team, mid = Position.Level.CHIEF, Position.Level.TEAM_MEMBER, Position.Level.MID_LEVEL

        # The highway brigade's commander retires; his first deputy takes over.
        on = CHIEF_CHANGES["DD03"]
        self.retire(k["DD03:chief"], on)
        self.replace(k["DD03:team0"], on)
        self.move(k["DD03:team0"], on, "DD03", chief, "大队长")

        # A squad leader rotates to the legal department; an officer of the squad is promoted.
        on = date(2025, 9, 1)
        self.replace(k["DD04-ZD02:head"], on)
        self.move(k["DD04-ZD02:head"], on, "ZD-FZ", Position.Level.OFFICER, "法制员", post="FZSH")

        # A chain of moves: a deputy commander of the detachment retires, the Taoyuan commander replaces
        # him, the Dingcheng commander goes to Taoyuan and a Hanshou deputy takes over Dingcheng.
        on = CHIEF_CHANGES["DD07"]
        self.retire(k["ZD:deputy3"], on)
        self.move(k["DD07:chief"], on, "ZD", team, "副支队长", in_charge_of=k["ZD:deputy3"].in_charge_of)
        self.move(k["DD05:chief"], on, "DD07", chief, "大队长")
        self.replace(k["DD06:team0"], on)
        self.move(k["DD06:team0"], on, "DD05", chief, "大队长")

        # A squad leader rotates to the inspection office as a supervising officer.
        on = date(2026, 1, 5)
        self.replace(k["DD01-ZD03:head"], on)
        self.move(k["DD01-ZD03:head"], on, "ZD-JCS", Position.Level.OFFICER, "督察民警", post="DCMJ")

        # The first direct brigade's commander becomes head of the order department (whose head
        # retires); a deputy of the second direct brigade takes over.
        on = CHIEF_CHANGES["DD01"]
        self.retire(k["ZD-ZX:head"], on)
        self.move(k["DD01:chief"], on, "ZD-ZX", mid, "科长")
        self.replace(k["DD02:team0"], on)
        self.move(k["DD02:team0"], on, "DD01", chief, "大队长")

        # Hanshou's political instructor retires; a squad leader of the brigade succeeds him.
        on = date(2026, 6, 1)
        self.retire(k["DD06:instructor"], on)
        self.replace(k["DD06-ZD02:head"], on)
        self.move(k["DD06-ZD02:head"], on, "DD06", chief, "教导员")

        # A window head retires.
        on = date(2026, 8, 3)
        self.retire(k["DD08-CK01:head"], on)
        self.replace(k["DD08-CK01:head"], on)

    def build_party(self) -> None:
        orgs = self.plan.party_organizations
        kind = PartyOrganization.Kind
        orgs.append(
            PartyOrganizationSpec(COMMITTEE_NAME, kind.COMMITTEE, "ZD", None, self.current_holder("ZD", "支队长"))
        )
        self.units["ZD"].party_organization = COMMITTEE_NAME
        for name, attached_to, members in OFFICE_BRANCHES:
            head_title = next(title for code, _n, title, _s, _p in DEPARTMENTS if code == attached_to)
            orgs.append(
                PartyOrganizationSpec(
                    name, kind.BRANCH, attached_to, COMMITTEE_NAME, self.current_holder(attached_to, head_title)
                )
            )
            for code in members:
                self.units[code].party_organization = name
        for code, brigade_name, *_rest in BRIGADES:
            general = f"{brigade_name}党总支"
            orgs.append(
                PartyOrganizationSpec(
                    general, kind.GENERAL_BRANCH, code, COMMITTEE_NAME, self.current_holder(code, "教导员")
                )
            )
            self.units[code].party_organization = general
            windows = []
            for unit in self.plan.units:
                if unit.parent != code:
                    continue
                if unit.kind == Unit.Kind.WINDOW:
                    windows.append(unit)
                    continue
                branch = f"{unit.name}党支部"
                orgs.append(
                    PartyOrganizationSpec(
                        branch, kind.BRANCH, unit.code, general, self.current_holder(unit.code, "中队长")
                    )
                )
                unit.party_organization = branch
            if windows:
                branch = f"{brigade_name}窗口党支部"
                orgs.append(
                    PartyOrganizationSpec(
                        branch, kind.BRANCH, windows[0].code, general, self.current_holder(windows[0].code, "负责人")
                    )
                )
                for unit in windows:
                    unit.party_organization = branch
        missing = [unit.code for unit in self.plan.units if not unit.party_organization]
        if missing:
            raise ValueError(f"units without a party organisation: {missing}")

    def build(self) -> DemoPlan:
        self.build_units()
        self.build_leaders()
        self.build_staff()
        self.build_history()
        self.build_party()
        self.plan.demo_persons = {
            username: self.current_holder(unit, title) for username, (unit, title) in DEMO_USER_HOLDERS.items()
        }
        return self.plan


def build_plan() -> DemoPlan:
    """The whole demo organisation, the same on every call."""
    return _Builder().build()
