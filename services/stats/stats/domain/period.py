"""The period a figure covers: a year, a quarter, a month, or any range of days (both ends in)."""

from dataclasses import dataclass
from datetime import date, timedelta

from leisure_runtime.errors import Rejected

LONGEST = timedelta(days=366 * 10)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def of_year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def choose(cls, *, year: int | None = None, quarter: int | None = None, month: int | None = None,
               start: date | None = None, end: date | None = None) -> "Period":
        """The period a query names; refuses a combination that names none or several."""
        if start is not None or end is not None:
            if year is not None or quarter is not None or month is not None:
                raise Rejected("invalid_period", "give either year (with quarter or month if wanted) "
                                                 "or from and to, not both")
            if start is None or end is None:
                raise Rejected("invalid_period", "a date range needs both from and to (YYYY-MM-DD)")
            if end < start:
                raise Rejected("invalid_period", f"to ({end}) is before from ({start})")
            if end - start > LONGEST:
                raise Rejected("invalid_period", "a date range can be at most ten years long")
            return cls(start, end)
        if year is None:
            raise Rejected("invalid_period", "give year (optionally with quarter or month), or from and to")
        if quarter is not None and month is not None:
            raise Rejected("invalid_period", "give quarter or month, not both")
        if quarter is not None:
            first = date(year, 3 * quarter - 2, 1)
            return cls(first, _month_end(year, 3 * quarter))
        if month is not None:
            return cls(date(year, month, 1), _month_end(year, month))
        return cls.of_year(year)


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)
