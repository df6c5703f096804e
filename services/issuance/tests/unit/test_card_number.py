import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuance.domain.card_number import PAYLOADS, CardNumbers
from leisure_contracts.card_numbers import LENGTH, formatted, is_valid, normalise

NUMBERS = CardNumbers("test-key")
numbers = st.integers(0, PAYLOADS - 1).map(NUMBERS.number)


@given(numbers, st.integers(0, LENGTH - 1), st.integers(1, 9))
def test_every_single_digit_typo_is_caught(number, position, shift):
    typo = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    assert is_valid(number)
    assert not is_valid(typo)


@given(numbers, st.integers(0, LENGTH - 2))
def test_every_swap_of_adjacent_digits_is_caught(number, position):
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2:]
    assert swapped == number or not is_valid(swapped)


def test_a_million_numbers_from_the_counter_have_no_duplicates():
    issued = {NUMBERS.number(counter) for counter in range(10 ** 6)}
    assert len(issued) == 10 ** 6
    assert all(len(number) == LENGTH for number in list(issued)[:1000])


def test_the_numbers_of_consecutive_counters_are_scattered_and_depend_on_the_key():
    first = [int(NUMBERS.number(counter)) for counter in range(100)]
    assert min(abs(a - b) for a, b in zip(first, first[1:])) > 1000
    assert sorted(first) != first
    other_key = [int(CardNumbers("another-key").number(counter)) for counter in range(100)]
    assert len(set(first) & set(other_key)) == 0


@pytest.mark.parametrize("outside", [-1, PAYLOADS])
def test_the_counter_must_stay_in_the_space_of_numbers(outside):
    assert is_valid(NUMBERS.number(PAYLOADS - 1))
    with pytest.raises(ValueError):
        NUMBERS.number(outside)


def test_numbers_are_read_in_groups_and_typed_back():
    number = NUMBERS.number(7)
    assert len(formatted(number).split(" ")) == 3
    assert normalise(formatted(number)) == number
    assert normalise("1234-5678-9012") == "123456789012"


def test_wrong_lengths_and_letters_are_not_numbers():
    number = NUMBERS.number(7)
    assert not is_valid(number[:-1])
    assert not is_valid(number + "0")
    assert not is_valid("abcdefghijkl")
    assert not is_valid("١٢٣٤٥٦٧٨٩٠١٢")  # digits, but not ones a card carries
