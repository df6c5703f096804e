"""Under concurrency: the quota is never oversold, one idempotency key records one visit, and a
cancellation and a batch of visits wait for each other in one order."""

import asyncio
import json

import pytest

from leisure_contracts.events import VisitRecorded
from leisure_contracts.topics import Topic

pytestmark = pytest.mark.integration


async def visits_on_topic(read_topic, offer_id) -> list[dict]:
    records = await read_topic(Topic.VISITS.value)
    values = [json.loads(r.value) for r in records if r.header("ce_type") == VisitRecorded.event_type().encode()]
    return [v for v in values if v["offer_id"] == str(offer_id)]


async def test_fifty_requests_for_the_last_ten_places_record_exactly_ten(
    usage_app, feed, issued_card, published_offer, staff, visit_body, read_topic, wait_until
):
    app, client = usage_app
    offer = published_offer(quota=20)
    early, rush = [issued_card() for _ in range(2)], [issued_card() for _ in range(50)]
    await feed(app, [offer, *early, *rush])
    for card in early:  # 10 of the 20 places go first
        response = await client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer, tickets=3))
        assert response.status_code == 201, response.text
    for card in early:
        response = await client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer, tickets=2))
        assert response.status_code == 201, response.text

    answers = await asyncio.gather(*(
        client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer)) for card in rush))

    accepted = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(accepted) == 10
    assert {(a.status_code, a.json()["code"]) for a in refused} == {(422, "no_places_left")}
    assert sorted(a.json()["places_left"] for a in accepted) == list(range(10))
    places = await client.get(f"/v1/offers/{offer.offer_id}/places", headers=staff(offer))
    assert places.json() == {"offer_id": str(offer.offer_id), "quota": 20, "tickets_taken": 20, "places_left": 0,
                             "sessions": []}

    accepted_ids = {a.json()["visit"]["visit_id"] for a in accepted}

    async def rush_published():
        on_topic = await visits_on_topic(read_topic, offer.offer_id)
        return on_topic if len(on_topic) >= 14 else None

    on_topic = await wait_until(rush_published)
    rush_ids = {v["visit_id"] for v in on_topic if v["tickets"] == 1}
    assert rush_ids == accepted_ids and len(on_topic) == 14
    assert sum(v["tickets"] for v in on_topic) == 20


async def test_five_concurrent_requests_with_one_key_record_one_visit(
    usage_app, feed, issued_card, published_offer, staff, visit_body, read_topic, wait_until
):
    app, client = usage_app
    offer, card = published_offer(quota=10), issued_card()
    await feed(app, [offer, card])
    body = visit_body(card, offer, tickets=2)

    answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=body) for _ in range(5)))

    assert [a.status_code for a in answers] == [201] * 5
    assert all(a.json() == answers[0].json() for a in answers)
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
    places = await client.get(f"/v1/offers/{offer.offer_id}/places", headers=staff(offer))
    assert places.json()["tickets_taken"] == 2

    async def published():
        return await visits_on_topic(read_topic, offer.offer_id)

    [visit] = await wait_until(published)
    assert visit["visit_id"] == answers[0].json()["visit"]["visit_id"]
    # The relay publishes only what is stored: one event in the card's stream, nothing more to come.
    stored = await app.state.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1",
                                           f"card-visits-{card.card_id}")
    assert stored == 1


async def test_a_cancellation_waits_for_a_batch_holding_its_offer_without_deadlock(
    usage_app, feed, issued_card, published_offer, staff, visit_body, wait_until
):
    app, client = usage_app
    offer, card = published_offer(quota=10), issued_card()
    await feed(app, [offer, card])
    first = await client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer))
    pool = app.state.pool

    def waiting_for_locks(n: int):
        async def waiting() -> bool:
            return await pool.fetchval("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                       "AND datname = current_database()") >= n
        return waiting

    async with pool.acquire() as holder, holder.transaction():
        # The offer's row held: the next visit's batch waits for it, then the cancellation comes.
        await holder.execute("SELECT 1 FROM offers WHERE offer_id = $1 FOR UPDATE", offer.offer_id)
        visit = asyncio.create_task(client.post("/v1/visits", headers=staff(offer), json=visit_body(card, offer)))
        await wait_until(waiting_for_locks(1))
        cancellation = asyncio.create_task(client.post(
            f"/v1/visits/{first.json()['visit']['visit_id']}/cancellation", headers=staff(offer)))
        await wait_until(waiting_for_locks(2))
    # The batch takes the offer first. Had the cancellation appended to the card's stream before
    # waiting for the offer, the batch would wait for its stream version: a deadlock.
    answers = await asyncio.gather(visit, cancellation, return_exceptions=True)

    assert [getattr(a, "status_code", a) for a in answers] == [201, 200]
    stream = await pool.fetch("SELECT event_type FROM events WHERE stream_id = $1 ORDER BY version",
                              f"card-visits-{card.card_id}")
    assert [r["event_type"] for r in stream] == ["fi.leisurepass.visit.recorded.v1",
                                                 "fi.leisurepass.visit.recorded.v1",
                                                 "fi.leisurepass.visit.cancelled.v1"]
