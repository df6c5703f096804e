"""The cell-key method: every published count is moved by a small amount that depends only on which
records the cell holds, so the same cell always shows the same number and the difference of two
answers is noise, not a person.

Each record (a holder, a visit, a card's rewards) has a fixed record key, a whole number in
[0, KEY_SPACE) standing for a fraction in [0, 1). A cell's key is the sum of its records' keys
modulo KEY_SPACE: the fractional part of the sum of the fractions, which is additive, so totals
and sub-totals get their keys by adding. The perturbation table (`PTABLE`, published in the README)
maps the count and the cell key to the change. No count from 1 to 4 is ever published: those
become 0 or 5, each with the probability that keeps the expected value.
"""

from dataclasses import dataclass

KEY_SPACE = 2**31
SLOTS = 20
"""The cell key picks one of SLOTS equally likely slots; the table says each change's slots."""
SMALLEST_SHOWN = 5


def _row(count: int) -> tuple[tuple[int, int], ...]:
    """(change, slots) for a count: the changes' mean is 0 and their slots add up to SLOTS."""
    if count == 0:
        return ((0, SLOTS),)
    if count < SMALLEST_SHOWN:  # to 0 or to 5, with the probability that keeps the mean at `count`
        to_five = SLOTS * count // SMALLEST_SHOWN
        return ((-count, SLOTS - to_five), (SMALLEST_SHOWN - count, to_five))
    if count == SMALLEST_SHOWN:  # nothing below it may be shown, so nothing above it can balance
        return ((0, SLOTS),)
    if count == SMALLEST_SHOWN + 1:
        return ((-1, 5), (0, 10), (1, 5))
    return ((-2, 2), (-1, 4), (0, 8), (1, 4), (2, 2))


PTABLE: dict[int | str, tuple[tuple[int, int], ...]] = {
    **{count: _row(count) for count in range(SMALLEST_SHOWN + 2)}, f"{SMALLEST_SHOWN + 2}+": _row(SMALLEST_SHOWN + 2)}
LARGEST_CHANGE = 2
"""For counts of 5 or more; a count from 1 to 4 moves to 0 or 5."""


@dataclass(frozen=True)
class Tally:
    """A cell before publication: how many records it holds, and the sum of their keys."""

    count: int
    key: int = 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.count + other.count, (self.key + other.key) % KEY_SPACE)


NOTHING = Tally(0)


def perturbed(tally: Tally) -> int:
    """The number published for a cell: the same tally always gives the same number."""
    slot = tally.key % KEY_SPACE * SLOTS // KEY_SPACE
    for change, slots in _row(tally.count):
        if slot < slots:
            return tally.count + change
        slot -= slots
    raise AssertionError("a row's slots add up to SLOTS")


def possible(count: int) -> set[int]:
    """Every number a cell of `count` records can be published as."""
    return {count + change for change, _ in _row(count)}
