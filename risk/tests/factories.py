"""Business records for the risk tests: `record(unit=..., ...)` makes one with sensible defaults.

    record(unit=org.a1)                                   # a completed vehicle registration, 10:00 on 2026-10-05
    record(unit=org.a1, operator=clerk, flags=["deleted"], area="violation_processing",
           business_type="violation.delete", day=12, hour=22)
    record(unit=org.a1, operator=None)                    # no operator (badge, account empty)

Times are local (Asia/Shanghai) and timezone-aware; `accepted_at=` overrides month/day/hour/minute.
"""

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from accounts.models import Person, Unit
from accounts.tests.factories import PersonFactory
from risk.models import BusinessRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = date(2026, 10, 1)  # the default month of the records and of the assessment tests

_sequence = itertools.count(1)
_NEW = object()  # sentinel: create a fresh operator in the unit


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A timezone-aware datetime in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def record_build(
    *,
    unit: Unit,
    operator: Person | None = _NEW,  # type: ignore[assignment]
    month: date = MONTH,
    day: int = 5,
    hour: int = 10,
    minute: int = 0,
    flags: list[str] | tuple[str, ...] = (),
    **overrides,
) -> BusinessRecord:
    """One unsaved BusinessRecord (see `record`). `unit` is required; `operator` defaults to a new
    person of the unit (pass `operator=None` for none); any model field can be overridden by keyword;
    `flags` sets the flag_* columns (names as in the import format: deleted, cancelled, ...)."""
    unknown = set(flags) - set(BusinessRecord.FLAGS)
    if unknown:
        raise ValueError(f"unknown flags: {sorted(unknown)}")
    if operator is _NEW:
        operator = PersonFactory(unit=unit)
    number = next(_sequence)
    accepted_at = overrides.pop("accepted_at", None) or local(month.year, month.month, day, hour, minute)
    values = {
        "source_system": "vehicle_admin_sys",
        "external_id": f"T{number:08d}",
        "area": "vehicle_admin",
        "business_type": "vehicle.register",
        "unit": unit,
        "unit_code": unit.code,
        "operator": operator,
        "operator_badge": operator.badge_number if operator else "",
        "operator_account": f"acc-{operator.badge_number}" if operator else "",
        "device_id": f"PC-{operator.badge_number}" if operator else f"PC-{unit.code}-01",  # one's own PC
        "client_ip": "10.0.0.10",
        "applicant_id": f"11010119800101{number % 10000:04d}",
        "agent_id": "",
        "accepted_at": accepted_at,
        "completed_at": accepted_at + timedelta(hours=1),
        "time_limit_hours": None,
        "status": BusinessRecord.Status.COMPLETED,
        "amount": None,
        "points": None,
        "result": "",
    }
    values.update({f"flag_{flag}": True for flag in flags})
    values.update(overrides)
    if "unit" in overrides and "unit_code" not in overrides:
        values["unit_code"] = values["unit"].code
    return BusinessRecord(**values)


def record(**kwargs) -> BusinessRecord:
    """One saved BusinessRecord; the arguments are those of `record_build`."""
    built = record_build(**kwargs)
    built.save()
    return built


def records(count: int, **kwargs) -> list[BusinessRecord]:
    """`count` records with the same arguments (each a new external id), in one bulk insert. Pass an
    `operator` (or None): the default would create a person per record."""
    return BusinessRecord.objects.bulk_create([record_build(**kwargs) for _ in range(count)])


# Alert thresholds under which the three clerks of `clerks_deleting_records` each raise one alert.
LOW_THRESHOLDS = {"blue": 30, "yellow": 50, "orange": 70, "red": 85}


def clerks_deleting_records(unit: Unit) -> list[Person]:
    """Three clerks of the violation-processing post in `unit` who deleted 6, 8 and 10 records on the
    12th of MONTH: under LOW_THRESHOLDS, the month's assessment raises one alert for each."""
    from accounts.tests.factories import PostFactory

    post = PostFactory(code="WFCL", name="违法处理")
    clerks = []
    for n, count in enumerate((6, 8, 10)):
        clerks.append(PersonFactory(unit=unit, post=post, name=f"内勤{n}"))
        records(
            count,
            unit=unit,
            operator=clerks[-1],
            month=MONTH,
            day=12,
            flags=["deleted"],
            area="violation_processing",
            business_type="violation.process",
        )
    return clerks


__all__ = [
    "LOW_THRESHOLDS",
    "MONTH",
    "SHANGHAI",
    "clerks_deleting_records",
    "local",
    "record",
    "record_build",
    "records",
]
