"""The worker's follow-up list: only the organisation's own cards, filtered, page by page."""

from datetime import date, timedelta
from uuid import uuid4

import pytest

pytestmark = pytest.mark.integration


async def list_cards(issuance, headers, **params) -> dict:
    response = await issuance.client.get("/v1/cards", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_distributor_lists_its_own_cards_with_filters_and_pages(issuance):
    office = f"office-{uuid4().hex[:8]}"
    worker, other_office = await issuance.worker(organisation=office), await issuance.worker()
    culture, activity = await issuance.programme(), await issuance.programme()
    issued = [await issuance.card(worker, culture) for _ in range(3)] + [await issuance.card(worker, activity)]
    await issuance.card(other_office, culture)
    revoked = issued[1]
    await issuance.client.post(f"/v1/cards/{revoked['card_number']}/revocation", headers=worker,
                               json={"reason": "holder_request"})

    listed = (await list_cards(issuance, worker))["cards"]
    assert [card["card_id"] for card in listed] == [card["card_id"] for card in reversed(issued)]  # newest first
    assert all(card["background"] is not None for card in listed)

    assert [c["card_id"] for c in (await list_cards(issuance, worker, status="revoked"))["cards"]] == \
        [revoked["card_id"]]
    assert len((await list_cards(issuance, worker, status="active"))["cards"]) == 3
    assert (await list_cards(issuance, worker, status="expired"))["cards"] == []
    assert [c["card_id"] for c in (await list_cards(issuance, worker, programme_id=activity))["cards"]] == \
        [issued[3]["card_id"]]

    today = date.fromisoformat(issued[0]["valid_from"])
    assert len((await list_cards(issuance, worker, issued_from=today, issued_until=today))["cards"]) == 4
    assert (await list_cards(issuance, worker, issued_until=today - timedelta(days=1)))["cards"] == []
    assert (await list_cards(issuance, worker, issued_from=today + timedelta(days=1)))["cards"] == []

    first = await list_cards(issuance, worker, limit=3)
    second = await list_cards(issuance, worker, limit=3, after=first["next"])
    assert len(first["cards"]) == 3 and len(second["cards"]) == 1 and second["next"] is None
    assert [c["card_id"] for c in first["cards"] + second["cards"]] == [c["card_id"] for c in listed]


async def test_a_coordinator_lists_the_regions_cards_and_can_narrow_to_one_organisation(issuance):
    office = f"office-{uuid4().hex[:8]}"
    worker = await issuance.worker(organisation=office)
    card = await issuance.card(worker, await issuance.programme())

    mine = await list_cards(issuance, issuance.coordinator("uusimaa"), distributor_id=office)
    assert [c["card_id"] for c in mine["cards"]] == [card["card_id"]]
    elsewhere = await list_cards(issuance, issuance.coordinator("varsinais-suomi"), distributor_id=office)
    assert elsewhere["cards"] == []


async def test_a_distributor_sees_the_programmes_running_in_its_region(issuance):
    here = await issuance.programme("uusimaa")
    there = await issuance.programme("varsinais-suomi")
    response = await issuance.client.get("/v1/programmes", headers=await issuance.worker("uusimaa"))
    assert response.status_code == 200, response.text
    listed = {programme["programme_id"]: programme for programme in response.json()}
    assert here in listed and there not in listed
    assert listed[here]["eligibility_criteria"] == [issuance.criterion]
