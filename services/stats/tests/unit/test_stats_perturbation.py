"""The perturbation table and the cell key: no count from 1 to 4 is ever published, a count of 5 or
more moves at most 2 with no bias, the same records always give the same number, and a published
number never tells which count it came from."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stats.domain.perturbation import (
    KEY_SPACE,
    LARGEST_CHANGE,
    PTABLE,
    SLOTS,
    SMALLEST_SHOWN,
    Tally,
    perturbed,
    possible,
)
from stats.domain.pseudonyms import Pseudonyms, RecordKeys
from stats.domain.tables import TOTALS, build_table

COUNTS = range(0, 60)


def spread(count: int) -> dict[int, Fraction]:
    """How often each number is published for `count`, over every slot of the cell key."""
    shares: dict[int, Fraction] = {}
    for slot in range(SLOTS):
        value = perturbed(Tally(count, -(-slot * KEY_SPACE // SLOTS)))  # the first key of the slot
        shares[value] = shares.get(value, 0) + Fraction(1, SLOTS)
    return shares


@pytest.mark.parametrize("count", COUNTS)
def test_the_expected_published_number_is_the_count(count):
    assert sum(value * share for value, share in spread(count).items()) == count


@pytest.mark.parametrize("count", COUNTS)
def test_no_count_from_1_to_4_is_ever_published_and_5_or_more_moves_at_most_2(count):
    published = set(spread(count))
    assert not published & set(range(1, SMALLEST_SHOWN))
    assert published == possible(count)
    if count >= SMALLEST_SHOWN:
        assert all(abs(value - count) <= LARGEST_CHANGE for value in published)
    if count == 0:
        assert published == {0}


def test_every_published_number_could_have_come_from_two_counts_or_more():
    """What makes a difference of two answers noise: no published number pins its count down."""
    came_from: dict[int, set[int]] = {}
    for count in range(0, 200):
        for value in possible(count):
            came_from.setdefault(value, set()).add(count)
    assert all(len(counts) >= 2 for value, counts in came_from.items() if value < 195)
    assert came_from[0] == {0, 1, 2, 3, 4}


def test_the_published_table_adds_up_to_every_slot():
    assert all(sum(slots for _, slots in row) == SLOTS for row in PTABLE.values())


@given(st.lists(st.integers(0, KEY_SPACE - 1), max_size=30), st.randoms())
def test_a_cell_key_is_the_sum_of_its_records_keys_in_any_order(keys, rng):
    shuffled = list(keys)
    rng.shuffle(shuffled)
    one = sum((Tally(1, key) for key in keys), Tally(0))
    other = sum((Tally(1, key) for key in shuffled), Tally(0))
    assert one == other == Tally(len(keys), sum(keys) % KEY_SPACE)
    assert perturbed(one) == perturbed(other)


def test_totals_are_perturbed_as_a_cell_of_all_their_records():
    female, male = Tally(3, KEY_SPACE - 10), Tally(9, 25)
    table = build_table(("gender",), ("users", "non_users"),
                        {("female",): {"users": female}, ("male",): {"users": male}},
                        row_total="holders", parts=("users", "non_users"))
    assert table.tallies[(TOTALS, "users")] == Tally(12, 15)
    assert table.tallies[(("male",), "holders")] == male
    assert table.tallies[(TOTALS, "non_users")] == Tally(0)


def test_record_keys_are_fixed_for_a_record_and_depend_on_the_secret():
    holder = Pseudonyms("k" * 32).holder("123456789018")
    one, other = RecordKeys("s" * 32), RecordKeys("t" * 32)
    assert one.of(holder) == RecordKeys("s" * 32).of(holder)
    assert one.of(holder) != other.of(holder)
    keys = [one.of(Pseudonyms("k" * 32).holder(f"{n:012d}")) for n in range(2000)]
    assert all(0 <= key < KEY_SPACE for key in keys)
    # Spread over the slots: each slot of the table gets its share of records, give or take.
    per_slot = [sum(key * SLOTS // KEY_SPACE == slot for key in keys) for slot in range(SLOTS)]
    assert min(per_slot) > 50 and max(per_slot) < 150
