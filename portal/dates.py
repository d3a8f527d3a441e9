"""Business dates, computed in the partner's time zone. The one place date rules live.

"Today" for a partner is the calendar date on its wall clock; a business day ends at
23:59:59.999999 local time. Month arithmetic clamps to the month's last day (31 Jan + 1 month
= 28/29 Feb).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone


def zone(time_zone: str) -> ZoneInfo:
    return ZoneInfo(time_zone)


def local_today(time_zone: str, *, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone(time_zone)).date()


def local_date(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(zone(time_zone)).date()


def start_of_day(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone(time_zone))


def end_of_day(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time.max, tzinfo=zone(time_zone))


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def anniversary(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February falls on 1 March in a common year (the
    day after 28 February), so "a year from 29 Feb" always lasts a full year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → common year
        return date(day.year + years, 3, 1)


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


def month_bounds(year: int, month: int, time_zone: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month on the partner's wall clock, as aware datetimes."""
    first = date(year, month, 1)
    return start_of_day(first, time_zone), start_of_day(add_months(first, 1), time_zone)


def previous_month(day: date) -> tuple[int, int]:
    prior = add_months(day.replace(day=1), -1)
    return prior.year, prior.month
