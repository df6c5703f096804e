"""The card number as staff type or scan it: 12 digits, often in groups of four, the last a Damm
check digit. Checking it here tells a typo from an unknown card before anything is looked up.

Damm's check digit catches every single-digit typo and every swap of two adjacent digits; the
table is the algorithm's, the same as issuance uses (an algorithm, not code, is what we share).
"""

from leisure_runtime.errors import Rejected

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
LENGTH = 12


def damm_remainder(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def formatted(number: str) -> str:
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


def checked(typed: str) -> str:
    """The number without spaces and dashes, or a refusal saying what is wrong with what was typed."""
    number = "".join(ch for ch in typed if ch not in " -")
    if not (number.isascii() and number.isdigit()) or len(number) != LENGTH:
        raise Rejected("card_number_malformed",
                       f"a card number is {LENGTH} digits (spaces and dashes may separate them); "
                       f"{typed!r} is not: check what was typed")
    if damm_remainder(number) != 0:
        raise Rejected("card_number_mistyped",
                       f"{formatted(number)} is not a valid card number: its check digit does not match, "
                       "so a digit is probably mistyped or two digits swapped; compare it with the card "
                       "and type it again")
    return number
