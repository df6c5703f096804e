"""Group visits through the HTTP API on real PostgreSQL and the broker: several holders recorded
at once, each card judged on its own with an answer of its own; a retry records nothing twice;
what no card could escape (the offer, the venue) refuses the whole group."""

import random
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from leisure_contracts.events import CardRevoked, OfferUpdated
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


async def test_a_session_takes_its_own_places_and_a_cancellation_gives_one_back(
        usage_app, feed, issued_card, published_offer, staff):
    app, client = usage_app
    cards = [issued_card() for _ in range(4)]
    today, later = NOW, NOW + timedelta(days=7)
    session, next_week = uuid4(), uuid4()
    group = published_offer(venue_kind="association", category="sport", kind="free_entry", quota=None,
                            activity="group", sessions=[{"session_id": session, "starts_at": today, "places": 2},
                                                        {"session_id": next_week, "starts_at": later}])
    await feed(app, [*cards, group])

    def group_of(members, session_id, key=None):
        return {"offer_id": str(group.offer_id), "idempotency_key": key or uuid4().hex,
                "session_id": str(session_id), "holders": [{"card_number": c.card_number} for c in members]}

    first = await client.post("/v1/group-visits", json=group_of(cards[:3], session), headers=staff(group))
    assert first.status_code == 200, first.text
    answers = first.json()["holders"]
    assert sorted(h["status"] for h in answers) == [201, 201, 422]
    assert [h["code"] for h in answers if h["status"] == 422] == ["no_places_left_in_session"]
    visits = [h["recorded"] for h in answers if h["status"] == 201]
    assert sorted(v["session_places_left"] for v in visits) == [0, 1]
    assert {v["visit"]["session_id"] for v in visits} == {str(session)}
    assert {v["places_left"] for v in visits} == {None}  # the offer itself has no quota

    places = (await client.get(f"/v1/offers/{group.offer_id}/places", headers=staff(group))).json()
    assert [(s["session_id"], s["tickets_taken"], s["places_left"]) for s in places["sessions"]] == [
        (str(session), 2, 0), (str(next_week), 0, None)]

    cancelled = await client.post(f"/v1/visits/{visits[0]['visit']['visit_id']}/cancellation", headers=staff(group))
    assert cancelled.status_code == 200, cancelled.text
    latecomer = await client.post("/v1/group-visits", json=group_of(cards[3:], session), headers=staff(group))
    assert latecomer.json()["recorded"] == 1

    # Next week's session is not today's; an unknown session is no session of this offer: the group
    # is refused as a whole, and nothing is recorded.
    wrong_day = await client.post("/v1/group-visits", json=group_of(cards, next_week), headers=staff(group))
    assert wrong_day.status_code == 422 and wrong_day.json()["code"] == "not_session_day"
    unknown = await client.post("/v1/group-visits", json=group_of(cards, uuid4()), headers=staff(group))
    assert unknown.status_code == 404 and unknown.json()["code"] == "session_unknown"
    places = (await client.get(f"/v1/offers/{group.offer_id}/places", headers=staff(group))).json()
    assert [s["tickets_taken"] for s in places["sessions"]] == [2, 0]


async def test_sessions_follow_the_offers_latest_terms_even_when_an_older_event_comes_again(
        usage_app, feed, published_offer, staff):
    app, client = usage_app
    kept, dropped = uuid4(), uuid4()
    offer = published_offer(activity="course", kind="course_place", sessions=[
        {"session_id": kept, "starts_at": NOW + timedelta(days=1), "places": 10},
        {"session_id": dropped, "starts_at": NOW + timedelta(days=2), "places": 10}])
    update = OfferUpdated(offer_id=offer.offer_id, title=offer.title, quota=offer.quota,
                          max_tickets_per_visit=offer.max_tickets_per_visit,
                          accepted_programmes=offer.accepted_programmes, accepted_regions=offer.accepted_regions,
                          activity="course", sessions=[{"session_id": kept, "starts_at": NOW + timedelta(days=3),
                                                        "places": 6}],
                          updated_at=offer.published_at + timedelta(seconds=1))
    await feed(app, [offer])
    await feed(app, [update])
    await feed(app, [offer])  # published again under a new event id: older than the update, changes nothing

    places = (await client.get(f"/v1/offers/{offer.offer_id}/places", headers=staff(offer))).json()
    assert [(s["session_id"], s["places"]) for s in places["sessions"]] == [(str(kept), 6)]
