"""The organization's calendar: today's date in settings.TIME_ZONE and the admin-managed
closures that, with the federal calendar of dissent.lib.workdays, decide working days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from dissent.review.models import Closure


def local_date(moment: datetime) -> date:
    """The calendar date of `moment` in the organization's time zone (never the time zone a
    request may have activated)."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def today() -> date:
    return local_date(timezone.now())


def closure_dates() -> frozenset[date]:
    return frozenset(Closure.objects.values_list("date", flat=True))
