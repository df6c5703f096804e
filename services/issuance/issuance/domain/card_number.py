"""Card numbers: 12 digits read aloud in three groups of four, the last a Damm check digit.

Damm's check digit catches every single-digit typo and every swap of two adjacent digits (Luhn
misses 09↔90). The 11 payload digits are a keyed permutation of a counter that never repeats (a
PostgreSQL sequence): distinct counters give distinct numbers, so collisions are impossible, and
without the key one number says nothing about the next.
"""

import hashlib

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
PAYLOADS = 10 ** (LENGTH - 1)
"""How many card numbers there can ever be: the counter runs over [0, PAYLOADS)."""


def check_digit(payload: str) -> str:
    interim = 0
    for digit in payload:
        interim = _DAMM[interim][int(digit)]
    return str(interim)


class CardNumbers:
    """Turns counter values into card numbers with a keyed Feistel network over [0, 10^11).

    The payload is split into a 5-digit and a 6-digit half; each round replaces one half by the
    other and adds a keyed hash of it to the first, so the halves alternate between radix 10^5 and
    10^6 (the construction of NIST's FF1/FF3 for decimal strings). Every round can be undone,
    so the whole is a permutation of [0, 10^11): no cycle-walking needed, one pass per number.
    Eight rounds, as in FF3-1; the round function is keyed BLAKE2b.
    """

    _ROUNDS = 8
    _HALVES = (10 ** 5, 10 ** 6)

    def __init__(self, key: str) -> None:
        secret = hashlib.sha256(key.encode()).digest()
        self._round_hashes = [hashlib.blake2b(bytes([r]), key=secret, digest_size=8) for r in range(self._ROUNDS)]

    def number(self, counter: int) -> str:
        payload = f"{self._permute(counter):0{LENGTH - 1}d}"
        return payload + check_digit(payload)

    def _permute(self, counter: int) -> int:
        if not 0 <= counter < PAYLOADS:
            raise ValueError(f"counter {counter} is outside [0, {PAYLOADS})")
        left_radix, right_radix = self._HALVES
        left, right = divmod(counter, right_radix)
        for round_hash in self._round_hashes:
            left, right = right, (left + self._round(round_hash, right)) % left_radix
            left_radix, right_radix = right_radix, left_radix
        return left * right_radix + right

    @staticmethod
    def _round(round_hash, half: int) -> int:
        keyed = round_hash.copy()
        keyed.update(half.to_bytes(4, "big"))
        return int.from_bytes(keyed.digest(), "big")


def normalise(typed: str) -> str:
    """What staff type or scan, without the spaces and dashes of the printed groups."""
    return "".join(ch for ch in typed if ch not in " -")


def is_valid(number: str) -> bool:
    return len(number) == LENGTH and number.isascii() and number.isdigit() and check_digit(number) == "0"


def formatted(number: str) -> str:
    return " ".join(number[i:i + 4] for i in range(0, LENGTH, 4))
