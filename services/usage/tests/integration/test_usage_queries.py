"""The read side and its scopes: a card's visits for its distributor and its region's coordinator,
a venue's day for its staff, and the metrics an operator watches."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration


async def test_card_history_venue_day_and_scopes(usage_app, feed, issued_card, published_offer, staff, visit_body):
    app, client = usage_app
    card, offer = issued_card(), published_offer(quota=20)
    await feed(app, [card, offer])
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    recorded = []
    for changes in ({"tickets": 2}, {"occurred_at": yesterday.isoformat()}, {}):
        response = await client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer, **changes))
        assert response.status_code == 201, response.text
        recorded.append(response.json()["visit"]["visit_id"])
    assert (await client.post(f"/v1/visits/{recorded[2]}/cancellation", headers=staff(offer))).status_code == 200

    own = bearer(Role.distributor, "worker-1", region="uusimaa", organisation=card.distributor_id)
    history = await client.get(f"/v1/cards/{card.card_id}/visits", headers=own)
    assert history.status_code == 200
    assert [v["visit_id"] for v in history.json()] == [recorded[1], recorded[0], recorded[2]]
    assert [v["cancelled_at"] is not None for v in history.json()] == [False, False, True]
    coordinator = bearer(Role.coordinator, "coordinator-1", region="uusimaa")
    assert (await client.get(f"/v1/cards/{card.card_id}/visits", headers=coordinator)).status_code == 200
    for outsider in (bearer(Role.distributor, "worker-2", region="uusimaa", organisation="vantaa-youth"),
                     bearer(Role.coordinator, "coordinator-2", region="varsinais-suomi"),
                     staff(offer)):
        assert (await client.get(f"/v1/cards/{card.card_id}/visits", headers=outsider)).status_code == 403

    progress = await client.get(f"/v1/cards/{card.card_id}/reward-progress", headers=own)
    assert progress.json()["counted_visits"] == 2 and progress.json()["visits_to_next_reward"] is None

    today = await client.get(f"/v1/venues/{offer.venue_id}/visits", headers=staff(offer))
    assert [(v["visit_id"], v["card_number_end"]) for v in today.json()] == \
        [(recorded[0], card.card_number[-4:]), (recorded[2], card.card_number[-4:])]
    earlier = await client.get(f"/v1/venues/{offer.venue_id}/visits", headers=staff(offer),
                               params={"day": yesterday.astimezone(ZoneInfo("Europe/Helsinki")).date().isoformat()})
    assert recorded[1] in [v["visit_id"] for v in earlier.json()]
    other_venue = published_offer()
    assert (await client.get(f"/v1/venues/{offer.venue_id}/visits", headers=staff(other_venue))).status_code == 403
    places = await client.get(f"/v1/offers/{offer.offer_id}/places", headers=coordinator)
    assert places.json()["places_left"] == 20 - 3


async def test_metrics_count_visits_refusals_and_read_model_lag(usage_app, wait_until, feed, published_offer,
                                                                staff, visit_body, issued_card):
    app, client = usage_app
    offer = published_offer()
    await feed(app, [offer])
    mistyped = visit_body(issued_card(), offer, card_number="1234 5678 9012")
    assert (await client.post("/v1/visits", headers=staff(offer), json=mistyped)).status_code == 422

    async def lag_measured():
        text = (await client.get("/metrics")).text
        return text if 'leisure_usage_read_model_lag_events{topic="leisure.cards"}' in text else None

    metrics = await wait_until(lag_measured)
    assert 'leisure_usage_visits_refused_total{reason="card_number_' in metrics
    assert 'leisure_usage_record_visit_duration_seconds_count{outcome="refused"}' in metrics
    for name in ("leisure_usage_visits_recorded_total", "leisure_usage_visits_refused_total",
                 "leisure_usage_tickets_total", "leisure_usage_quota_exhausted_total",
                 "leisure_usage_record_visit_duration_seconds_bucket", "leisure_usage_read_model_lag_seconds",
                 "leisure_consumer_lag_seconds"):
        assert name in metrics
