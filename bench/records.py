"""Synthetic business records (业务流水) for the benchmark: 10 million over 12 months at full scale.

Realistic enough for the supervision models to behave as in production: every operator works
from their own device, IP and account (their badge number); window business happens on working
days in office hours, road and accident work any day from 07:00 to 20:00; each post does its own
business types at its own daily rate, and the rates are set so that the year holds the target
number of records. Each month about 3 % of the operators misbehave in a way one of the models is
written for (mass deletions, points exemptions, fast inspections, an examiner passing everybody,
off-hours business, discards of the same owner's violations, …), a few devices are shared, a
few accounts roam over devices, a few intermediaries (黄牛) serve dozens of applicants and a few
units overrun their time limits — so the monthly assessment has hits to find, in proportions like
the real ones.

Deterministic: day d of the data set draws from random.Random(f"{seed}:{day}"), month m's
misbehaving operators from random.Random(f"{seed}:month:{m}").

Records are produced day by day in the order they were accepted, so ids grow with accepted_at as
they do when the business systems push their records as they happen.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from bench.organisation import MOBILE_POSTS, OPERATOR_POSTS, Organisation

DAY = 86400
# business type -> (source system, area, time limit in hours)
TYPES = {
    "vehicle.register": ("six_in_one", "vehicle_admin", 24),
    "vehicle.transfer": ("six_in_one", "vehicle_admin", 24),
    "vehicle.plate": ("six_in_one", "vehicle_admin", 24),
    "vehicle.deregister": ("six_in_one", "vehicle_admin", 24),
    "vehicle.inspect": ("six_in_one", "vehicle_admin", 24),
    "license.exam": ("six_in_one", "driver_admin", None),
    "license.renew": ("six_in_one", "driver_admin", 24),
    "license.replace": ("six_in_one", "driver_admin", 24),
    "violation.process": ("six_in_one", "violation_processing", None),
    "violation.modify": ("six_in_one", "violation_processing", None),
    "violation.delete": ("six_in_one", "violation_processing", None),
    "violation.cancel": ("six_in_one", "violation_processing", None),
    "accident.register": ("accident_system", "accident_handling", 24),
    "accident.close": ("accident_system", "accident_handling", 240),
    "accident.liability": ("accident_system", "accident_handling", 240),
    "nonsite.review": ("nonsite_platform", "nonsite_enforcement", 72),
    "road.ticket": ("police_mobile", "road_enforcement", None),
    "road.warning": ("police_mobile", "road_enforcement", None),
    "road.seize": ("police_mobile", "road_enforcement", None),
    "road.dui": ("police_mobile", "road_enforcement", None),
}
TYPE_PREFIX = {name: "{}\t{}\t{}\t".format(*TYPES[name][:2], name) for name in TYPES}
LIMIT_TEXT = {name: "\\N" if TYPES[name][2] is None else str(TYPES[name][2]) for name in TYPES}

# Business types of each post, weighted; a misbehaving operator may use a different mix.
MIXES = {
    "CJGSL": [
        ("vehicle.register", 30),
        ("vehicle.transfer", 25),
        ("vehicle.plate", 10),
        ("vehicle.deregister", 8),
        ("license.renew", 17),
        ("license.replace", 10),
    ],
    "JDCCY": [("vehicle.inspect", 1)],
    "KSY": [("license.exam", 1)],
    "WFCL": [("violation.process", 985), ("violation.modify", 10), ("violation.delete", 3), ("violation.cancel", 2)],
    "WFCL:mass_delete": [("violation.process", 80), ("violation.delete", 15), ("violation.cancel", 5)],
    "WFCL:off_hours_change": [("violation.process", 85), ("violation.modify", 12), ("violation.delete", 3)],
    "SGCL": [("accident.register", 40), ("accident.close", 45), ("accident.liability", 15)],
    "FXCSH": [("nonsite.review", 1)],
    "SPJG": [("nonsite.review", 1)],
    "LMZQ": [("road.ticket", 70), ("road.warning", 20), ("road.seize", 8), ("road.dui", 2)],
    "LMZQ:warning": [("road.ticket", 30), ("road.warning", 62), ("road.seize", 6), ("road.dui", 2)],
    "LMZQ:dui": [("road.ticket", 60), ("road.warning", 20), ("road.seize", 8), ("road.dui", 12)],
}
SLOTS = 200
SLOT_TABLES = {
    key: [name for name, weight in mix for _ in range(round(SLOTS * weight / sum(w for _n, w in mix)))]
    for key, mix in MIXES.items()
}
# The ways an operator of each post misbehaves (one per misbehaving operator and month).
MISCONDUCT = {
    "WFCL": ("mass_delete", "off_hours_change", "exempt", "downgrade", "throughput"),
    "CJGSL": ("off_hours", "owner_reg", "replace", "modified"),
    "JDCCY": ("fast", "off_hours"),
    "KSY": ("pass", "volume"),
    "SGCL": ("overdue", "quick", "liability"),
    "FXCSH": ("discard", "discard_daily", "repeat_owner"),
    "SPJG": ("discard", "discard_daily", "repeat_owner"),
    "LMZQ": ("downgrade", "warning", "dui"),
}
MISBEHAVING_SHARE = 0.03
# Records per operator and working day (window posts) or day (mobile posts), before scaling.
DAILY_RATE = {"CJGSL": 40, "JDCCY": 20, "KSY": 15, "WFCL": 45, "FXCSH": 50, "SPJG": 40, "LMZQ": 6, "SGCL": 3}
# Rates that absorb the difference to the target volume (the rest keep per-day thresholds honest).
ELASTIC = ("LMZQ", "SGCL", "FXCSH", "SPJG")
FINES = [20, 50, 50, 100, 100, 150, 200, 200, 200, 500]
POINTS = [0, 0, 1, 1, 1, 3, 3, 3, 6, 12]
OFFICE = 25200  # 08:30-12:00 and 14:00-17:30, in seconds
FLAG_NAMES = (
    "deleted",
    "cancelled",
    "downgraded",
    "points_exempted",
    "manual_discard",
    "modified",
    "public_servant_dui",
    "transferred",
)
DELETED, CANCELLED, DOWNGRADED, EXEMPTED, DISCARD, MODIFIED, DUI, TRANSFERRED = (1 << n for n in range(8))
FLAG_TEXT = ["\t".join("t" if mask >> n & 1 else "f" for n in range(8)) for mask in range(256)]
NULL = "\\N"
HMS = [f" {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}+08" for s in range(DAY)]

# Columns of risk_businessrecord in the order table_line() writes them.
COLUMNS = (
    "source_system",
    "area",
    "business_type",
    "external_id",
    "unit_code",
    "unit_id",
    "operator_badge",
    "operator_id",
    "operator_account",
    "device_id",
    "client_ip",
    "applicant_id",
    "agent_id",
    "accepted_at",
    "completed_at",
    "time_limit_hours",
    "status",
    *(f"flag_{name}" for name in FLAG_NAMES),
    "amount",
    "points",
    "result",
    "imported_at",
)


@dataclass(slots=True)
class Record:
    """One generated record before formatting (times in seconds since the data set's first day)."""

    business_type: str
    operator: int  # index into the generator's operators
    device: str
    ip: str
    applicant: str
    agent: str
    accepted: int
    completed: int | None
    status: str
    mask: int
    amount: str | None
    points: int | None
    result: str


def months_ending(last: date, count: int) -> list[date]:
    months = [last.replace(day=1)]
    while len(months) < count:
        first = months[-1]
        months.append(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return sorted(months)


def workdays_between(first: date, last: date, calendar: dict[date, str]) -> set[date]:
    days, day = set(), first
    while day <= last:
        kind = calendar.get(day)
        if kind == "workday" or (kind != "holiday" and day.weekday() < 5):
            days.add(day)
        day += timedelta(days=1)
    return days


class RecordGenerator:
    """Business records of the benchmark detachment, day by day."""

    def __init__(
        self,
        org: Organisation,
        *,
        first_day: date,
        last_day: date,
        total: int,
        calendar: dict[date, str],
        seed: int = 8,
    ) -> None:
        self.org = org
        self.seed = seed
        self.first_day = first_day
        self.last_day = last_day
        self.days = (last_day - first_day).days + 1
        self.workdays = workdays_between(first_day, last_day, calendar)
        self.day_text = [f"{first_day + timedelta(days=n):%Y-%m-%d}" for n in range(self.days + 400)]
        units = {u.id: u for u in org.units}
        self.operators = [p for p in org.persons if p.post_code in OPERATOR_POSTS]
        self.op_text = [f"{units[p.unit_id].code}\t{p.unit_id}\t{p.badge}\t{p.id}\t{p.badge}\t" for p in self.operators]
        self.op_unit = [p.unit_id for p in self.operators]
        self.op_post = [p.post_code for p in self.operators]
        self.pools: dict[str, list[int]] = {}
        for index, person in enumerate(self.operators):
            self.pools.setdefault(person.post_code, []).append(index)
        self.unit_code = {u.id: u.code for u in org.units}
        self.agent_pool = max(500, round(20000 * total / 10_000_000))
        self.applicant_pool = max(100_000, total)
        self.rates = self._rates(total)

    # --- volume ------------------------------------------------------------------------------------

    def _rates(self, total: int) -> dict[str, float]:
        """Daily rate per post so that the data set holds `total` records."""
        workdays = len(self.workdays)

        def volume(post: str, rate: float) -> float:
            days = self.days if post in MOBILE_POSTS else workdays
            return rate * len(self.pools.get(post, ())) * days

        fixed = sum(volume(p, r) for p, r in DAILY_RATE.items() if p not in ELASTIC)
        elastic = sum(volume(p, r) for p, r in DAILY_RATE.items() if p in ELASTIC)
        rates = dict(DAILY_RATE)
        if fixed > 0.6 * total:  # a small data set: every rate shrinks
            factor_fixed, factor_elastic = 0.6 * total / fixed, 0.4 * total / elastic
        else:
            factor_fixed, factor_elastic = 1.0, (total - fixed) / elastic
        for post in rates:
            rates[post] *= factor_elastic if post in ELASTIC else factor_fixed
        return rates

    # --- misconduct of the month -------------------------------------------------------------------

    def month_plan(self, month: date) -> dict:
        rng = random.Random(f"{self.seed}:month:{month:%Y-%m}")  # noqa: S311 (benchmark data)
        misconduct: dict[int, str] = {}
        for post, pool in sorted(self.pools.items()):
            count = max(1, round(len(pool) * MISBEHAVING_SHARE))
            for index in rng.sample(pool, k=min(count, len(pool))):
                misconduct[index] = rng.choice(MISCONDUCT[post])
        window_units = sorted({self.op_unit[i] for i in range(len(self.operators)) if self.op_post[i] == "CJGSL"})
        by_unit: dict[int, list[int]] = {}
        for index, unit in enumerate(self.op_unit):
            if self.op_post[index] not in MOBILE_POSTS:
                by_unit.setdefault(unit, []).append(index)
        shared: dict[int, str] = {}
        for unit in rng.sample(sorted(by_unit), k=min(8, len(by_unit))):
            if len(by_unit[unit]) >= 5:
                for index in rng.sample(by_unit[unit], k=5):
                    shared[index] = f"PC-{self.unit_code[unit]}-000"
        roaming: dict[tuple[int, int], list[tuple[str, str]]] = {}
        candidates = [i for pool in ("CJGSL", "WFCL", "FXCSH") for i in self.pools.get(pool, [])]
        month_days = [d for d in range(self.days) if self._date(d).replace(day=1) == month] or list(range(self.days))
        for index in rng.sample(candidates, k=min(10, len(candidates))):
            peers = by_unit[self.op_unit[index]]
            roaming[(index, rng.choice(month_days))] = [
                (self.operators[peer].device, self.operators[peer].ip)
                for peer in rng.sample(peers, k=min(4, len(peers)))
            ]
        intermediaries = [f"I{month:%Y%m}{n:03d}" for n in range(max(2, round(5 * len(candidates) / 500)))]
        overdue_units = set(rng.sample(window_units, k=min(3, len(window_units))))
        return {
            "misconduct": misconduct,
            "shared": shared,
            "roaming": roaming,
            "intermediaries": intermediaries,
            "overdue_units": overdue_units,
        }

    def _date(self, day: int) -> date:
        return self.first_day + timedelta(days=day)

    # --- one day -----------------------------------------------------------------------------------

    def day_records(self, day: int, plan: dict) -> list[Record]:
        """The records accepted on day `day` (0 = first_day), in the order they were accepted."""
        rng = random.Random(f"{self.seed}:{day}")  # noqa: S311 (benchmark data)
        rand = rng.random
        today = self._date(day)
        workday = today in self.workdays
        base = day * DAY
        misconduct = plan["misconduct"]
        shared, roaming, overdue_units = plan["shared"], plan["roaming"], plan["overdue_units"]
        intermediaries = plan["intermediaries"]
        pending_from = (self.days - 3) * DAY
        records: list[Record] = []
        append = records.append
        operators = self.operators
        for post, pool in sorted(self.pools.items()):
            mobile = post in MOBILE_POSTS
            if not mobile and not workday:
                continue
            weights = []
            for index in pool:
                weight = operators[index].activity
                kind = misconduct.get(index)
                if kind == "throughput":
                    weight *= 3
                elif kind == "volume":
                    weight *= 2.6
                weights.append(weight)
            count = round(self.rates[post] * len(pool) * rng.uniform(0.9, 1.1))
            if count <= 0:
                continue
            chosen = rng.choices(pool, weights=weights, k=count)
            for index in chosen:
                kind = misconduct.get(index)
                person = operators[index]
                mix = SLOT_TABLES.get(f"{post}:{kind}") or SLOT_TABLES[post]
                business_type = mix[int(rand() * len(mix))]
                # when
                if mobile:
                    second = 25200 + int(rand() * 46800)  # 07:00-20:00
                else:
                    off_hours = 0.002
                    if kind == "off_hours":
                        off_hours = 0.08
                    elif kind == "off_hours_change" and business_type != "violation.process":
                        off_hours = 0.5
                    if rand() < off_hours:
                        second = int(rand() * 7200) + (64800 if rand() < 0.7 else 21600)  # 18-20h or 06-08h
                    else:
                        offset = int(rand() * OFFICE)
                        second = 30600 + offset if offset < 12600 else 50400 + offset - 12600
                accepted = base + second
                device, ip = person.device, person.ip
                if index in shared and rand() < 0.05:
                    device = shared[index]
                roam = roaming.get((index, day)) if roaming else None
                if roam and rand() < 0.6:
                    device, ip = roam[int(rand() * len(roam))]
                applicant = f"43{int(rand() * self.applicant_pool):016d}"
                agent = ""
                status, mask, amount, points, result = "completed", 0, None, None, "completed"
                minutes = 3 + int(rand() * 87)
                completed = accepted + minutes * 60
                area_kind = business_type[: business_type.index(".")]
                if area_kind == "vehicle":
                    if business_type == "vehicle.inspect":
                        completed = accepted + (
                            60 + int(rand() * 230) if kind == "fast" and rand() < 0.3 else 480 + int(rand() * 1920)
                        )
                    else:
                        if rand() < 0.15:
                            agent = f"A{int(rand() * self.agent_pool):07d}"
                        if kind == "owner_reg" and business_type == "vehicle.register":
                            applicant = f"43{index:08d}{int(rand() * 3):08d}"
                    if person.unit_id in overdue_units and rand() < 0.2:
                        completed = accepted + (25 + int(rand() * 48)) * 3600
                    elif rand() < 0.01:
                        completed = accepted + (25 + int(rand() * 48)) * 3600
                elif area_kind == "license":
                    if business_type == "license.exam":
                        passed = rand() < (0.98 if kind == "pass" else 0.75)
                        result = "pass" if passed else "fail"
                        completed = accepted + 600 + int(rand() * 1800)
                    elif business_type == "license.replace" and kind == "replace":
                        applicant = f"43{index:08d}{int(rand() * 3):08d}"
                    if person.unit_id in overdue_units and business_type != "license.exam" and rand() < 0.2:
                        completed = accepted + (25 + int(rand() * 48)) * 3600
                elif area_kind == "violation":
                    if business_type == "violation.process":
                        fine, points = FINES[int(rand() * 10)], POINTS[int(rand() * 10)]
                        if points and rand() < (0.25 if kind == "exempt" else 0.02):
                            mask |= EXEMPTED
                            points = 0
                        if rand() < (0.2 if kind == "downgrade" else 0.02):
                            mask |= DOWNGRADED
                            fine, points = max(fine // 2, 20), max(points - 3, 0)
                        amount = f"{fine}.00"
                    elif business_type == "violation.delete":
                        status, mask = "deleted", DELETED
                    elif business_type == "violation.cancel":
                        status, mask = "cancelled", CANCELLED
                    else:
                        mask = MODIFIED
                elif area_kind == "accident":
                    if business_type == "accident.register":
                        completed = accepted + (1 + int(rand() * 20)) * 3600
                    else:
                        if kind == "quick" and business_type == "accident.close" and rand() < 0.3:
                            hours = rand() * 1.8
                        elif rand() < (0.35 if kind == "overdue" else 0.01):
                            hours = 241 + rand() * 240
                        else:
                            hours = 24 + rand() * 210
                        completed = accepted + int(hours * 3600)
                        if rand() < (0.12 if kind == "liability" else 0.004):
                            mask |= MODIFIED
                elif area_kind == "nonsite":
                    discard = {"discard": 0.3, "discard_daily": 0.5, "repeat_owner": 0.15}.get(kind, 0.03)
                    if rand() < discard:
                        mask |= DISCARD
                        if kind == "repeat_owner":
                            applicant = f"43{index:08d}{int(rand() * 5):08d}"
                    completed = accepted + (600 + int(rand() * 86000))
                else:  # road
                    if business_type == "road.ticket":
                        fine, points = FINES[int(rand() * 10)], POINTS[int(rand() * 10)]
                        if rand() < (0.25 if kind == "downgrade" else 0.02):
                            mask |= DOWNGRADED
                            fine, points = max(fine // 2, 20), max(points - 3, 0)
                        amount = f"{fine}.00"
                    elif business_type == "road.dui":
                        if kind == "dui" or rand() < 0.1:
                            mask |= DUI
                            if kind == "dui" and rand() < 0.5:
                                completed = None
                            else:
                                mask |= TRANSFERRED
                                completed = accepted + (6 + int(rand() * 60)) * 3600
                        else:
                            completed = accepted + 3600
                    completed = completed if business_type == "road.dui" else accepted + minutes * 20
                if (
                    mask & MODIFIED == 0
                    and area_kind in ("vehicle", "license")
                    and rand() < (0.1 if kind == "modified" else 0.002)
                ):
                    mask |= MODIFIED
                if accepted >= pending_from and completed is not None and rand() < 0.3:
                    status, completed = "pending", None
                append(
                    Record(
                        business_type,
                        index,
                        device,
                        ip,
                        applicant,
                        agent,
                        accepted,
                        completed,
                        status,
                        mask,
                        amount,
                        points,
                        result,
                    )
                )
        # The intermediaries of the month: a few dozen applicants each, through window clerks.
        clerks = self.pools.get("CJGSL", [])
        if workday and clerks and intermediaries:
            for agent in intermediaries:
                for _ in range(2):
                    index = clerks[int(rand() * len(clerks))]
                    accepted = base + 30600 + int(rand() * 12000)
                    person = operators[index]
                    append(
                        Record(
                            "vehicle.transfer",
                            index,
                            person.device,
                            person.ip,
                            f"43{int(rand() * self.applicant_pool):016d}",
                            agent,
                            accepted,
                            accepted + 1800,
                            "completed",
                            0,
                            None,
                            None,
                            "completed",
                        )
                    )
        records.sort(key=_accepted)
        return records

    # --- formatting --------------------------------------------------------------------------------

    def moment(self, seconds: int) -> str:
        return self.day_text[seconds // DAY] + HMS[seconds % DAY]

    def table_lines(self, records: list[Record], *, prefix: str, start: int = 1) -> Iterator[str]:
        """COPY text lines of risk_businessrecord (COLUMNS order); external ids `<prefix>-<n>`."""
        day_text, op_text = self.day_text, self.op_text
        for number, r in enumerate(records, start=start):
            accepted = r.accepted
            completed = r.completed
            imported = accepted + 3600
            yield (
                f"{TYPE_PREFIX[r.business_type]}{prefix}-{number:07d}\t{op_text[r.operator]}{r.device}\t{r.ip}\t"
                f"{r.applicant}\t{r.agent}\t{day_text[accepted // DAY]}{HMS[accepted % DAY]}\t"
                f"{NULL if completed is None else day_text[completed // DAY] + HMS[completed % DAY]}\t"
                f"{LIMIT_TEXT[r.business_type]}\t{r.status}\t{FLAG_TEXT[r.mask]}\t"
                f"{NULL if r.amount is None else r.amount}\t{NULL if r.points is None else r.points}\t"
                f"{r.result}\t{day_text[imported // DAY]}{HMS[imported % DAY]}\n"
            )

    def import_row(self, record: Record, *, external_id: str, source_system: str | None = None) -> dict:
        """The record in the import format of risk.importing (what the business systems send)."""
        person = self.operators[record.operator]
        source, area, limit = TYPES[record.business_type]
        return {
            "source_system": source_system or source,
            "external_id": external_id,
            "area": area,
            "business_type": record.business_type,
            "unit_code": self.unit_code[person.unit_id],
            "operator_badge": person.badge,
            "operator_account": person.badge,
            "device_id": record.device,
            "client_ip": record.ip,
            "applicant_id": record.applicant,
            "agent_id": record.agent,
            "accepted_at": self.moment(record.accepted).replace(" ", "T") + ":00",
            "completed_at": (
                "" if record.completed is None else self.moment(record.completed).replace(" ", "T") + ":00"
            ),
            "time_limit_hours": "" if limit is None else str(limit),
            "status": record.status,
            "flags": ";".join(name for n, name in enumerate(FLAG_NAMES) if record.mask >> n & 1),
            "amount": record.amount or "",
            "points": "" if record.points is None else str(record.points),
            "result": record.result,
        }


def _accepted(record: Record) -> int:
    return record.accepted
