from hypothesis import given
from hypothesis import strategies as st

from issuance.domain.card_number import LENGTH, formatted, is_valid, new_card_number, normalise

numbers = st.builds(lambda _: new_card_number(), st.integers())


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


def test_numbers_are_read_in_groups_and_typed_back():
    number = new_card_number()
    assert len(formatted(number).split(" ")) == 3
    assert normalise(formatted(number)) == number
    assert normalise("1234-5678-9012") == "123456789012"


def test_wrong_lengths_and_letters_are_not_numbers():
    number = new_card_number()
    assert not is_valid(number[:-1])
    assert not is_valid(number + "0")
    assert not is_valid("abcdefghijkl")
