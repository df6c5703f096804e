"""A lost card replaced by a new number keeps its year: the new card counts the old one's uses
towards the programme's yearly limit, however the card events arrive."""

from datetime import datetime, timezone
from uuid import uuid4

import pytest

from leisure_contracts.events import CardRevoked
from leisure_contracts.events.cards import RevocationReason

pytestmark = pytest.mark.integration
LIMIT = 3


def replacement_of(card, issued_card):
    """The replacement CardIssued and the old card's CardRevoked, as issuance emits them."""
    new = issued_card(card_id=uuid4(), yearly_use_limit=card.yearly_use_limit, replaces_card_id=card.card_id)
    revoked = CardRevoked(card_id=card.card_id, card_number=card.card_number, reason=RevocationReason.LOST,
                          replaced_by_card_id=new.card_id, revoked_at=datetime.now(timezone.utc))
    return new, revoked


async def record(client, staff, visit_body, card, offer):
    return await client.post("/v1/visits", json=visit_body(card, offer), headers=staff(offer))


async def test_a_replacement_of_a_card_at_its_yearly_limit_is_at_the_limit_too(
        usage_app, feed, issued_card, published_offer, staff, visit_body):
    app, client = usage_app
    card, offer = issued_card(yearly_use_limit=LIMIT), published_offer()
    await feed(app, [card, offer])
    for _ in range(LIMIT):
        assert (await record(client, staff, visit_body, card, offer)).status_code == 201
    new, revoked = replacement_of(card, issued_card)
    await feed(app, [new, revoked])

    refused = await record(client, staff, visit_body, new, offer)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "yearly_limit_reached"
    assert f"used {LIMIT} times" in refused.json()["detail"]


async def test_uses_left_carry_over_along_a_chain_of_replacements_applied_in_any_order(
        usage_app, feed, issued_card, published_offer, staff, visit_body):
    app, client = usage_app
    first, offer = issued_card(yearly_use_limit=LIMIT), published_offer()
    await feed(app, [first, offer])
    assert (await record(client, staff, visit_body, first, offer)).status_code == 201
    second, first_revoked = replacement_of(first, issued_card)
    third, second_revoked = replacement_of(second, issued_card)
    # Cards are keyed by their own id, so another card's events may come first (or on a rebuild).
    await feed(app, [third])
    await feed(app, [second, first_revoked, second_revoked])

    assert (await record(client, staff, visit_body, third, offer)).status_code == 201
    assert (await record(client, staff, visit_body, third, offer)).status_code == 201
    refused = await record(client, staff, visit_body, third, offer)
    assert (refused.status_code, refused.json()["code"]) == (422, "yearly_limit_reached"), refused.text


async def test_a_card_that_replaced_none_counts_only_its_own_uses(
        usage_app, feed, issued_card, published_offer, staff, visit_body):
    app, client = usage_app
    used_up, other, offer = issued_card(yearly_use_limit=1), issued_card(yearly_use_limit=1), published_offer()
    await feed(app, [used_up, other, offer])
    assert (await record(client, staff, visit_body, used_up, offer)).status_code == 201
    assert (await record(client, staff, visit_body, other, offer)).status_code == 201
