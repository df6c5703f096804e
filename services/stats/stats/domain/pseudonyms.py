"""Keyed pseudonyms: the projection counts distinct holders and matches cancellations and rewards
by an HMAC-SHA256 of the card number, card id or visit id, never by the value itself. Without the
key (configuration, not the database) a pseudonym cannot be traced back to a card, even by trying
every possible card number."""

import hashlib
import hmac
from uuid import UUID


class Pseudonyms:
    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def _of(self, kind: str, value: str) -> bytes:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).digest()

    def holder(self, card_number: str) -> bytes:
        return self._of("card-number", card_number)

    def card(self, card_id: UUID) -> bytes:
        return self._of("card-id", str(card_id))

    def visit(self, visit_id: UUID) -> bytes:
        return self._of("visit-id", str(visit_id))
