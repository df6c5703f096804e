"""Keyed pseudonyms: the projection counts distinct holders and matches cancellations and rewards
by an HMAC-SHA256 of the card number, card id or visit id, never by the value itself. Without the
key (configuration, not the database) a pseudonym cannot be traced back to a card, even by trying
every possible card number."""

import hashlib
import hmac
from uuid import UUID

from stats.domain.perturbation import KEY_SPACE


class Pseudonyms:
    def __init__(self, key: str) -> None:
        # HMAC is a stream: keying it and feeding it the kind's prefix once, then copying that state
        # for each value, gives the same digest as HMAC(key, "kind:value") at a fraction of the cost.
        self._keyed = {kind: hmac.new(key.encode(), f"{kind}:".encode(), hashlib.sha256)
                       for kind in ("card-number", "card-id", "visit-id")}

    def _of(self, kind: str, value: str) -> bytes:
        mac = self._keyed[kind].copy()
        mac.update(value.encode())
        return mac.digest()

    def holder(self, card_number: str) -> bytes:
        return self._of("card-number", card_number)

    def card(self, card_id: UUID) -> bytes:
        return self._of("card-id", str(card_id))

    def visit(self, visit_id: UUID) -> bytes:
        return self._of("visit-id", str(visit_id))


class RecordKeys:
    """A record's fixed key for the cell-key method (stats.domain.perturbation): an HMAC-SHA256 of
    its pseudonym under a key of its own, read as a whole number below KEY_SPACE. The same record
    gets the same key in every rebuild; without the key no one can work out which way a cell moves."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def of(self, pseudonym: bytes) -> int:
        return int.from_bytes(hmac.digest(self._key, pseudonym, "sha256")[:4]) % KEY_SPACE
