"""The card number as staff type or scan it, checked before anything is looked up, so that a typo
is told apart from an unknown card."""

from leisure_contracts.card_numbers import LENGTH, formatted, is_valid, is_well_formed, normalise
from leisure_runtime.errors import Rejected


def checked(typed: str) -> str:
    """The number without spaces and dashes, or a refusal saying what is wrong with what was typed."""
    number = normalise(typed)
    if not is_well_formed(number):
        raise Rejected("card_number_malformed",
                       f"a card number is {LENGTH} digits (spaces and dashes may separate them); "
                       f"{typed!r} is not: check what was typed")
    if not is_valid(number):
        raise Rejected("card_number_mistyped",
                       f"{formatted(number)} is not a valid card number: its check digit does not match, "
                       "so a digit is probably mistyped or two digits swapped; compare it with the card "
                       "and type it again")
    return number
