"""The card number check tells a typo from an unknown card before anything is looked up."""

import pytest

from leisure_runtime.errors import Rejected
from usage.domain.card_number import checked


def test_spaces_and_dashes_are_ignored(card_number):
    number = card_number("40512345678")
    assert checked(f"{number[:4]} {number[4:8]}-{number[8:]}") == number


def test_every_single_digit_typo_and_adjacent_swap_is_caught(card_number):
    number = card_number("40512345678")
    typos = {number[:i] + d + number[i + 1:] for i in range(12) for d in "0123456789"} - {number}
    swaps = {number[:i] + number[i + 1] + number[i] + number[i + 2:] for i in range(11)} - {number}
    for wrong in typos | swaps:
        with pytest.raises(Rejected) as refused:
            checked(wrong)
        assert refused.value.code == "card_number_mistyped"


@pytest.mark.parametrize("typed", ["1234", "1234 5678 90123", "abcd efgh ijkl", "١٢٣٤٥٦٧٨٩٠١٢", ""])
def test_what_is_not_twelve_digits_is_malformed(typed):
    with pytest.raises(Rejected) as refused:
        checked(typed)
    assert refused.value.code == "card_number_malformed"
