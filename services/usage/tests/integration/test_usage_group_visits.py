"""Group visits through the HTTP API on real PostgreSQL and the broker: several holders recorded
at once, each card judged on its own with an answer of its own; a retry records nothing twice;
what no card could escape (the offer, the venue) refuses the whole group."""

import random
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from leisure_contracts.events import CardRevoked
from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

from .conftest import new_card_number

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


async def group_visits_counted(client) -> float:
    metrics = (await client.get("/metrics")).text
    return float(next(line.split()[1] for line in metrics.splitlines()
                      if line.startswith("leisure_usage_group_visits_total ")))


async def test_each_card_of_a_group_gets_its_own_answer_and_a_retry_records_nothing_twice(
        usage_app, feed, issued_card, published_offer, staff):
    app, client = usage_app
    cards = [issued_card() for _ in range(4)]
    revoked = issued_card()
    group = published_offer(venue_kind="association", category="wellbeing", kind="free_entry", quota=3,
                            activity="group")
    await feed(app, [*cards, revoked, group])
    await feed(app, [CardRevoked(card_id=revoked.card_id, card_number=revoked.card_number, reason="lost",
                                 revoked_at=NOW - timedelta(days=1))])
    unknown = new_card_number()
    a, b, c, d = cards
    holders = [{"card_number": a.card_number}, {"card_number": b.card_number},
               {"card_number": revoked.card_number}, {"card_number": unknown},
               {"card_number": f"{a.card_number[:4]} {a.card_number[4:]}"},  # the same card typed again
               {"card_number": c.card_number}, {"card_number": d.card_number}, {"card_number": "1234"}]
    body = {"offer_id": str(group.offer_id), "idempotency_key": uuid4().hex, "holders": holders}

    before = await group_visits_counted(client)
    response = await client.post("/v1/group-visits", json=body, headers=staff(group))
    assert response.status_code == 200, response.text
    answer = response.json()
    by_position = {h["position"]: h for h in answer["holders"]}
    assert [h["position"] for h in answer["holders"]] == list(range(8))
    assert [by_position[n]["card_number_ending"] for n in (0, 3, 7)] == [a.card_number[-4:], unknown[-4:], "1234"]
    assert (by_position[2]["status"], by_position[2]["code"]) == (422, "card_revoked")
    assert (by_position[3]["status"], by_position[3]["code"]) == (404, "card_unknown")
    assert (by_position[4]["status"], by_position[4]["code"]) == (422, "card_listed_twice")
    assert (by_position[7]["status"], by_position[7]["code"]) == (422, "card_number_malformed")
    # Three places for four valid cards: three go in, one is told there is no place left.
    valid = [by_position[n] for n in (0, 1, 5, 6)]
    assert sorted(h["status"] for h in valid) == [201, 201, 201, 422]
    assert [h["code"] for h in valid if h["status"] == 422] == ["no_places_left"]
    assert (answer["recorded"], answer["refused"]) == (3, 5)
    recorded = {h["position"]: h["recorded"]["visit"] for h in valid if h["status"] == 201}
    assert {v["card_number"] for v in recorded.values()} <= {a.card_number, b.card_number, c.card_number,
                                                              d.card_number}
    assert {v["offer_id"] for v in recorded.values()} == {str(group.offer_id)}

    # The same group sent again in another order: the recorded cards get their first answers.
    random.Random(7).shuffle(holders)
    again = await client.post("/v1/group-visits", json=body | {"holders": holders}, headers=staff(group))
    assert again.status_code == 200, again.text
    replayed = {h["recorded"]["visit"]["visit_id"] for h in again.json()["holders"] if h["status"] == 201}
    assert replayed == {v["visit_id"] for v in recorded.values()}
    places = await client.get(f"/v1/offers/{group.offer_id}/places", headers=staff(group))
    assert places.json()["places_left"] == 0
    day = await client.get(f"/v1/venues/{group.venue_id}/visits", headers=staff(group))
    assert len(day.json()) == 3
    assert await group_visits_counted(client) == before + 2


async def test_what_no_card_could_escape_refuses_the_whole_group(usage_app, feed, issued_card, published_offer,
                                                                 staff):
    app, client = usage_app
    card = issued_card()
    offer = published_offer()
    await feed(app, [card, offer])
    body = {"offer_id": str(offer.offer_id), "idempotency_key": uuid4().hex,
            "holders": [{"card_number": card.card_number}]}
    elsewhere = bearer(Role.venue_staff, "staff-elsewhere", venues=[str(uuid4())])
    assert (await client.post("/v1/group-visits", json=body, headers=elsewhere)).status_code == 403
    unknown = await client.post("/v1/group-visits", json=body | {"offer_id": str(uuid4())}, headers=staff(offer))
    assert unknown.status_code == 404 and unknown.json()["code"] == "offer_unknown"
    empty = await client.post("/v1/group-visits", json=body | {"holders": []}, headers=staff(offer))
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "holders"]
    too_many = body | {"holders": [{"card_number": card.card_number}] * 51}
    assert (await client.post("/v1/group-visits", json=too_many, headers=staff(offer))).status_code == 422
    assert (await client.post("/v1/group-visits", json=body)).status_code == 401
    # Nothing of the refused requests was recorded: the card's one visit is the one recorded now.
    ok = await client.post("/v1/group-visits", json=body, headers=staff(offer))
    assert ok.json()["recorded"] == 1
