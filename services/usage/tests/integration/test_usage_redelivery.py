"""Replaying every card and offer event into usage, even under new event ids (past the runtime's
dedupe by id), changes no read model and no decision."""

from datetime import date, datetime, timedelta, timezone

import pytest

from leisure_contracts.events import CardRenewed, CardRevoked, OfferUpdated, OfferWithdrawn

pytestmark = pytest.mark.integration

# Every table a decision reads, by the cards' ids or the offers' ids.
SNAPSHOTS = {
    "cards": ("SELECT * FROM cards WHERE card_id = ANY($1::uuid[]) ORDER BY card_id", "cards"),
    "card_validity": ("SELECT * FROM card_validity WHERE card_id = ANY($1::uuid[]) ORDER BY card_id, effective_at",
                      "cards"),
    "card_standing": ("SELECT * FROM card_standing WHERE card_id = ANY($1::uuid[]) ORDER BY card_id", "cards"),
    "visits": ("SELECT * FROM visits WHERE card_id = ANY($1::uuid[]) ORDER BY visit_id", "cards"),
    "offers": ("SELECT * FROM offers WHERE offer_id = ANY($1::uuid[]) ORDER BY offer_id", "offers"),
    "offer_terms": ("SELECT * FROM offer_terms WHERE offer_id = ANY($1::uuid[]) ORDER BY offer_id, effective_at",
                    "offers"),
}


async def test_replaying_card_and_offer_events_changes_nothing(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    now = datetime.now(timezone.utc)
    plain, renewed, revoked = issued_card(), issued_card(valid_until=date.today() - timedelta(days=10)), issued_card()
    open_offer, updated, withdrawn = published_offer(quota=None), published_offer(), published_offer()
    history = [
        plain, renewed, revoked, open_offer, updated, withdrawn,
        CardRenewed(card_id=renewed.card_id, card_number=renewed.card_number,
                    valid_until=date.today() + timedelta(days=100), renewed_at=now - timedelta(days=2)),
        CardRevoked(card_id=revoked.card_id, card_number=revoked.card_number, reason="misuse",
                    revoked_at=now - timedelta(days=1)),
        OfferUpdated(offer_id=updated.offer_id, title=updated.title, quota=5, max_tickets_per_visit=1,
                     accepted_programmes=updated.accepted_programmes, accepted_regions=updated.accepted_regions,
                     updated_at=now - timedelta(days=3)),
        OfferWithdrawn(offer_id=withdrawn.offer_id, withdrawn_at=now - timedelta(days=1)),
    ]
    await feed(app, history)
    five_days_ago = (now - timedelta(days=5)).isoformat()
    requests = [
        (plain, open_offer, {}), (renewed, open_offer, {}), (renewed, open_offer, {"occurred_at": five_days_ago}),
        (revoked, open_offer, {}), (plain, updated, {"tickets": 2}), (plain, withdrawn, {}),
        (plain, withdrawn, {"occurred_at": five_days_ago}),
    ]

    async def decisions() -> list[tuple[int, str | None]]:
        answers = [await client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer, **changes))
                   for card, offer, changes in requests]
        return [(a.status_code, a.json().get("code")) for a in answers]

    async def read_models() -> dict:
        ids = {"cards": [c.card_id for c in (plain, renewed, revoked)],
               "offers": [o.offer_id for o in (open_offer, updated, withdrawn)]}
        return {name: [dict(r) for r in await app.state.pool.fetch(sql, ids[by])]
                for name, (sql, by) in SNAPSHOTS.items()}

    before = await decisions()
    assert before == [(201, None), (201, None), (422, "card_expired"), (422, "card_revoked"),
                      (422, "over_offer_visit_maximum"), (422, "offer_withdrawn"), (201, None)]
    models = await read_models()

    await feed(app, history)

    assert await read_models() == models
    assert await decisions() == before
