"""Measuring: the project and its limit alternate, round after round, and the medians are compared."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    """One benchmark row of the results table."""

    code: str
    title: str
    project: str  # what was measured on the project's side
    limit: str  # and on the limit's side
    unit: str  # "s", "req/s", "rows/s", "ms (p95)"
    goal: str  # in words, e.g. "≤ 1.2×"
    project_samples: list[float] = field(default_factory=list)
    limit_samples: list[float] = field(default_factory=list)
    higher_is_better: bool = False
    ratio_goal: float | None = None  # project/limit (time) or limit/project (throughput) must stay under
    absolute_goal: float | None = None  # the project's median must stay under (same unit)
    notes: list[str] = field(default_factory=list)
    available: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def project_median(self) -> float | None:
        return statistics.median(self.project_samples) if self.project_samples else None

    @property
    def limit_median(self) -> float | None:
        return statistics.median(self.limit_samples) if self.limit_samples else None

    @property
    def ratio(self) -> float | None:
        """How many times the limit the project costs (time) or how much of it it reaches (rate)."""
        project, limit = self.project_median, self.limit_median
        if project is None or limit is None or not project or not limit:
            return None
        return project / limit

    @property
    def met(self) -> bool | None:
        if not self.available or self.project_median is None:
            return None
        ok = True
        if self.ratio_goal is not None and self.ratio is not None:
            ok &= self.ratio >= self.ratio_goal if self.higher_is_better else self.ratio <= self.ratio_goal
        if self.absolute_goal is not None:
            ok &= self.project_median <= self.absolute_goal
        return ok


def timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def alternate(
    result: Result,
    *,
    rounds: int,
    project: Callable[[], float],
    limit: Callable[[], float] | None,
    reset: Callable[[], None] | None = None,
    log: Callable[[str], None] = print,
) -> Result:
    """Run project and limit alternately `rounds` times (who goes first alternates too, so that a
    warm cache or a neighbour's load favours neither); each callable returns its measurement in
    the result's unit. `reset` restores the starting state before every measurement."""
    for number in range(rounds):
        order = [("project", project), ("limit", limit)]
        if number % 2:
            order.reverse()
        for side, function in order:
            if function is None:
                continue
            if reset is not None:
                reset()
            value = function()
            (result.project_samples if side == "project" else result.limit_samples).append(value)
            log(f"    {result.code} round {number + 1}/{rounds} {side}: {value:,.3f} {result.unit}")
    return result
