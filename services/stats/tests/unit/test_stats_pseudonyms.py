"""Pseudonyms are HMAC-SHA256 of "kind:value" under the configured key: the stored projection and
every rebuild depend on that staying exactly so, however it is computed."""

import hashlib
import hmac
from uuid import UUID

from stats.domain.pseudonyms import Pseudonyms

KEY = "unit-test-holder-hash-key-0123456789abcdef"


def keyed(text: str) -> bytes:
    return hmac.new(KEY.encode(), text.encode(), hashlib.sha256).digest()


def test_each_pseudonym_is_the_hmac_of_its_kind_and_value():
    pseudonyms = Pseudonyms(KEY)
    card_id, visit_id = UUID(int=7), UUID("5f542efa-90c0-4101-9587-0fc37dc7f772")
    assert pseudonyms.holder("000000000012") == keyed("card-number:000000000012")
    assert pseudonyms.card(card_id) == keyed(f"card-id:{card_id}")
    assert pseudonyms.visit(visit_id) == keyed(f"visit-id:{visit_id}")


def test_one_value_gives_one_pseudonym_and_kinds_and_keys_keep_apart():
    pseudonyms = Pseudonyms(KEY)
    assert pseudonyms.holder("000000000012") == pseudonyms.holder("000000000012")
    assert pseudonyms.holder("000000000012") != pseudonyms.holder("000000000020")
    assert pseudonyms.card(UUID(int=7)) != pseudonyms.visit(UUID(int=7))
    assert Pseudonyms(KEY + "x").holder("000000000012") != pseudonyms.holder("000000000012")
