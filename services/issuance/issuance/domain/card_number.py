"""Making card numbers (the format and its Damm check digit are in `leisure_contracts.card_numbers`).

The 11 payload digits are a keyed permutation of a counter that never repeats (a
PostgreSQL sequence): distinct counters give distinct numbers, so collisions are impossible, and
without the key one number says nothing about the next.
"""

import hashlib

from leisure_contracts.card_numbers import LENGTH, check_digit

PAYLOADS = 10 ** (LENGTH - 1)
"""How many card numbers there can ever be: the counter runs over [0, PAYLOADS)."""


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

