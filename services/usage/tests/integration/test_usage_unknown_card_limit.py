"""Card numbers cannot be enumerated through visit recording: each visit refused because the card
is unknown spends one of the token's allowance; once it is spent, the token's visits are answered
429 with Retry-After before any card is looked up."""

from uuid import uuid4

import pytest

from leisure_contracts.card_numbers import check_digit
from leisure_infra.service_testing import bearer, running_app
from leisure_runtime.auth import Role
from usage.main import create_app

pytestmark = pytest.mark.integration
BURST = 3


def unknown_number() -> str:
    payload = f"{uuid4().int % 10 ** 11:011d}"
    return payload + check_digit(payload)


@pytest.fixture(scope="module")
async def limited_usage(usage_settings, feed, issued_card, published_offer):
    settings = usage_settings().model_copy(update={"unknown_card_burst": BURST,
                                                   "unknown_card_rate_per_minute": 1})
    app = create_app(settings)
    async with running_app(app) as client:
        card, offer = issued_card(), published_offer()
        await feed(app, [card, offer])
        yield client, card, offer


async def test_unknown_cards_spend_the_allowance_then_every_visit_of_the_token_waits(limited_usage, staff,
                                                                                       visit_body):
    client, card, offer = limited_usage
    box_office = staff(offer)
    # A known card and a mistyped number tell nothing about other cards: they spend nothing.
    assert (await client.post("/v1/visits", json=visit_body(card, offer), headers=box_office)).status_code == 201
    mistyped = visit_body(card, offer, card_number=card.card_number[:-1] + str((int(card.card_number[-1]) + 1) % 10))
    for _ in range(BURST + 1):
        assert (await client.post("/v1/visits", json=mistyped, headers=box_office)).status_code == 422
    for _ in range(BURST):
        unknown = await client.post("/v1/visits", json=visit_body(card, offer, card_number=unknown_number()),
                                    headers=box_office)
        assert (unknown.status_code, unknown.json()["code"]) == (404, "card_unknown"), unknown.text

    for number in (unknown_number(), card.card_number):
        limited = await client.post("/v1/visits", json=visit_body(card, offer, card_number=number),
                                    headers=box_office)
        assert limited.status_code == 429, limited.text
        assert limited.json()["code"] == "too_many_unknown_cards"
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.json()["detail"] == (f"too many unknown card numbers from this token; try again in "
                                            f"{limited.headers['Retry-After']} s")


async def test_each_token_has_an_allowance_of_its_own(limited_usage, visit_body):
    client, card, offer = limited_usage
    other_box_office = bearer(Role.venue_staff, f"staff-{uuid4().hex[:6]}", venues=[offer.venue_id])
    response = await client.post("/v1/visits", json=visit_body(card, offer), headers=other_box_office)
    assert response.status_code == 201, response.text
