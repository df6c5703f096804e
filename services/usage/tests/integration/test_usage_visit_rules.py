"""Through the HTTP API, on real PostgreSQL and the real broker: a card and an offer published by
their events, then each acceptance rule of recording a visit for both outcomes, with the status
and the reason code staff see."""

from datetime import date, datetime, timedelta, timezone

import pytest

from leisure_contracts.events import CardRenewed, CardRevoked, OfferUpdated, OfferWithdrawn
from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
async def world(usage_app, feed, issued_card, published_offer):
    """Cards and offers for the rules below, all applied by usage before the tests run."""
    app, client = usage_app
    cards = {
        "plain": issued_card(),
        "renewed": issued_card(valid_until=date.today() - timedelta(days=10)),
        "revoked": issued_card(),
        "sport": issued_card(programme_id="sport-wristband", escort_free=False, children_allowance=0,
                             home_region="varsinais-suomi", accepted_regions=["varsinais-suomi"],
                             yearly_use_limit=2),
        "future": issued_card(valid_from=date.today() + timedelta(days=1)),
        "paper": issued_card(valid_from=date.today() - timedelta(days=20), issued_at=NOW),
    }
    offers = {
        "open": published_offer(),
        "small": published_offer(quota=3),
        "updated": published_offer(max_tickets_per_visit=4),
        "withdrawn": published_offer(),
        "tomorrow": published_offer(starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=2)),
        "over": published_offer(starts_at=NOW - timedelta(days=5), ends_at=NOW - timedelta(days=2)),
        "season": published_offer(starts_at=NOW - timedelta(days=14), ends_at=NOW + timedelta(days=60),
                                  max_tickets_per_visit=2),
        "sport": published_offer(region="varsinais-suomi", category="sport", venue_kind="gym",
                                 accepted_programmes=["sport-wristband"], accepted_regions=["varsinais-suomi"]),
    }
    o = offers["updated"]
    await feed(app, [*cards.values(), *offers.values()])
    await feed(app, [
        CardRenewed(card_id=cards["renewed"].card_id, card_number=cards["renewed"].card_number,
                    valid_until=date.today() + timedelta(days=300), renewed_at=NOW - timedelta(days=2)),
        CardRevoked(card_id=cards["revoked"].card_id, card_number=cards["revoked"].card_number, reason="lost",
                    revoked_at=NOW - timedelta(days=1)),
        OfferWithdrawn(offer_id=offers["withdrawn"].offer_id, withdrawn_at=NOW - timedelta(days=1)),
        OfferUpdated(offer_id=o.offer_id, title=o.title, quota=o.quota, max_tickets_per_visit=1,
                     accepted_programmes=o.accepted_programmes, accepted_regions=o.accepted_regions,
                     updated_at=NOW - timedelta(days=3)),
    ])
    return client, cards, offers


async def visit(world, staff, visit_body, card: str, offer: str, **changes):
    client, cards, offers = world
    return await client.post("/v1/visits", headers=staff(offers[offer]),
                             json=visit_body(cards[card], offers[offer], **changes))


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json().get("code")


def days_ago(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat()


async def test_an_acceptable_visit_is_recorded_and_answered(world, staff, visit_body):
    _client, cards, offers = world
    typed = cards["plain"].card_number
    response = await visit(world, staff, visit_body, "plain", "open", tickets=3,
                           card_number=f"{typed[:4]} {typed[4:8]}-{typed[8:]}")
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["visit"]["card_id"] == str(cards["plain"].card_id)
    assert answer["visit"]["tickets"] == 3 and answer["visit"]["children"] == 2
    assert answer["places_left"] == offers["open"].quota - 3


async def test_card_number_typo_is_told_apart_from_an_unknown_card(world, staff, visit_body, issued_card):
    number = world[1]["plain"].card_number
    swapped = number[:5] + number[6] + number[5] + number[7:]
    if swapped != number:
        assert refusal(await visit(world, staff, visit_body, "plain", "open", card_number=swapped)) == \
            (422, "card_number_mistyped")
    assert refusal(await visit(world, staff, visit_body, "plain", "open", card_number="1234 5678")) == \
        (422, "card_number_malformed")
    unknown = await visit(world, staff, visit_body, "plain", "open", card_number=issued_card().card_number)
    assert refusal(unknown) == (404, "card_unknown")
    assert "try again" in unknown.json()["detail"] and unknown.headers["retry-after"]
    assert unknown.json()["cards_behind_events"] is not None


async def test_unknown_offer_and_other_venues_staff(world, staff, visit_body, published_offer):
    client, cards, offers = world
    elsewhere = published_offer()
    response = await client.post("/v1/visits", headers=staff(elsewhere),
                                 json=visit_body(cards["plain"], elsewhere))
    assert refusal(response) == (404, "offer_unknown")
    response = await client.post("/v1/visits", headers=staff(elsewhere),
                                 json=visit_body(cards["plain"], offers["open"]))
    assert response.status_code == 403 and "record visits" in response.json()["detail"]


async def test_revoked_card_refused_after_revocation_accepted_before(world, staff, visit_body):
    response = await visit(world, staff, visit_body, "revoked", "open")
    assert refusal(response) == (422, "card_revoked") and "lost" in response.json()["detail"]
    assert (await visit(world, staff, visit_body, "revoked", "open", occurred_at=days_ago(2))).status_code == 201


async def test_validity_as_it_stood_when_the_visit_happened(world, staff, visit_body):
    # Expired 10 days ago, renewed 2 days ago: a paper visit of 5 days ago fell in the gap.
    assert (await visit(world, staff, visit_body, "renewed", "open")).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "renewed", "open", occurred_at=days_ago(5))) == \
        (422, "card_expired")
    assert (await visit(world, staff, visit_body, "renewed", "open", occurred_at=days_ago(12))).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "future", "open")) == (422, "card_not_yet_valid")


async def test_a_card_entered_later_from_paper_is_valid_from_the_day_it_was_handed_over(world, staff, visit_body):
    # Handed over 20 days ago, entered just now: its visits of the days between are recorded.
    assert (await visit(world, staff, visit_body, "paper", "season", occurred_at=days_ago(10))).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "paper", "season", occurred_at=days_ago(25))) == \
        (422, "card_not_yet_valid")


async def test_an_offer_entered_after_it_opened_is_judged_by_its_first_terms_and_open_period(world, staff,
                                                                                             visit_body):
    # The season opened 14 days ago; the offer was entered in the catalogue just now.
    assert (await visit(world, staff, visit_body, "plain", "season", tickets=2,
                        occurred_at=days_ago(10))).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "plain", "season", tickets=3,
                               occurred_at=days_ago(10))) == (422, "over_offer_visit_maximum")
    assert refusal(await visit(world, staff, visit_body, "plain", "season", occurred_at=days_ago(16))) == \
        (422, "offer_not_started")


async def test_offer_not_withdrawn_and_open_that_day(world, staff, visit_body):
    assert refusal(await visit(world, staff, visit_body, "plain", "withdrawn")) == (422, "offer_withdrawn")
    assert (await visit(world, staff, visit_body, "plain", "withdrawn", occurred_at=days_ago(2))).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "plain", "tomorrow")) == (422, "offer_not_started")
    assert refusal(await visit(world, staff, visit_body, "plain", "over")) == (422, "offer_ended")
    assert (await visit(world, staff, visit_body, "plain", "over", occurred_at=days_ago(3))).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "plain", "open", occurred_at=days_ago(41))) == \
        (422, "visit_too_old")
    assert refusal(await visit(world, staff, visit_body, "plain", "open", occurred_at=days_ago(-0.1))) == \
        (422, "visit_in_future")


async def test_programme_and_regions_accepted(world, staff, visit_body):
    assert refusal(await visit(world, staff, visit_body, "sport", "open")) == (422, "programme_not_accepted")
    assert refusal(await visit(world, staff, visit_body, "plain", "sport")) == (422, "programme_not_accepted")
    assert (await visit(world, staff, visit_body, "sport", "sport")).status_code == 201


async def test_tickets_within_allowance_escort_and_offer_maximum(world, staff, visit_body):
    assert refusal(await visit(world, staff, visit_body, "plain", "open", tickets=4)) == \
        (422, "too_many_tickets_for_card")
    assert (await visit(world, staff, visit_body, "plain", "open", tickets=4, escort=True)).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "sport", "sport", tickets=2, escort=True)) == \
        (422, "escort_not_free")
    # The offer's maximum fell from 4 to 1 three days ago: a paper visit of five days ago had 4.
    assert refusal(await visit(world, staff, visit_body, "plain", "updated", tickets=2)) == \
        (422, "over_offer_visit_maximum")
    assert (await visit(world, staff, visit_body, "plain", "updated", tickets=2,
                        occurred_at=days_ago(5))).status_code == 201


async def test_yearly_use_limit(world, staff, visit_body):
    client, cards, offers = world
    coordinator = bearer(Role.coordinator, "coordinator-1", region="varsinais-suomi")
    used = await client.get(f"/v1/cards/{cards['sport'].card_id}/visits", headers=coordinator)
    for _ in range(2 - len([v for v in used.json() if v["cancelled_at"] is None])):
        assert (await visit(world, staff, visit_body, "sport", "sport")).status_code == 201
    assert refusal(await visit(world, staff, visit_body, "sport", "sport")) == (422, "yearly_limit_reached")


async def test_quota_and_cancellation_returning_places(world, staff, visit_body):
    client, cards, offers = world
    first = await visit(world, staff, visit_body, "plain", "small", tickets=3)
    assert first.status_code == 201 and first.json()["places_left"] == 0
    assert refusal(await visit(world, staff, visit_body, "plain", "small")) == (422, "no_places_left")

    visit_id = first.json()["visit"]["visit_id"]
    other = await client.post(f"/v1/visits/{visit_id}/cancellation", headers=staff(offers["open"]))
    assert other.status_code == 403
    cancelled = await client.post(f"/v1/visits/{visit_id}/cancellation", headers=staff(offers["small"]))
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["tickets"] == 3
    again = await client.post(f"/v1/visits/{visit_id}/cancellation", headers=staff(offers["small"]))
    assert refusal(again) == (409, "visit_already_cancelled")
    places = await client.get(f"/v1/offers/{offers['small'].offer_id}/places", headers=staff(offers["small"]))
    assert places.json()["places_left"] == 3
    assert (await visit(world, staff, visit_body, "plain", "small", tickets=3)).status_code == 201


async def test_a_retry_gets_the_first_answer_and_a_reused_key_is_refused(world, staff, visit_body):
    client, cards, offers = world
    body = visit_body(cards["plain"], offers["open"])
    first = await client.post("/v1/visits", headers=staff(offers["open"]), json=body)
    retry = await client.post("/v1/visits", headers=staff(offers["open"]), json=body)
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json() and retry.headers["idempotent-replayed"] == "true"
    reused = await client.post("/v1/visits", headers=staff(offers["open"]), json={**body, "tickets": 2})
    assert refusal(reused) == (409, "idempotency_key_reused")


async def test_a_card_issued_just_now_is_accepted_on_retry(usage_app, feed, issued_card, published_offer, staff,
                                                          visit_body):
    app, client = usage_app
    offer, card = published_offer(), issued_card()
    await feed(app, [offer])
    body = visit_body(card, offer)
    assert refusal(await client.post("/v1/visits", headers=staff(offer), json=body)) == (404, "card_unknown")
    await feed(app, [card])
    assert (await client.post("/v1/visits", headers=staff(offer), json=body)).status_code == 201
