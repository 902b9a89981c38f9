"""The forced distribution of the Double Clean rating (seed 000: 10 % / 40 % / 10 %), as a pure function.

No database here: `grade_units` takes one entry per rated unit and returns each unit's rank, grade and
the reasons for it, so the rules can be tested for any number of units without writing a row.

The rules, in order:

1. Quotas. With N rated units: model = round-half-up(N x 10 %), demonstration = round-half-up(N x 40 %),
   warning-tagged = round-half-up(N x 10 %); the rest are standard. Computed in integers
   ((N x percent + 50) // 100), so 0.5 always rounds up and no float error can move a boundary.
2. Order. Units are sorted by score, highest first; equal scores by the secondary keys, in this order:
   fewer grave findings first, then the higher rectification on-time rate. Units equal on all three
   keys are tied; they share a rank (competition ranking: 1, 2, 2, 4) and are listed by unit id
   only for a stable display, which decides nothing.
3. Warning-tagged (警示挂牌): the last `warning` places of the order.
4. Veto (一票否决): a vetoed unit (a concluded case with a confirmed integrity problem in the year) can
   be neither model nor demonstration. The model and demonstration places go to the eligible units
   (not vetoed, not in the warning places) in order: the first `model` eligible units are model, the
   next `demonstration` are demonstration. A vetoed unit's place thus passes to the next eligible
   unit; the vetoed unit is standard, or warning-tagged when it is in the warning places. The quotas
   are filled by eligible units whenever there are enough of them above the warning places; they are
   never filled from the warning places.
5. Ties that the secondary keys do not break are never broken at random or by unit id. When the
   places of a group of tied units span more than one grade, every unit of the group that competes
   for those places is flagged `tie_unresolved` and provisionally gets the LOWEST grade its places
   span (the better grade is not given provisionally). `tie_grades` records how many places of each
   grade the group holds, so the committee's decision (ratings.services.rating_tie_decide) hands out
   exactly those places: the quotas stay as computed. A round cannot be approved while a tie is
   unresolved.

   Which units of a group compete: at a model/demonstration/standard boundary, the group's eligible
   units (a vetoed unit of the group is standard whatever happens, so it is not part of the tie); at
   the warning boundary, every unit of the group (the veto does not decide who is in the bottom 10 %).
   A vetoed unit in such a tie can only be decided standard or warning-tagged.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

MODEL = "model"
DEMONSTRATION = "demonstration"
STANDARD = "standard"
WARNING = "warning"
# Best first; the index is the "lowness" of a grade.
GRADE_ORDER = (MODEL, DEMONSTRATION, STANDARD, WARNING)
VETO_EXCLUDED = (MODEL, DEMONSTRATION)

MODEL_PERCENT = 10
DEMONSTRATION_PERCENT = 40
WARNING_PERCENT = 10

SECONDARY_GRAVE = "grave_findings"
SECONDARY_ON_TIME = "on_time_rate"


def round_half_up_percent(n: int, percent: int) -> int:
    """round-half-up(n x percent / 100) in integers."""
    return (n * percent + 50) // 100


@dataclass(frozen=True)
class Quotas:
    units: int
    model: int
    demonstration: int
    warning: int

    @property
    def standard(self) -> int:
        return self.units - self.model - self.demonstration - self.warning

    def as_dict(self) -> dict[str, int]:
        return {
            "units": self.units,
            MODEL: self.model,
            DEMONSTRATION: self.demonstration,
            STANDARD: self.standard,
            WARNING: self.warning,
            "model_percent": MODEL_PERCENT,
            "demonstration_percent": DEMONSTRATION_PERCENT,
            "warning_percent": WARNING_PERCENT,
        }


def quotas_for(n: int) -> Quotas:
    return Quotas(
        units=n,
        model=round_half_up_percent(n, MODEL_PERCENT),
        demonstration=round_half_up_percent(n, DEMONSTRATION_PERCENT),
        warning=round_half_up_percent(n, WARNING_PERCENT),
    )


@dataclass(frozen=True)
class GradeInput:
    unit_id: int
    score: Decimal
    grave_findings: int
    on_time_rate: Decimal
    vetoed: bool

    @property
    def key(self) -> tuple:
        return (-Decimal(self.score), int(self.grave_findings), -Decimal(self.on_time_rate))


@dataclass
class GradeResult:
    unit_id: int
    rank: int  # competition rank over all units (tied units share it)
    place: int  # 1-based place in the order (tied units: display order only)
    grade: str
    vetoed: bool = False
    in_warning_places: bool = False
    eligible_place: int | None = None  # 1-based place among the eligible units, when decided by it
    passed_over: int = 0  # vetoed units above this one (outside the warning places): their places passed down
    place_grade: str | None = None  # the grade of its place in the order had no unit been vetoed
    vetoed_from: str | None = None  # the grade a vetoed unit's place would have had
    tie_unresolved: bool = False
    tie_group: int | None = None
    tie_grades: dict[str, int] = field(default_factory=dict)
    tie_size: int = 0
    separated_by: str | None = None  # the secondary key that separated it from an equal score across a boundary


def _lowest(grades: Iterable[str]) -> str:
    return max(grades, key=GRADE_ORDER.index)


def _eligible_slot_grade(index: int, quotas: Quotas) -> str:
    """The grade of the `index`-th (0-based) place among the eligible units."""
    if index < quotas.model:
        return MODEL
    if index < quotas.model + quotas.demonstration:
        return DEMONSTRATION
    return STANDARD


def grade_units(entries: Sequence[GradeInput | tuple]) -> tuple[Quotas, list[GradeResult]]:
    """Rank and grade the units. `entries`: GradeInput or (unit_id, score, grave_findings,
    on_time_rate, vetoed) tuples. Returns the quotas and one result per unit, in order (best first)."""
    items = [entry if isinstance(entry, GradeInput) else GradeInput(*entry) for entry in entries]
    if len({item.unit_id for item in items}) != len(items):
        raise ValueError("each unit may appear once")
    quotas = quotas_for(len(items))
    ordered = sorted(items, key=lambda item: (item.key, item.unit_id))
    n = len(ordered)
    warning_start = n - quotas.warning  # places (0-based) from here on are warning-tagged

    # Groups of units equal on every key (a group of one is not a tie).
    groups: list[list[int]] = []
    for index, item in enumerate(ordered):
        if groups and ordered[groups[-1][0]].key == item.key:
            groups[-1].append(index)
        else:
            groups.append([index])

    results: list[GradeResult] = []
    eligible_used = 0  # eligible places taken above the current group
    vetoed_above = 0  # vetoed units above the current group, outside the warning places
    tie_number = 0
    for group in groups:
        rank = group[0] + 1
        members = [ordered[index] for index in group]
        warning_places = sum(1 for index in group if index >= warning_start)
        other_places = len(group) - warning_places
        eligible = [m for m in members if not m.vetoed]

        def result(item: GradeInput, index: int, grade: str, rank: int = rank, **extra) -> GradeResult:
            return GradeResult(
                unit_id=item.unit_id, rank=rank, place=index + 1, grade=grade, vetoed=item.vetoed, **extra
            )

        if warning_places == 0:
            # Above the warning places: the eligible units of the group take the next eligible places.
            slot_grades = [_eligible_slot_grade(eligible_used + i, quotas) for i in range(len(eligible))]
            tied = len(set(slot_grades)) > 1
            if tied:
                tie_number += 1
            for index, item in zip(group, members, strict=True):
                if item.vetoed:
                    # The grade its place in the order would have had without any veto.
                    would = _eligible_slot_grade(index, quotas)
                    results.append(result(item, index, STANDARD, vetoed_from=would if would in VETO_EXCLUDED else None))
                    continue
                position = eligible.index(item)
                if tied:
                    results.append(
                        result(
                            item,
                            index,
                            _lowest(slot_grades),
                            eligible_place=eligible_used + 1,
                            passed_over=vetoed_above,
                            tie_unresolved=True,
                            tie_group=tie_number,
                            tie_grades=dict(Counter(slot_grades)),
                            tie_size=len(eligible),
                        )
                    )
                else:
                    results.append(
                        result(
                            item,
                            index,
                            slot_grades[position],
                            eligible_place=eligible_used + position + 1,
                            passed_over=vetoed_above,
                            place_grade=_eligible_slot_grade(index, quotas),
                        )
                    )
            eligible_used += len(eligible)
            vetoed_above += len(members) - len(eligible)
        elif other_places == 0:
            for index, item in zip(group, members, strict=True):
                results.append(result(item, index, WARNING, in_warning_places=True))
        else:
            # The group straddles the warning boundary: which of its units are warning-tagged is undecided.
            tie_number += 1
            slot_grades = [WARNING] * warning_places
            # Its places above the boundary: eligible places while it has eligible units, else standard.
            slot_grades += [
                _eligible_slot_grade(eligible_used + i, quotas) if i < len(eligible) else STANDARD
                for i in range(other_places)
            ]
            for index, item in zip(group, members, strict=True):
                results.append(
                    result(
                        item,
                        index,
                        WARNING,
                        in_warning_places=index >= warning_start,
                        tie_unresolved=True,
                        tie_group=tie_number,
                        tie_grades=dict(Counter(slot_grades)),
                        tie_size=len(group),
                    )
                )
            eligible_used += min(other_places, len(eligible))

    # Equal scores separated by a secondary key across a grade boundary: say which key did it.
    for upper, lower in pairwise(results):
        a, b = ordered[upper.place - 1], ordered[lower.place - 1]
        if a.key == b.key or Decimal(a.score) != Decimal(b.score):
            continue
        if upper.grade == lower.grade or upper.tie_unresolved or lower.tie_unresolved:
            continue
        key = SECONDARY_GRAVE if a.grave_findings != b.grave_findings else SECONDARY_ON_TIME
        upper.separated_by = upper.separated_by or key
        lower.separated_by = lower.separated_by or key
    return quotas, results
