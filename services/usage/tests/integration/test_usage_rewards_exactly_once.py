"""Rewards exactly once: 41 visits with one cancellation in between on a 20-visit programme earn
exactly two rewards, across a restart of the service (and its consumer) mid-way, a retried request
and a redelivery of the card's events."""

import json

import pytest

from leisure_contracts.events import RewardEarned, VisitCancelled, VisitRecorded
from leisure_contracts.topics import Topic
from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration


async def test_two_rewards_for_forty_counted_visits_across_a_restart(
    usage_settings, restartable_usage, feed, issued_card, published_offer, staff, visit_body, read_topic, wait_until
):
    settings = usage_settings()
    card = issued_card(programme_id="activity-pass", accepted_regions=["uusimaa"], children_allowance=0,
                       escort_free=False, reward_rule={"every_visits": 20, "description": "Two cinema tickets"})
    offer = published_offer(quota=None, accepted_programmes=["activity-pass"], category="sport")
    distributor = bearer(Role.distributor, "worker-1", region="uusimaa", organisation=card.distributor_id)
    bodies = [visit_body(card, offer) for _ in range(41)]
    answers = []

    async def card_events():
        # The relay publishes at least once: a restart may put a batch on the topic again, under the
        # same event ids. Distinct events are what a deduplicating subscriber sees.
        records = [r for r in await read_topic(Topic.VISITS.value) if r.key == str(card.card_id).encode()]
        distinct = {r.header("ce_id"): r for r in records}.values()
        by_type = {kind: [json.loads(r.value) for r in distinct if r.header("ce_type") == kind.event_type().encode()]
                   for kind in (VisitRecorded, VisitCancelled, RewardEarned)}
        return by_type if len(by_type[VisitRecorded]) == 41 and len(by_type[RewardEarned]) >= 2 else None

    async def record(client, body):
        response = await client.post("/v1/visits", headers=staff(offer), json=body)
        assert response.status_code == 201, response.text
        return response.json()

    async with restartable_usage(settings) as (app, client):
        await feed(app, [card, offer])
        for body in bodies[:10]:
            answers.append(await record(client, body))
        cancelled = await client.post(f"/v1/visits/{answers[4]['visit']['visit_id']}/cancellation",
                                      headers=staff(offer))
        assert cancelled.status_code == 200, cancelled.text
        for body in bodies[10:21]:
            answers.append(await record(client, body))
        assert answers[20]["reward"]["visits_counted"] == 20
        assert [a["reward"] is not None for a in answers].count(True) == 1

    async with restartable_usage(settings) as (app, client):
        await feed(app, [card, offer])  # a redelivery of what the read models already hold
        assert await record(client, bodies[20]) == answers[20]  # the reward's request, retried
        for body in bodies[21:]:
            answers.append(await record(client, body))
        progress = await client.get(f"/v1/cards/{card.card_id}/reward-progress", headers=distributor)
        assert progress.json() == {"card_id": str(card.card_id), "programme_id": "activity-pass",
                                   "reward": "Two cinema tickets", "every_visits": 20, "counted_visits": 40,
                                   "rewards_earned": 2, "visits_to_next_reward": 20}
        on_topic = await wait_until(card_events)  # while the relay still runs

    rewards = [a["reward"]["visits_counted"] for a in answers if a["reward"] is not None]
    assert rewards == [20, 40]
    assert sorted(r["visits_counted"] for r in on_topic[RewardEarned]) == [20, 40]
    assert len(on_topic[VisitCancelled]) == 1

