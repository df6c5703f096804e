"""Group commit: concurrent visits are written in one transaction, answered only after it commits;
a refusal, a failure or a conflict of one visit leaves the others of its batch as they would be.
Visits of one batch are decided on one reading, each seeing the ones before it as if they had been
written already."""

import asyncio

import pytest

pytestmark = pytest.mark.integration

# Raises at commit (deferred) or at once, for one card number only: the other tests never meet it.
_FAILING_TRIGGER = """
CREATE OR REPLACE FUNCTION fail_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'failing on purpose for a test';
END $$;
CREATE CONSTRAINT TRIGGER fail_for_test AFTER INSERT ON visits {timing} FOR EACH ROW
    WHEN (NEW.card_number = '{card_number}') EXECUTE FUNCTION fail_for_test();
"""


async def transactions_of(app, visit_ids) -> set:
    rows = await app.state.pool.fetch(
        "SELECT DISTINCT transaction_id::text FROM events WHERE data->>'visit_id' = ANY($1::text[])",
        [str(visit_id) for visit_id in visit_ids])
    return {row[0] for row in rows}


async def stored_visits(app, keys) -> int:
    return await app.state.pool.fetchval("SELECT count(*) FROM visits WHERE idempotency_key = ANY($1::text[])",
                                         keys)


def sample(app, name: str) -> float:
    return app.state.metrics.registry.get_sample_value(name) or 0.0


async def card_stream(app, card) -> list[tuple[int, str, str]]:
    """(version, event type, transaction id) of the card's visits stream, by version."""
    rows = await app.state.pool.fetch("SELECT version, event_type, transaction_id::text FROM events "
                                      "WHERE stream_id = $1 ORDER BY version", f"card-visits-{card.card_id}")
    return [(r["version"], r["event_type"], r["transaction_id"]) for r in rows]


async def test_concurrent_visits_share_few_commits(usage_app, feed, issued_card, published_offer, staff, visit_body):
    app, client = usage_app
    offers = [published_offer(quota=1000) for _ in range(3)]
    cards = [issued_card() for _ in range(40)]
    await feed(app, [*offers, *cards])
    batches_before = sample(app, "leisure_usage_visit_batch_visits_count")

    answers = await asyncio.gather(*(
        client.post("/v1/visits", headers=staff(offers[n % 3]), json=visit_body(card, offers[n % 3]))
        for n, card in enumerate(cards)))

    assert [a.status_code for a in answers] == [201] * 40
    commits = await transactions_of(app, [a.json()["visit"]["visit_id"] for a in answers])
    assert 1 <= len(commits) <= 4
    assert sample(app, "leisure_usage_visit_batch_visits_count") - batches_before == len(commits)


async def test_refusals_in_a_batch_leave_its_other_visits_recorded(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offer, small = published_offer(quota=100), published_offer(quota=2)
    good = [issued_card() for _ in range(5)]
    too_many, never_issued = issued_card(), issued_card()
    await feed(app, [offer, small, *good, too_many])
    requests = [
        (offer, visit_body(good[0], offer)), (small, visit_body(good[1], small, tickets=3)),
        (offer, visit_body(good[2], offer)), (offer, visit_body(too_many, offer, tickets=4)),
        (small, visit_body(good[3], small, tickets=2)), (offer, visit_body(never_issued, offer)),
        (small, visit_body(good[4], small)),
    ]

    answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(o), json=body) for o, body in requests))

    codes = [a.status_code if a.status_code == 201 else a.json()["code"] for a in answers]
    # The small offer's two places go to good[3]; good[4] comes after it in the same batch.
    assert codes == [201, "no_places_left", 201, "too_many_tickets_for_card", 201, "card_unknown", "no_places_left"]
    recorded = [a.json()["visit"]["visit_id"] for a in answers if a.status_code == 201]
    assert len(await transactions_of(app, recorded)) == 1
    places = await client.get(f"/v1/offers/{small.offer_id}/places", headers=staff(small))
    assert places.json()["tickets_taken"] == 2


async def test_the_same_key_twice_in_one_batch_replays_the_first_answer(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offer, card, others = published_offer(quota=10), issued_card(), [issued_card() for _ in range(3)]
    await feed(app, [offer, card, *others])
    body = visit_body(card, offer, tickets=2)
    bodies = [visit_body(others[0], offer), body, visit_body(others[1], offer), body, visit_body(others[2], offer)]
    rewritten_before = sample(app, "leisure_usage_visit_batches_rewritten_total")

    answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=b) for b in bodies))

    assert [a.status_code for a in answers] == [201] * 5
    first, again = answers[1], answers[3]
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    assert first.headers.get("idempotent-replayed") is None
    assert sample(app, "leisure_usage_visit_batches_rewritten_total") == rewritten_before
    assert len(await transactions_of(app, [a.json()["visit"]["visit_id"] for a in answers])) == 1
    places = await client.get(f"/v1/offers/{offer.offer_id}/places", headers=staff(offer))
    assert places.json()["tickets_taken"] == 2 + 3
    assert await stored_visits(app, [body["idempotency_key"]]) == 1


async def test_visits_of_one_card_in_one_batch_see_each_other(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offers = [published_offer() for _ in range(3)]
    card = issued_card(yearly_use_limit=2, reward_rule={"every_visits": 2, "description": "Cinema"})
    others = [issued_card() for _ in range(3)]
    await feed(app, [*offers, card, *others])
    rewritten_before = sample(app, "leisure_usage_visit_batches_rewritten_total")
    requests = [(offers[0], visit_body(others[0], offers[0])), (offers[0], visit_body(card, offers[0])),
                (offers[1], visit_body(others[1], offers[1])), (offers[1], visit_body(card, offers[1])),
                (offers[2], visit_body(card, offers[2])), (offers[2], visit_body(others[2], offers[2]))]

    answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(o), json=body) for o, body in requests))

    codes = [a.status_code if a.status_code == 201 else a.json()["code"] for a in answers]
    assert codes == [201, 201, 201, 201, "yearly_limit_reached", 201]
    first, second = answers[1].json(), answers[3].json()
    assert (first["reward"], first["reward_progress"]["counted_visits"]) == (None, 1)
    assert second["reward"]["visit_id"] == second["visit"]["visit_id"]
    assert (second["reward_progress"]["counted_visits"], second["reward_progress"]["rewards_earned"]) == (2, 1)
    # One transaction; the card's stream took consecutive versions, each visit after the one before.
    stream = await card_stream(app, card)
    assert [(version, kind) for version, kind, _ in stream] == [
        (1, "fi.leisurepass.visit.recorded.v1"), (2, "fi.leisurepass.visit.recorded.v1"),
        (3, "fi.leisurepass.reward.earned.v1")]
    assert len({transaction for _, _, transaction in stream}) == 1
    recorded = [a.json()["visit"]["visit_id"] for a in answers if a.status_code == 201]
    assert len(await transactions_of(app, recorded)) == 1
    standing = await app.state.pool.fetchrow("SELECT stream_version, counted_visits, rewards_earned FROM card_standing "
                                             "WHERE card_id = $1", card.card_id)
    assert tuple(standing) == (3, 2, 1)
    # Decided set-wise: no visit needed the batch to be written again visit by visit.
    assert sample(app, "leisure_usage_visit_batches_rewritten_total") == rewritten_before


async def test_visits_of_one_offer_in_one_batch_never_oversell(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offer, cards = published_offer(quota=5), [issued_card() for _ in range(5)]
    await feed(app, [offer, *cards])
    rewritten_before = sample(app, "leisure_usage_visit_batches_rewritten_total")
    bodies = [visit_body(cards[0], offer, tickets=2), visit_body(cards[1], offer, tickets=2),
              visit_body(cards[2], offer, tickets=2), visit_body(cards[3], offer), visit_body(cards[4], offer)]

    answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=b) for b in bodies))

    assert [a.json()["places_left"] if a.status_code == 201 else a.json()["code"] for a in answers] == [
        3, 1, "no_places_left", 0, "no_places_left"]
    assert "only 1 places left" in answers[2].json()["detail"]
    recorded = [a.json()["visit"]["visit_id"] for a in answers if a.status_code == 201]
    assert len(await transactions_of(app, recorded)) == 1
    places = await client.get(f"/v1/offers/{offer.offer_id}/places", headers=staff(offer))
    assert (places.json()["tickets_taken"], places.json()["places_left"]) == (5, 0)
    assert sample(app, "leisure_usage_visit_batches_rewritten_total") == rewritten_before


async def test_a_key_reused_for_a_different_visit_in_one_batch_is_refused(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offer, cards = published_offer(quota=10), [issued_card() for _ in range(2)]
    await feed(app, [offer, *cards])
    first = visit_body(cards[0], offer)
    other = visit_body(cards[1], offer, idempotency_key=first["idempotency_key"])
    batches_before = sample(app, "leisure_usage_visit_batch_visits_count")
    rewritten_before = sample(app, "leisure_usage_visit_batches_rewritten_total")

    answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=b) for b in (first, other)))

    assert [a.status_code if a.status_code == 201 else a.json()["code"] for a in answers] == [
        201, "idempotency_key_reused"]
    assert sample(app, "leisure_usage_visit_batch_visits_count") - batches_before == 1
    assert sample(app, "leisure_usage_visit_batches_rewritten_total") == rewritten_before
    assert await stored_visits(app, [first["idempotency_key"]]) == 1
    assert await card_stream(app, cards[1]) == []


async def test_when_the_commit_fails_no_visit_of_the_batch_is_reported_recorded(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offer, poisoned, cards = published_offer(quota=100), issued_card(), [issued_card() for _ in range(5)]
    await feed(app, [offer, poisoned, *cards])
    bodies = [visit_body(card, offer) for card in [cards[0], cards[1], poisoned, cards[2], cards[3], cards[4]]]
    keys = [b["idempotency_key"] for b in bodies]
    await app.state.pool.execute(_FAILING_TRIGGER.format(timing="DEFERRABLE INITIALLY DEFERRED",
                                                         card_number=poisoned.card_number))
    try:
        answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=b) for b in bodies))
    finally:
        await app.state.pool.execute("DROP TRIGGER fail_for_test ON visits")

    assert {(a.status_code, a.json()["code"]) for a in answers} == {(503, "visit_not_recorded")}
    assert all(a.headers["retry-after"] == "1" for a in answers)
    assert await stored_visits(app, keys) == 0
    places = await client.get(f"/v1/offers/{offer.offer_id}/places", headers=staff(offer))
    assert places.json()["tickets_taken"] == 0
    # Nothing was recorded, so the same requests record now, as new visits.
    again = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=b) for b in bodies))
    assert [a.status_code for a in again] == [201] * 6
    assert not any(a.headers.get("idempotent-replayed") for a in again)


async def test_a_visit_failing_mid_batch_is_rolled_back_alone(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offer, poisoned, cards = published_offer(quota=100), issued_card(), [issued_card() for _ in range(4)]
    await feed(app, [offer, poisoned, *cards])
    bodies = [visit_body(card, offer) for card in [cards[0], cards[1], poisoned, cards[2], cards[3]]]
    rewritten_before = sample(app, "leisure_usage_visit_batches_rewritten_total")
    await app.state.pool.execute(_FAILING_TRIGGER.format(timing="", card_number=poisoned.card_number))
    try:
        answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=b) for b in bodies),
                                       return_exceptions=True)
    finally:
        await app.state.pool.execute("DROP TRIGGER fail_for_test ON visits")

    assert "failing on purpose" in str(answers[2])  # the in-process client raises the app's 500
    recorded = [answers[n] for n in (0, 1, 3, 4)]
    assert [a.status_code for a in recorded] == [201] * 4
    assert len(await transactions_of(app, [a.json()["visit"]["visit_id"] for a in recorded])) == 1
    assert await stored_visits(app, [bodies[2]["idempotency_key"]]) == 0
    assert await app.state.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1",
                                         f"card-visits-{poisoned.card_id}") == 0
    assert sample(app, "leisure_usage_visit_batches_rewritten_total") == rewritten_before + 1


async def test_a_visit_that_keeps_conflicting_is_retried_a_bounded_number_of_times(
    usage_app, feed, issued_card, published_offer, staff, visit_body
):
    app, client = usage_app
    offer, stale, cards = published_offer(quota=100), issued_card(), [issued_card() for _ in range(3)]
    await feed(app, [offer, stale, *cards])
    # A standing ahead of the card's stream: every append expects a version the stream never had.
    await app.state.pool.execute("INSERT INTO card_standing (card_id, stream_version, counted_visits, rewards_earned) "
                                 "VALUES ($1, 7, 0, 0)", stale.card_id)
    rewritten_before = sample(app, "leisure_usage_visit_batches_rewritten_total")
    bodies = [visit_body(cards[0], offer), visit_body(stale, offer), visit_body(cards[1], offer),
              visit_body(cards[2], offer)]

    answers = await asyncio.gather(*(client.post("/v1/visits", headers=staff(offer), json=b) for b in bodies))

    assert (answers[1].status_code, answers[1].json()["code"]) == (409, "concurrent_change")
    assert [answers[n].status_code for n in (0, 2, 3)] == [201] * 3
    # Each of its five attempts made a batch be written again; it is stored in none of them.
    assert sample(app, "leisure_usage_visit_batches_rewritten_total") - rewritten_before == 5
    assert await stored_visits(app, [bodies[1]["idempotency_key"]]) == 0


async def test_stopping_writes_the_queued_visits_then_refuses_new_ones(
    usage_settings, restartable_usage, feed, issued_card, published_offer, staff, visit_body, wait_until
):
    offer, cards = published_offer(quota=100), [issued_card() for _ in range(5)]
    async with restartable_usage(usage_settings()) as (app, client):
        await feed(app, [offer, *cards])
        async with app.state.pool.acquire() as holder, holder.transaction():
            # The offer's row held: the first batch waits for it while the other visits queue.
            await holder.execute("SELECT 1 FROM offers WHERE offer_id = $1 FOR UPDATE", offer.offer_id)
            pending = [asyncio.create_task(client.post("/v1/visits", headers=staff(offer),
                                                       json=visit_body(card, offer))) for card in cards]
            await wait_until(lambda: app.state.pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"))
            stopping = asyncio.create_task(app.state.usage.visits.stop())
            await asyncio.sleep(0.2)
            assert not stopping.done()
        answers = await asyncio.gather(*pending)
        await stopping
        late = await client.post("/v1/visits", headers=staff(offer), json=visit_body(cards[0], offer))
    assert [a.status_code for a in answers] == [201] * 5
    assert (late.status_code, late.json()["code"]) == (503, "service_stopping")
