"""The welfare indicators' month-by-month cells, decided from holders' first uses and months used."""

from datetime import date

from stats.domain.perturbation import Tally
from stats.domain.welfare import ALL_AGES, HolderYear, indicators, progress


def holder(key: int, band="18_24", valid_from=date(2026, 1, 1), first_use=None, months=()) -> HolderYear:
    return HolderYear(band, key, valid_from, first_use, frozenset(months))


def test_first_uses_repeat_months_and_reach_accumulate_through_the_year():
    rows = indicators(2026, [
        holder(1, first_use=date(2026, 3, 5), months=(3, 5)),
        holder(10, first_use=date(2025, 11, 1), months=(4,)),  # active before this year: not new
        holder(100, band="25_34", valid_from=date(2026, 6, 1)),
    ])
    assert rows[("2026-02", ALL_AGES)]["newly_active_to_date"] == Tally(0)
    assert rows[("2026-03", "18_24")]["newly_active"] == Tally(1, 1)
    assert rows[("2026-04", "18_24")]["newly_active"] == Tally(0)
    assert rows[("2026-04", "18_24")]["newly_active_to_date"] == Tally(1, 1)
    assert rows[("2026-04", "18_24")]["reached_to_date"] == Tally(2, 11)
    assert rows[("2026-04", "18_24")]["active_two_months_to_date"] == Tally(0)
    assert rows[("2026-05", "18_24")]["active_two_months_to_date"] == Tally(1, 1)
    assert rows[("2026-05", ALL_AGES)]["holders_to_date"] == Tally(2, 11)
    assert rows[("2026-06", ALL_AGES)]["holders_to_date"] == Tally(3, 111)
    assert rows[("2026-12", "25_34")]["reached_to_date"] == Tally(0)
    assert len(rows) == 12 * 3


def test_progress_against_the_target():
    assert progress(5_000, 10_000) == 0.5
    assert progress(None, 10_000) is None and progress(5, None) is None
