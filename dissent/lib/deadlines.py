"""Review deadlines for each deployment profile (pure: no Django).

* ``state`` — 2 FAM 070, the U.S. State Department's Dissent Channel: acknowledge within
  2 working days of receipt; reply normally within 30 working days of receipt, at most 60.
  Working days and the day-0 rule: dissent.lib.workdays.
* ``eu`` — Directive (EU) 2019/1937, Art. 9(1)(b) and (f): acknowledge within 7 (calendar)
  days of receipt; feedback within 3 months of the acknowledgment or, if none was sent
  within those 7 days, of the end of the 7-day period. There is no separate "normal" and
  "maximum" reply time: both dates are the same. A month is a calendar month ending on the
  same day number, or on the last day of a shorter month (31 May + 3 months = 31 August;
  30 November + 3 months = 28/29 February). Weekends and holidays do not extend EU periods.

Every date is a calendar date in the organization's time zone; a deadline is met by acting
any time on that date.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from dissent.lib.workdays import NO_CLOSURES, add_working_days

STATE_ACKNOWLEDGE_WORKING_DAYS = 2
STATE_REPLY_WORKING_DAYS = 30
STATE_REPLY_MAX_WORKING_DAYS = 60
EU_ACKNOWLEDGE_DAYS = 7
EU_FEEDBACK_MONTHS = 3


class Profile(enum.StrEnum):
    STATE = "state"
    EU = "eu"


@dataclass(frozen=True)
class Deadlines:
    acknowledge_by: date
    reply_by: date  # the normal time for the reply
    reply_by_max: date  # the latest the rules allow


def add_months(day: date, months: int) -> date:
    """Same day number `months` later, or the last day of that month if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadlines_for(
    profile: Profile | str,
    received_on: date,
    closures: Collection[date] = NO_CLOSURES,
    *,
    acknowledged_on: date | None = None,
) -> Deadlines:
    """The deadlines of a message received on `received_on` (day 0). `acknowledged_on`
    matters only to the EU profile, whose feedback period runs from the acknowledgment."""
    profile = Profile(profile)
    if profile is Profile.STATE:
        return Deadlines(
            acknowledge_by=add_working_days(received_on, STATE_ACKNOWLEDGE_WORKING_DAYS, closures),
            reply_by=add_working_days(received_on, STATE_REPLY_WORKING_DAYS, closures),
            reply_by_max=add_working_days(received_on, STATE_REPLY_MAX_WORKING_DAYS, closures),
        )
    acknowledge_by = received_on + timedelta(days=EU_ACKNOWLEDGE_DAYS)
    start = acknowledge_by
    if acknowledged_on is not None and acknowledged_on <= acknowledge_by:
        start = acknowledged_on
    reply_by = add_months(start, EU_FEEDBACK_MONTHS)
    return Deadlines(acknowledge_by=acknowledge_by, reply_by=reply_by, reply_by_max=reply_by)
