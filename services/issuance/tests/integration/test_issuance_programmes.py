"""Programmes of the three models in DESIGN.md, their updates and the distributors, as integrators
receive them on leisure.programmes."""

import pytest

from leisure_contracts.events import DistributorRegistered, ProgrammeDefined, ProgrammeUpdated
from leisure_contracts.topics import Topic

pytestmark = pytest.mark.integration


async def test_the_three_models_are_defined_and_published(issuance):
    culture_card = await issuance.programme(children_allowance=3, escort_free=True,
                                            participating_regions=["uusimaa", "varsinais-suomi"])
    sport_wristband = await issuance.programme(region="varsinais-suomi", minimum_age=18, validity_months=6,
                                               accepted_in_all_regions=False, children_allowance=0)
    activity_pass = await issuance.programme(accepted_in_all_regions=False, yearly_use_limit=60,
                                             reward_rule={"every_visits": 20, "description": "Two cinema tickets"})

    [(kind, culture)] = await issuance.on_topic(Topic.PROGRAMMES, culture_card, 1)
    assert kind == ProgrammeDefined.event_type()
    assert ProgrammeDefined.model_validate(culture).participating_regions == ["uusimaa", "varsinais-suomi"]
    [(_, sport)] = await issuance.on_topic(Topic.PROGRAMMES, sport_wristband, 1)
    assert (sport["minimum_age"], sport["accepted_in_all_regions"]) == (18, False)
    [(_, activity)] = await issuance.on_topic(Topic.PROGRAMMES, activity_pass, 1)
    assert activity["reward_rule"] == {"every_visits": 20, "description": "Two cinema tickets"}

    card = await issuance.card(await issuance.worker("varsinais-suomi"), culture_card)
    assert card["home_region"] == "varsinais-suomi"
    assert card["accepted_regions"] == ["uusimaa", "varsinais-suomi"]
    card = await issuance.card(await issuance.worker("uusimaa"), activity_pass)
    assert card["accepted_regions"] == ["uusimaa"]
    assert (card["reward_rule"]["every_visits"], card["yearly_use_limit"]) == (20, 60)


async def test_an_update_is_published_and_applies_to_cards_issued_after_it(issuance):
    programme = await issuance.programme()
    worker = await issuance.worker()
    before = await issuance.card(worker, programme)
    terms = {"name": {"fi": "Kulttuurikortti", "en": "Culture card"}, "eligibility_criteria": [issuance.criterion],
             "children_allowance": 4, "participating_regions": ["uusimaa"]}
    updated = await issuance.client.put(f"/v1/programmes/{programme}", json=terms, headers=issuance.coordinator())
    assert updated.status_code == 200, updated.text

    events = await issuance.on_topic(Topic.PROGRAMMES, programme, 2)
    assert events[1][0] == ProgrammeUpdated.event_type()
    assert ProgrammeUpdated.model_validate(events[1][1]).children_allowance == 4
    after = await issuance.card(worker, programme)
    assert (before["children_allowance"], after["children_allowance"]) == (2, 4)
    assert (await issuance.look_up(before["card_number"], worker)).json()["children_allowance"] == 2


async def test_a_registered_distributor_is_published(issuance):
    response = await issuance.client.post("/v1/distributors", headers=issuance.coordinator(), json={
        "distributor_id": "vantaa-family-work", "name": {"fi": "Perhetyö Vantaa"}, "kind": "family_work",
        "region": "uusimaa"})
    assert response.status_code == 201, response.text
    [(kind, data)] = await issuance.on_topic(Topic.PROGRAMMES, "vantaa-family-work", 1)
    assert kind == DistributorRegistered.event_type()
    assert DistributorRegistered.model_validate(data).kind == "family_work"
