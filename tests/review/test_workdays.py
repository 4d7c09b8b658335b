"""Working days and deadlines (pure functions) against OPM's published federal holiday
tables, the executive-order closures, and properties that must hold for any date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dissent.lib.deadlines import Profile, add_months, deadlines_for
from dissent.lib.workdays import (
    add_working_days,
    federal_closures,
    is_working_day,
    working_days_between,
)

# OPM, "Federal Holidays" (opm.gov/policy-data-oversight/pay-leave/federal-holidays), the
# dates on which each year's holidays are observed by full-time employees on a Monday to
# Friday schedule (5 U.S.C. 6103(b); E.O. 11582): Saturday holidays on the Friday before,
# Sunday holidays on the Monday after. New Year's Day 2028 (a Saturday) is observed on
# Friday 31 December 2027 and listed in OPM's 2027 table.
OPM_OBSERVED = {
    2024: [
        date(2024, 1, 1),  # Monday, New Year's Day
        date(2024, 1, 15),  # Birthday of Martin Luther King, Jr.
        date(2024, 2, 19),  # Washington's Birthday
        date(2024, 5, 27),  # Memorial Day
        date(2024, 6, 19),  # Wednesday, Juneteenth
        date(2024, 7, 4),  # Thursday, Independence Day
        date(2024, 9, 2),  # Labor Day
        date(2024, 10, 14),  # Columbus Day
        date(2024, 11, 11),  # Monday, Veterans Day
        date(2024, 11, 28),  # Thanksgiving Day
        date(2024, 12, 25),  # Wednesday, Christmas Day
    ],
    2025: [
        date(2025, 1, 1),  # Wednesday
        date(2025, 1, 20),  # MLK Day (and Inauguration Day)
        date(2025, 2, 17),
        date(2025, 5, 26),
        date(2025, 6, 19),  # Thursday
        date(2025, 7, 4),  # Friday
        date(2025, 9, 1),
        date(2025, 10, 13),
        date(2025, 11, 11),  # Tuesday
        date(2025, 11, 27),
        date(2025, 12, 25),  # Thursday
    ],
    2026: [
        date(2026, 1, 1),  # Thursday
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 5, 25),
        date(2026, 6, 19),  # Friday
        date(2026, 7, 3),  # Friday: Independence Day falls on Saturday 4 July
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 11, 11),  # Wednesday
        date(2026, 11, 26),
        date(2026, 12, 25),  # Friday
    ],
    2027: [
        date(2027, 1, 1),  # Friday
        date(2027, 1, 18),
        date(2027, 2, 15),
        date(2027, 5, 31),
        date(2027, 6, 18),  # Friday: Juneteenth falls on Saturday 19 June
        date(2027, 7, 5),  # Monday: Independence Day falls on Sunday 4 July
        date(2027, 9, 6),
        date(2027, 10, 11),
        date(2027, 11, 11),  # Thursday
        date(2027, 11, 25),
        date(2027, 12, 24),  # Friday: Christmas falls on Saturday 25 December
        date(2027, 12, 31),  # Friday: New Year's Day 2028 falls on Saturday
    ],
}

# Full-day closures of executive departments by executive order in those years.
EXECUTIVE_ORDER_CLOSURES = [
    date(2024, 12, 24),  # E.O. 14129, Christmas Eve
    date(2025, 1, 9),  # E.O. 14133, National Day of Mourning for President Carter
    date(2025, 12, 24),  # E.O. 14371, Christmas Eve
    date(2025, 12, 26),  # E.O. 14371, the day after Christmas
]


@pytest.mark.parametrize("year", sorted(OPM_OBSERVED))
def test_the_non_working_weekdays_of_a_year_are_opm_table_plus_executive_orders(year: int) -> None:
    expected = set(OPM_OBSERVED[year]) | {d for d in EXECUTIVE_ORDER_CLOSURES if d.year == year}
    day, found = date(year, 1, 1), set()
    while day.year == year:
        if day.weekday() < 5 and not is_working_day(day):
            found.add(day)
        day += timedelta(days=1)
    assert found == expected
    assert all(d.weekday() < 5 for d in expected), "OPM observes every holiday on a weekday"


@pytest.mark.parametrize("day", [d for days in OPM_OBSERVED.values() for d in days])
def test_every_observed_holiday_is_a_closure(day: date) -> None:
    assert not is_working_day(day)
    assert day in federal_closures(day.year)


def test_weekends_are_never_working_days_and_plain_weekdays_are() -> None:
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))  # Monday
    # The actual date of a weekend holiday is no extra closure on a weekday.
    assert is_working_day(date(2026, 7, 6)) and not is_working_day(date(2026, 7, 3))


def test_a_half_day_closing_is_still_a_working_day() -> None:
    # E.O. 13713 closed offices for half of Thursday 24 December 2015.
    assert is_working_day(date(2015, 12, 24))
    # E.O. 13900: Christmas Eve 2019, a full day.
    assert not is_working_day(date(2019, 12, 24))


def test_closures_given_by_the_caller_count() -> None:
    snow_day = date(2029, 1, 22)  # a closure the federal table cannot know
    assert is_working_day(snow_day)
    assert not is_working_day(snow_day, {snow_day})
    assert add_working_days(date(2029, 1, 19), 1, {snow_day}) == date(2029, 1, 23)


def test_day_of_receipt_is_day_zero() -> None:
    monday = date(2026, 3, 9)
    assert add_working_days(monday, 0) == monday
    assert add_working_days(monday, 1) == date(2026, 3, 10)
    assert add_working_days(monday, 2) == date(2026, 3, 11)
    friday = date(2026, 3, 13)
    assert add_working_days(friday, 2) == date(2026, 3, 17)
    # Received on a Saturday: Monday is the first working day after it.
    assert add_working_days(date(2026, 3, 14), 2) == date(2026, 3, 17)
    # Around Thanksgiving 2026 (Thursday 26 November).
    assert add_working_days(date(2026, 11, 25), 2) == date(2026, 11, 30)
    # Across the year end 2027: 24 and 31 December are observed holidays.
    assert add_working_days(date(2027, 12, 23), 2) == date(2027, 12, 28)
    assert add_working_days(date(2027, 12, 30), 1) == date(2028, 1, 3)
    with pytest.raises(ValueError):
        add_working_days(monday, -1)


def test_thirty_and_sixty_working_days_from_a_known_date() -> None:
    # 2 January 2026 (Friday): MLK Day (19 Jan) and Washington's Birthday (16 Feb) fall in
    # the window; counted by hand against the calendar.
    received = date(2026, 1, 2)
    assert add_working_days(received, 30) == date(2026, 2, 17)
    assert add_working_days(received, 60) == date(2026, 3, 31)
    assert working_days_between(received, date(2026, 2, 17)) == 30


def test_state_profile_deadlines() -> None:
    due = deadlines_for(Profile.STATE, date(2026, 1, 2))
    assert due.acknowledge_by == date(2026, 1, 6)
    assert due.reply_by == date(2026, 2, 17)
    assert due.reply_by_max == date(2026, 3, 31)
    # Acknowledging does not move State deadlines.
    assert deadlines_for("state", date(2026, 1, 2), acknowledged_on=date(2026, 1, 5)) == due
    closed = deadlines_for(Profile.STATE, date(2026, 1, 2), {date(2026, 1, 5)})
    assert closed.acknowledge_by == date(2026, 1, 7)


def test_eu_profile_deadlines() -> None:
    received = date(2026, 5, 29)
    unacknowledged = deadlines_for(Profile.EU, received)
    assert unacknowledged.acknowledge_by == date(2026, 6, 5)  # 7 calendar days
    assert unacknowledged.reply_by == date(2026, 9, 5)  # 3 months from the 7th day
    assert unacknowledged.reply_by_max == unacknowledged.reply_by
    on_time = deadlines_for(Profile.EU, received, acknowledged_on=date(2026, 5, 31))
    assert on_time.reply_by == date(2026, 8, 31)  # 3 months from the acknowledgment
    late = deadlines_for(Profile.EU, received, acknowledged_on=date(2026, 6, 20))
    assert late.reply_by == date(2026, 9, 5)  # a late acknowledgment buys no time
    # Weekends and holidays do not stretch EU periods; closures are ignored.
    assert deadlines_for(Profile.EU, received, {date(2026, 6, 1)}) == unacknowledged
    with pytest.raises(ValueError):
        deadlines_for("us", received)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 5, 31), 3, date(2026, 8, 31)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 10, 15), 3, date(2027, 1, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
    ],
)
def test_add_months_ends_on_the_same_day_or_the_month_end(
    start: date, months: int, end: date
) -> None:
    assert add_months(start, months) == end


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
closure_sets = st.frozensets(st.dates(min_value=date(2000, 1, 1), max_value=date(2061, 6, 30)))


@given(days, st.integers(min_value=0, max_value=80), closure_sets)
def test_counting_back_gives_the_number_added(
    start: date, n: int, closures: frozenset[date]
) -> None:
    end = add_working_days(start, n, closures)
    assert working_days_between(start, end, closures) == n
    assert working_days_between(end, start, closures) == -n
    if n:
        assert end > start
        assert is_working_day(end, closures)
        # Nothing earlier would do: the day before the deadline has one working day fewer.
        assert working_days_between(start, end - timedelta(days=1), closures) == n - 1


@given(days, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_adding_is_monotonic_and_composes(start: date, a: int, b: int) -> None:
    assert add_working_days(start, a) <= add_working_days(start, a + b)
    assert add_working_days(add_working_days(start, a), b) == add_working_days(start, a + b)


@given(days, st.integers(min_value=1, max_value=60))
def test_a_deadline_never_falls_on_a_weekend_or_holiday(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert end.weekday() < 5
    assert end not in federal_closures(end.year)
    # n working days take at least n and, with at most ~4 closures a fortnight, at most
    # about twice as many calendar days.
    assert n <= (end - start).days <= 2 * n + 6


@given(days)
def test_a_week_holds_at_most_five_working_days(start: date) -> None:
    assert 0 <= working_days_between(start, start + timedelta(days=7)) <= 5


def _counted_one_by_one(start: date, end: date, closures: frozenset[date]) -> int:
    if end < start:
        return -_counted_one_by_one(end, start, closures)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, closures)
    return count


@given(days, st.integers(min_value=-1200, max_value=1200), closure_sets)
def test_counting_by_arithmetic_matches_counting_day_by_day(
    start: date, span: int, closures: frozenset[date]
) -> None:
    end = start + timedelta(days=span)
    assert working_days_between(start, end, closures) == _counted_one_by_one(start, end, closures)
