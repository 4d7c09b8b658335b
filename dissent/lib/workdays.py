"""Working days for review deadlines (pure: no Django).

A working day is Monday to Friday, less

* U.S. federal holidays as OPM observes them (5 U.S.C. 6103; E.O. 11582): a holiday on a
  Saturday is observed the Friday before, one on a Sunday the Monday after — including
  New Year's Day of the next year observed on 31 December;
* closures by executive order (e.g. Christmas Eve 2019, 2020, 2024; the national days of
  mourning of 2004, 2007, 2018, 2025), which the `holidays` package lists in its U.S.
  GOVERNMENT category; a *half-day* closing there is still a working day;
* extra closures the caller passes in (the deployment's admin-managed closure table):
  anything the package lacks, such as Inauguration Day for offices in the D.C. area or a
  snow day.

Counting rule. The day of receipt is day 0, whatever the hour and whether or not it is a
working day; a deadline of n working days is the n-th working day *after* that day. The
caller decides which calendar date "the day of receipt" is: the review app uses the date in
the organization's time zone (settings.TIME_ZONE), so a message received at 23:30 in
Washington on a Friday counts from that Friday, and one received on a Saturday or a holiday
counts from that day too — its first working day is the next one. No hour-of-day cut-off
applies: a late-evening receipt never shortens or lengthens the time allowed by a day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection
from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.constants import GOVERNMENT

NO_CLOSURES: frozenset[date] = frozenset()
_HALF_DAY = "half-day"


@lru_cache(maxsize=256)
def federal_closures(year: int) -> frozenset[date]:
    """Every weekday-or-weekend date of `year` on which federal offices are closed for a
    holiday (observed dates included) or a full-day executive-order closure."""
    calendar = holidays.country_holidays("US", years=year, categories=(GOVERNMENT,))
    return frozenset(
        day
        for day in calendar
        if day.year == year and not all(_HALF_DAY in name for name in calendar.get_list(day))
    )


def is_working_day(day: date, closures: Collection[date] = NO_CLOSURES) -> bool:
    return day.weekday() < 5 and day not in federal_closures(day.year) and day not in closures


def add_working_days(start: date, n: int, closures: Collection[date] = NO_CLOSURES) -> date:
    """The n-th working day after `start` (`start` is day 0); `start` itself for n == 0."""
    if n < 0:
        raise ValueError("n must be zero or more working days")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, closures):
            counted += 1
    return day


def working_days_between(start: date, end: date, closures: Collection[date] = NO_CLOSURES) -> int:
    """Working days d with start < d <= end; negative when `end` is before `start`.
    working_days_between(s, add_working_days(s, n)) == n for every s and n >= 0.

    Constant work per year spanned, not per day: an archive's ages cost the same as
    today's (weekdays by arithmetic, less the closures that fall on weekdays in range)."""
    if end < start:
        return -working_days_between(end, start, closures)
    full_weeks, rest = divmod((end - start).days, 7)
    weekdays = full_weeks * 5
    day = start + timedelta(days=7 * full_weeks)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            weekdays += 1
    federal = 0
    for year in range(start.year, end.year + 1):
        days = _weekday_closures(year)
        federal += bisect_right(days, end) - bisect_right(days, start)
    extra = sum(
        1
        for d in set(closures)
        if start < d <= end and d.weekday() < 5 and d not in federal_closures(d.year)
    )
    return weekdays - federal - extra


@lru_cache(maxsize=256)
def _weekday_closures(year: int) -> tuple[date, ...]:
    return tuple(sorted(d for d in federal_closures(year) if d.weekday() < 5))
