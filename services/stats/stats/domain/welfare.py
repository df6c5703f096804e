"""Welfare indicators (Turku's Eviva): month by month through a year, per age band, how many holders
became active (first use of their card), how many have been active in two months or more, and what
share of the holders the programme has reached, against a target a coordinator sets.

The columns ending in `_to_date` run from the start of the year to the end of the row's month, so
December's row is the year. Every count is a tally of holders' record keys, perturbed like every
other figure; the "all" row of a month is the sum of its age bands' tallies (keys add), so it is
the same cell as a count over all the month's holders."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from stats.domain.perturbation import NOTHING, Tally

ALL_AGES = "all"
COLUMNS = ("newly_active", "newly_active_to_date", "active_two_months_to_date", "reached_to_date",
           "holders_to_date")


@dataclass(frozen=True)
class HolderYear:
    """One holder's part in a year: enough to place it in every month's cells, nothing more."""

    age_band: str
    record_key: int
    valid_from: date
    first_use: date | None
    """The card's first use ever, or None; a replacement card's first use is not a new holder's."""
    months_used: frozenset[int]
    """Months of the year (1-12) with a use that was not cancelled."""


def month_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _month_end(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def indicators(year: int, holders: Iterable[HolderYear]) -> dict[tuple[str, str], dict[str, Tally]]:
    """Tallies by (month, age band) and (month, "all") for every month of `year`. `holders` are
    those whose card was valid at some time in the year and not revoked before it."""
    holders = list(holders)
    bands = sorted({h.age_band for h in holders})
    rows: dict[tuple[str, str], dict[str, Tally]] = {}
    for month in range(1, 13):
        after_month = _month_end(year, month)  # the first day after the month
        by_band = {band: dict.fromkeys(COLUMNS, NOTHING) for band in bands}
        for holder in holders:
            cells = by_band[holder.age_band]
            one = Tally(1, holder.record_key)
            first = holder.first_use
            if first is not None and first.year == year and first < after_month:
                cells["newly_active_to_date"] += one
                if first.month == month:
                    cells["newly_active"] += one
            used = {m for m in holder.months_used if m <= month}
            if len(used) >= 2:
                cells["active_two_months_to_date"] += one
            if used:
                cells["reached_to_date"] += one
            if holder.valid_from < after_month:
                cells["holders_to_date"] += one
        everyone = dict.fromkeys(COLUMNS, NOTHING)
        for band, cells in by_band.items():
            rows[(month_of(year, month), band)] = cells
            everyone = {column: everyone[column] + cells[column] for column in COLUMNS}
        rows[(month_of(year, month), ALL_AGES)] = everyone
    return rows


def progress(published_to_date: int | None, target: int | None) -> float | None:
    """The published newly active holders as a share of the target (may pass 1)."""
    if not target or published_to_date is None:
        return None
    return round(published_to_date / target, 4)
