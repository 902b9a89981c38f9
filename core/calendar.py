"""Working days: Monday to Friday, except public holidays, plus make-up workdays (调休).

The exceptions live in core.CalendarDay. Every function loads the exceptions of the window it needs
in one query, so deadline arithmetic costs one query however many days it spans.
"""

from datetime import date, timedelta

from core.models import CalendarDay


def _exceptions(start: date, end: date) -> dict[date, str]:
    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))


def _is_working(day: date, exceptions: dict[date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def is_working_day(day: date) -> bool:
    return _is_working(day, _exceptions(day, day))


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (count 0 gives `start` itself)."""
    if count <= 0:
        return start
    # Long Chinese holidays (春节, 国庆) remove up to 9 days; a generous window avoids a second query.
    exceptions = _exceptions(start, start + timedelta(days=count * 2 + 40))
    day, remaining = start, count
    while remaining:
        day += timedelta(days=1)
        if _is_working(day, exceptions):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: 0 when end is not after start."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    return sum(
        1 for offset in range(1, (end - start).days + 1) if _is_working(start + timedelta(days=offset), exceptions)
    )


def working_day_ordinals(first: date, last: date) -> dict[date, int]:
    """For each day from `first` to `last`, the number of working days in (first, day]: the working
    days between any two of these days are the difference of their ordinals. One query."""
    exceptions = _exceptions(first, last)
    ordinals, count, day = {first: 0}, 0, first
    while day < last:
        day += timedelta(days=1)
        count += _is_working(day, exceptions)
        ordinals[day] = count
    return ordinals
