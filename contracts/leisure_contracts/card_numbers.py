"""The card number format every party shares: 12 digits printed in three groups of four, the last
a Damm check digit. Issuance makes numbers; usage, venues' scanners and integrators check them.

Damm's check digit catches every single-digit typo and every swap of two adjacent digits (Luhn
misses 09↔90), so a mistyped number is told apart from an unknown card before any look-up.
"""

# Damm's totally anti-symmetric quasigroup of order 10.
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


def check_digit(digits: str) -> str:
    """The digit that, appended to `digits`, makes the Damm checksum zero."""
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return str(interim)


def normalise(typed: str) -> str:
    """What staff type or scan, without the spaces and dashes of the printed groups."""
    return "".join(ch for ch in typed if ch not in " -")


def is_well_formed(number: str) -> bool:
    return len(number) == LENGTH and number.isascii() and number.isdigit()


def is_valid(number: str) -> bool:
    return is_well_formed(number) and check_digit(number) == "0"


def formatted(number: str) -> str:
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
