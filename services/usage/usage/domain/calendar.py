"""Days as the venue sees them: a visit's day is its local date, not its UTC date."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BACKDATING_LIMIT = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=2)
"""A box-office device's clock may run a little ahead; within this a time is not "in the future"."""


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The local date of a moment; a time without an offset is already local."""
    return moment.date() if moment.tzinfo is None else moment.astimezone(zone).date()


def localised(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A time without an offset read as local time, so it can be stored as a point in time."""
    return moment.replace(tzinfo=zone) if moment is not None and moment.tzinfo is None else moment


def year_of(day: date) -> tuple[date, date]:
    return date(day.year, 1, 1), date(day.year, 12, 31)
