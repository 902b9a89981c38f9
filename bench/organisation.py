"""The benchmark detachment: 60 units, their party organisations, posts, persons (5,000 at full
scale), platform users with roles. Plain data (no database): dataset.py writes it with COPY.

Names and posts follow the demo detachment (accounts.demo_data) so that the data reads like the
real thing; the numbers are the benchmark's own.
"""

import random
from dataclasses import dataclass, field

from accounts.demo_data import BRIGADES, DEPARTMENTS, FEMALE_CHARS, MALE_CHARS, POSTS, SURNAMES

UNIT_COUNT = 60
FULL_PERSONS = 5000
MIN_PERSONS = 600

# Posts that process business records, and what each of them processes.
OPERATOR_POSTS = ("CJGSL", "JDCCY", "KSY", "WFCL", "SGCL", "FXCSH", "SPJG", "LMZQ")
MOBILE_POSTS = ("LMZQ", "SGCL")

# Post mix per kind of unit (weights); auxiliaries (辅警) take the post FJXQ or NQ.
MIX = {
    "squad": [("LMZQ", 42), ("FJXQ", 38), ("SGCL", 12), ("NQ", 5), ("ZCFZR", 2), ("LDBZ", 1)],
    "brigade": [("NQ", 30), ("FZSH", 10), ("SGCL", 20), ("LDBZ", 15), ("ZCFZR", 15), ("CJGSL", 10)],
    "brigade_window": [("CJGSL", 40), ("WFCL", 30), ("JDCCY", 10), ("KSY", 10), ("NQ", 10)],
    "detachment": [("LDBZ", 40), ("NQ", 40), ("KJXX", 20)],
    "ZD-BGS": [("NQ", 1)],
    "ZD-ZG": [("NQ", 1)],
    "ZD-JCS": [("DCMJ", 1)],
    "ZD-JW": [("JJJC", 1)],
    "ZD-JGZX": [("SPJG", 60), ("FXCSH", 30), ("NQ", 10)],
    "ZD-FZ": [("FZSH", 1)],
    "ZD-SGYF": [("SGYF", 60), ("SGCL", 40)],
    "ZD-ZX": [("LMZQ", 70), ("NQ", 30)],
    "ZD-CG": [("CJGSL", 50), ("JDCCY", 25), ("KSY", 25)],
    "ZD-WFCL": [("WFCL", 1)],
    "ZD-KJ": [("FXCSH", 60), ("KJXX", 40)],
    "ZD-CJ": [("CWKJ", 1)],
    "ZD-CG-CK01": [("CJGSL", 60), ("JDCCY", 40)],
    "ZD-CG-CK02": [("KSY", 80), ("CJGSL", 20)],
    "ZD-WFCL-CK01": [("WFCL", 90), ("NQ", 10)],
}
# Relative headcount per kind of unit.
HEADCOUNT = {"squad": 120, "brigade": 40, "brigade_window": 40, "department": 30, "dept_window": 60, "detachment": 40}
AUXILIARY_POSTS = ("FJXQ",)


@dataclass
class UnitSpec:
    id: int
    code: str
    name: str
    kind: str  # Unit.Kind
    parent_id: int | None
    path: str
    mix: str  # key of MIX
    headcount_kind: str
    party_organization_id: int | None = None


@dataclass
class PartySpec:
    id: int
    name: str
    kind: str
    parent_id: int | None
    unit_id: int
    secretary_id: int | None = None


@dataclass
class PersonSpec:
    id: int
    badge: str
    name: str
    unit_id: int
    post_code: str
    category: str
    rank: str
    party_member: bool
    user_id: int | None = None
    activity: float = 1.0
    device: str = ""
    ip: str = ""


@dataclass
class UserSpec:
    id: int
    username: str
    person_id: int | None
    is_superuser: bool = False
    roles: list[tuple[str, str, int]] = field(default_factory=list)  # (role, scope, unit id)


@dataclass
class Organisation:
    units: list[UnitSpec]
    parties: list[PartySpec]
    posts: list[tuple[int, str, str, str, str | None, str]]  # id, code, name, risk, area code, description
    persons: list[PersonSpec]
    users: list[UserSpec]
    lead_departments: dict[str, int]  # business area code -> unit id

    def unit(self, code: str) -> UnitSpec:
        return next(u for u in self.units if u.code == code)

    def user(self, username: str) -> UserSpec:
        return next(u for u in self.users if u.username == username)

    @property
    def post_ids(self) -> dict[str, int]:
        return {code: post_id for post_id, code, *_rest in self.posts}


def _units() -> list[UnitSpec]:
    units = [UnitSpec(1, "ZD", "常德市公安局交通警察支队", "detachment", None, "/1/", "detachment", "detachment")]

    def add(code, name, kind, parent, mix, headcount_kind):
        spec = UnitSpec(len(units) + 1, code, name, kind, parent.id, "", mix, headcount_kind)
        spec.path = f"{parent.path}{spec.id}/"
        units.append(spec)
        return spec

    departments = {}
    for code, name, _title, _staff, _profile in DEPARTMENTS:
        departments[code] = add(code, name, "department", units[0], code, "department")
    add("ZD-CG-CK01", "车管所机动车登记窗口", "window", departments["ZD-CG"], "ZD-CG-CK01", "dept_window")
    add("ZD-CG-CK02", "车管所驾驶人考试窗口", "window", departments["ZD-CG"], "ZD-CG-CK02", "dept_window")
    add("ZD-WFCL-CK01", "违法处理大厅窗口", "window", departments["ZD-WFCL"], "ZD-WFCL-CK01", "dept_window")
    brigades = [add(code, name, "brigade", units[0], "brigade", "brigade") for code, name, *_rest in BRIGADES]
    for brigade, (code, _name, _profile, squads, windows) in zip(brigades, BRIGADES, strict=True):
        for number, squad in enumerate(squads[:4], start=1):
            add(f"{code}-ZD{number:02d}", f"{brigade.name}{squad}", "squad", brigade, "squad", "squad")
        if code in ("DD04", "DD05", "DD06", "DD07") and windows:
            add(f"{code}-CK01", f"{brigade.name}{windows[0]}", "window", brigade, "brigade_window", "brigade_window")
    assert len(units) == UNIT_COUNT, len(units)
    return units


def _parties(units: list[UnitSpec]) -> list[PartySpec]:
    parties = [PartySpec(1, "常德市公安局交通警察支队党委", "committee", None, 1)]
    by_code = {u.code: u for u in units}
    units[0].party_organization_id = 1
    for unit in units:
        if unit.kind in ("department", "brigade"):
            kind = "branch" if unit.kind == "department" else "general_branch"
            suffix = "党支部" if unit.kind == "department" else "党总支"
            parties.append(PartySpec(len(parties) + 1, f"{unit.name}{suffix}", kind, 1, unit.id))
            unit.party_organization_id = parties[-1].id
    parent_party = {u.id: u.party_organization_id for u in units}
    for unit in units:
        if unit.party_organization_id is None:
            unit.party_organization_id = parent_party[unit.parent_id]
    assert all(u.party_organization_id for u in by_code.values())
    return parties


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        chars = MALE_CHARS if rng.random() < 0.8 else FEMALE_CHARS
        given = "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(SURNAMES) + given
        if name not in used or len(used) > 40000:
            used.add(name)
            return name


def organisation(scale: float, seed: int = 8) -> Organisation:
    """The benchmark detachment for a data-set scale (persons: 5,000 × scale, at least 600)."""
    rng = random.Random(f"{seed}:organisation")  # noqa: S311 (benchmark data, not security)
    units = _units()
    parties = _parties(units)
    posts = [
        (number, code, name, risk, area, description)
        for number, (code, name, risk, area, description) in enumerate(POSTS, start=1)
    ]
    total = max(MIN_PERSONS, round(FULL_PERSONS * scale))
    weights = [HEADCOUNT[u.headcount_kind] for u in units]
    per_unit = [max(3, round(total * w / sum(weights))) for w in weights]
    persons: list[PersonSpec] = []
    used: set[str] = set()
    seats: dict[int, int] = {}
    for unit, count in zip(units, per_unit, strict=True):
        mix = MIX[unit.mix]
        codes, mix_weights = zip(*mix, strict=True)
        for seat in range(count):
            post = (
                rng.choices(codes, weights=mix_weights)[0] if seat else ("LDBZ" if unit.kind != "window" else codes[0])
            )
            auxiliary = post in AUXILIARY_POSTS or (post in ("CJGSL", "NQ") and rng.random() < 0.3)
            pid = len(persons) + 1
            badge = f"F{pid:06d}" if auxiliary else f"{430000 + pid:06d}"
            person = PersonSpec(
                id=pid,
                badge=badge,
                name=_name(rng, used),
                unit_id=unit.id,
                post_code=post,
                category="auxiliary" if auxiliary else "police",
                rank="none" if auxiliary else rng.choice(("inspector_1", "inspector_2", "inspector_3", "constable_1")),
                party_member=not auxiliary and rng.random() < 0.7,
                activity=rng.uniform(0.6, 1.4),
            )
            seats[unit.id] = seats.get(unit.id, 0) + 1
            if post in MOBILE_POSTS:
                person.device, person.ip = f"PDA-{badge}", f"172.20.{unit.id}.{10 + seats[unit.id] % 240}"
            else:
                person.device = f"PC-{unit.code}-{seats[unit.id]:03d}"
                person.ip = f"10.43.{unit.id}.{10 + seats[unit.id] % 240}"
            persons.append(person)

    users: list[UserSpec] = []

    def user(username, person, *roles, superuser=False):
        spec = UserSpec(len(users) + 1, username, person.id if person else None, superuser, list(roles))
        if person is not None:
            person.user_id = spec.id
        users.append(spec)
        return spec

    first_of = {}
    for person in persons:
        first_of.setdefault(person.unit_id, person)
    # The first person of every unit leads it (unit_leader, own unit; brigades and the detachment: and below).
    for unit in units:
        scope = "unit_and_below" if unit.kind in ("brigade", "detachment") else "own_unit"
        user(f"leader_{unit.code.lower()}", first_of[unit.id], ("unit_leader", scope, unit.id))
    # Party secretaries: the second person of the unit each organisation is attached to.
    members = {}
    for person in persons:
        members.setdefault(person.unit_id, []).append(person)
    for party in parties:
        secretary = members[party.unit_id][1]
        party.secretary_id = secretary.id
        user(f"secretary_{party.id}", secretary, ("party_secretary", "unit_and_below", party.unit_id))
    by_code = {u.code: u for u in units}
    for code, role, count in (
        ("ZD-JCS", "supervisor", 4),
        ("ZD-JGZX", "supervisor", 4),
        ("ZD-JW", "discipline_inspector", 3),
    ):
        for number, person in enumerate(members[by_code[code].id][2 : 2 + count], start=1):
            user(f"{role}_{code.lower()}_{number}", person, (role, "all", by_code[code].id))
    for number, person in enumerate(members[1][2:5], start=1):
        user(f"committee_{number}", person, ("committee", "all", 1))
    user("bench_admin", None, ("admin", "all", 1), superuser=True)
    user("bench_api", None, ("api_client", "all", 1))
    # Responsible persons of rectification items with a login (they receive reminders).
    for person in rng.sample(persons, k=min(300, len(persons) // 4)):
        if person.user_id is None:
            user(f"officer_{person.badge.lower()}", person)
    lead_departments = {
        "vehicle_admin": by_code["ZD-CG"].id,
        "driver_admin": by_code["ZD-CG"].id,
        "violation_processing": by_code["ZD-WFCL"].id,
        "accident_handling": by_code["ZD-SGYF"].id,
        "nonsite_enforcement": by_code["ZD-KJ"].id,
        "road_enforcement": by_code["ZD-ZX"].id,
    }
    return Organisation(units, parties, posts, persons, users, lead_departments)
