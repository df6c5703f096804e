"""Card validity is counted in Finnish calendar days: a card valid until 31 May is valid all that
day in Finland, whatever the servers' time zone."""

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

FINLAND = ZoneInfo("Europe/Helsinki")


def finnish_day(moment: datetime) -> date:
    return moment.astimezone(FINLAND).date()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
