"""Each step of a card's life through the HTTP API: the card changes as expected, and the right
event is on leisure.cards keyed by the card's id."""

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest

from issuance.domain.dates import FINLAND, add_months
from leisure_contracts.events import CardIssued, CardRenewed, CardRevoked
from leisure_contracts.topics import Topic

pytestmark = pytest.mark.integration


def next_period(valid_until: str, months: int = 12) -> date:
    """The new last day when a card valid until `valid_until` is renewed for `months` (here 12)."""
    last = date.fromisoformat(valid_until)
    start = last + timedelta(days=1)
    return date(start.year + months // 12, start.month, start.day) - timedelta(days=1)


async def test_an_issued_card_is_on_the_topic_and_can_be_looked_up_at_once(issuance):
    programme = await issuance.programme(yearly_use_limit=10)
    worker = await issuance.worker()
    card = await issuance.card(worker, programme)
    assert card["programme_id"] == programme and card["home_region"] == "uusimaa"
    assert card["background"]["age_band"] == "25_34" and "age" not in card["background"]

    [(kind, data)] = await issuance.on_topic(Topic.CARDS, card["card_id"], 1)
    assert kind == CardIssued.event_type()
    assert CardIssued.model_validate(data) == CardIssued.model_validate(card)

    number = card["card_number"]
    for typed in (number, f"{number[:4]} {number[4:8]} {number[8:]}", f"{number[:4]}-{number[4:8]}-{number[8:]}"):
        found = await issuance.look_up(typed, worker)
        assert found.status_code == 200, found.text
    seen = found.json()
    assert seen["status"] == "active" and seen["printed_number"] == f"{number[:4]} {number[4:8]} {number[8:]}"
    assert (seen["programme_id"], seen["valid_from"], seen["valid_until"]) == \
        (programme, card["valid_from"], card["valid_until"])
    assert (seen["children_allowance"], seen["escort_free"], seen["yearly_use_limit"]) == (2, True, 10)
    assert seen["background"] == card["background"]


async def test_a_card_issued_on_paper_is_valid_from_the_day_it_was_handed_over(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    handed_over = datetime.now(FINLAND).date() - timedelta(days=20)
    response = await issuance.issue(worker, programme, issued_on=handed_over.isoformat())
    assert response.status_code == 201, response.text
    card = response.json()
    assert card["valid_from"] == handed_over.isoformat()
    assert card["valid_until"] == (add_months(handed_over, 12) - timedelta(days=1)).isoformat()
    assert datetime.fromisoformat(card["issued_at"]) > datetime.now(timezone.utc) - timedelta(minutes=1)

    [(_, data)] = await issuance.on_topic(Topic.CARDS, card["card_id"], 1)
    assert data["valid_from"] == handed_over.isoformat()
    found = (await issuance.look_up(card["card_number"], worker)).json()
    assert (found["status"], found["valid_from"]) == ("active", handed_over.isoformat())
    # The worker's list knows the card by the day it was handed over, not the day it was entered.
    listed = await issuance.client.get("/v1/cards", headers=worker, params={"issued_from": handed_over.isoformat(),
                                                                            "issued_until": handed_over.isoformat()})
    assert [c["card_id"] for c in listed.json()["cards"]] == [card["card_id"]]
    listed = await issuance.client.get("/v1/cards", headers=worker,
                                       params={"issued_from": (handed_over + timedelta(days=1)).isoformat()})
    assert listed.json()["cards"] == []


async def test_background_is_shown_to_the_issuing_organisation_and_coordinators_only(issuance):
    programme = await issuance.programme()
    worker, other_office = await issuance.worker(), await issuance.worker()
    number = (await issuance.card(worker, programme))["card_number"]

    for reader, sees_background in ((issuance.venue_staff(), False), (other_office, False),
                                    (issuance.coordinator("uusimaa"), True), (worker, True)):
        found = await issuance.look_up(number, reader)
        assert found.status_code == 200, found.text
        assert found.json()["status"] == "active"
        assert (found.json()["background"] is not None) is sees_background


async def test_renewal_extends_the_card_by_the_programme_period(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    card = await issuance.card(worker, programme)

    renewed = await issuance.client.post(f"/v1/cards/{card['card_number']}/renewal", headers=worker)
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["valid_until"] == next_period(card["valid_until"]).isoformat()

    found = (await issuance.look_up(card["card_number"], worker)).json()
    assert found["valid_until"] == renewed.json()["valid_until"] and found["status"] == "active"
    events = await issuance.on_topic(Topic.CARDS, card["card_id"], 2)
    assert [kind for kind, _ in events] == [CardIssued.event_type(), CardRenewed.event_type()]
    assert CardRenewed.model_validate(events[1][1]) == CardRenewed.model_validate(renewed.json())


async def test_a_renewal_uses_the_programme_terms_as_updated(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    card = await issuance.card(worker, programme)
    terms = {"name": {"fi": "Kulttuurikortti"}, "eligibility_criteria": [issuance.criterion],
             "validity_months": 6, "participating_regions": ["uusimaa"]}
    updated = await issuance.client.put(f"/v1/programmes/{programme}", json=terms,
                                        headers=issuance.coordinator("uusimaa"))
    assert updated.status_code == 200, updated.text

    renewed = await issuance.client.post(f"/v1/cards/{card['card_number']}/renewal", headers=worker)
    start = date.fromisoformat(card["valid_until"]) + timedelta(days=1)
    six_months_on = date(start.year + (start.month + 5) // 12, (start.month + 5) % 12 + 1, start.day)
    assert renewed.json()["valid_until"] == (six_months_on - timedelta(days=1)).isoformat()


async def test_revocation_records_the_reason_and_the_card_shows_revoked(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    card = await issuance.card(worker, programme)

    revoked = await issuance.client.post(f"/v1/cards/{card['card_number']}/revocation", headers=worker,
                                         json={"reason": "no_longer_eligible"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["reason"] == "no_longer_eligible" and revoked.json()["replaced_by_card_id"] is None

    found = (await issuance.look_up(card["card_number"], issuance.venue_staff())).json()
    assert found["status"] == "revoked" and found["revocation"]["reason"] == "no_longer_eligible"
    events = await issuance.on_topic(Topic.CARDS, card["card_id"], 2)
    assert events[1][0] == CardRevoked.event_type()
    assert CardRevoked.model_validate(events[1][1]).reason == "no_longer_eligible"


async def test_a_coordinator_of_the_region_can_revoke_for_misuse(issuance):
    programme = await issuance.programme()
    card = await issuance.card(await issuance.worker(), programme)
    revoked = await issuance.client.post(f"/v1/cards/{card['card_number']}/revocation",
                                         headers=issuance.coordinator("uusimaa"), json={"reason": "misuse"})
    assert revoked.status_code == 200, revoked.text


async def test_a_lost_card_is_replaced_and_the_two_are_linked(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    old = await issuance.card(worker, programme)

    replaced = await issuance.client.post(f"/v1/cards/{old['card_number']}/replacement", headers=worker)
    assert replaced.status_code == 201, replaced.text
    new = replaced.json()
    assert new["card_number"] != old["card_number"] and new["card_id"] != old["card_id"]
    assert new["replaces_card_id"] == old["card_id"]
    assert (new["valid_until"], new["background"], new["programme_id"]) == \
        (old["valid_until"], old["background"], programme)

    old_seen = (await issuance.look_up(old["card_number"], worker)).json()
    assert old_seen["status"] == "revoked"
    assert old_seen["revocation"]["reason"] == "lost"
    assert old_seen["revocation"]["replaced_by_card_id"] == new["card_id"]
    new_seen = (await issuance.look_up(new["card_number"], worker)).json()
    assert new_seen["status"] == "active" and new_seen["replaces_card_id"] == old["card_id"]

    old_events = await issuance.on_topic(Topic.CARDS, old["card_id"], 2)
    assert old_events[1][0] == CardRevoked.event_type()
    assert old_events[1][1]["reason"] == "lost" and old_events[1][1]["replaced_by_card_id"] == new["card_id"]
    [(kind, data)] = await issuance.on_topic(Topic.CARDS, new["card_id"], 1)
    assert kind == CardIssued.event_type() and data["replaces_card_id"] == old["card_id"]


async def test_concurrent_renewals_never_lose_an_update(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    card = await issuance.card(worker, programme)
    number = card["card_number"]

    answers = await asyncio.gather(*(issuance.client.post(f"/v1/cards/{number}/renewal", headers=worker)
                                     for _ in range(5)))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 409} and 200 in statuses, [a.text for a in answers]
    for conflict in (a for a in answers if a.status_code == 409):
        assert conflict.json()["code"] == "card_changed"

    # Each success extended the card by one more period: none was computed from a stale state.
    expected, renewals = card["valid_until"], []
    for _ in range(statuses.count(200)):
        expected = next_period(expected).isoformat()
        renewals.append(expected)
    assert sorted(a.json()["valid_until"] for a in answers if a.status_code == 200) == renewals
    assert (await issuance.look_up(number, worker)).json()["valid_until"] == expected
    events = await issuance.on_topic(Topic.CARDS, card["card_id"], 1 + len(renewals))
    assert [data["valid_until"] for _, data in events[1:]] == renewals


async def test_cards_issued_renewed_and_revoked_are_counted_by_programme_and_region(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    first, second = await issuance.card(worker, programme), await issuance.card(worker, programme)
    await issuance.client.post(f"/v1/cards/{first['card_number']}/renewal", headers=worker)
    await issuance.client.post(f"/v1/cards/{second['card_number']}/revocation", headers=worker,
                               json={"reason": "holder_request"})

    metrics = (await issuance.client.get("/metrics")).text
    assert f'leisure_cards_issued_total{{programme="{programme}",region="uusimaa"}} 2.0' in metrics
    assert f'leisure_cards_renewed_total{{programme="{programme}",region="uusimaa"}} 1.0' in metrics
    assert (f'leisure_cards_revoked_total{{programme="{programme}",reason="holder_request",region="uusimaa"}} 1.0'
            in metrics)
    assert first["card_number"] not in metrics
