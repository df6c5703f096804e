"""The period a figure covers: a year, a quarter or a month, nothing finer. Periods that overlap
only in part (a range grown by a day, January to November beside the year) would give every
figure a neighbour it differs from by a handful of people; the published grid keeps those
neighbours few, and perturbation (stats.domain.perturbation) turns what is left into noise."""

from dataclasses import dataclass
from datetime import date, timedelta

from leisure_runtime.errors import Rejected

DAY_RANGES_REFUSED = ("figures are published by year, quarter or month only, not for a range of days: "
                      "give year, year and quarter (1-4), or year and month (1-12)")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def of_year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def choose(cls, *, year: int | None = None, quarter: int | None = None, month: int | None = None,
               day_range: bool = False) -> "Period":
        """The period a query names; refuses a day range, and a combination that names none or several."""
        if day_range:
            raise Rejected("invalid_period", DAY_RANGES_REFUSED)
        if year is None:
            raise Rejected("invalid_period", "give year (optionally with quarter or month)")
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
