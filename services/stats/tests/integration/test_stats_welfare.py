"""Welfare indicators through the real broker and the API: newly active holders by month (first use,
not a replacement card's, not a cancelled visit), holders active in two months or more, reach to
date, each cell exactly the number its own records' keys give; and the coordinator's target."""

from datetime import date
from uuid import uuid4

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role
from stats.application import welfare
from stats.application.figures import Scope
from stats.domain.period import Period
from stats.domain.perturbation import Tally, perturbed
from stats.domain.pseudonyms import Pseudonyms, RecordKeys

pytestmark = pytest.mark.integration


@pytest.fixture
def scenario(world):
    """Cards of 2016 and two of 2015, and their uses."""
    young = [world.card(date(2016, 1, 10), date(2016, 12, 31), age_band="18_24") for _ in range(10)]
    adults = [world.card(date(2016, 1, 10), date(2016, 12, 31), age_band="25_34") for _ in range(8)]
    earlier = [world.card(date(2015, 9, 1), date(2016, 12, 31), age_band="45_54") for _ in range(2)]
    replacement = world.card(date(2016, 1, 20), date(2016, 12, 31), age_band="45_54").model_copy(
        update={"replaces_card_id": uuid4()})
    summer = [world.card(date(2016, 6, 1), date(2016, 12, 31), age_band="35_44") for _ in range(3)]
    group = world.offer(world.venue("association", "Turku", world.region), "sport", quota=None)
    cancelled = world.visit(young[9], group, date(2016, 1, 15))
    visits = [*(world.visit(card, group, date(2016, 2, 3)) for card in young[:7]),
              *(world.visit(card, group, date(2016, 4, 6)) for card in young[:5]),
              *(world.visit(card, group, date(2016, 3, 9)) for card in adults[:6]),
              *(world.visit(card, group, date(2015, 11, 2)) for card in earlier),
              *(world.visit(card, group, date(2016, 3, 9)) for card in earlier),
              world.visit(replacement, group, date(2016, 2, 3)), cancelled]
    events = [*young, *adults, *earlier, replacement, *summer, group, *visits,
              world.cancellation(cancelled, date(2016, 1, 15))]
    return {"young": young, "adults": adults, "earlier": earlier, "replacement": replacement, "summer": summer,
            "visits": len(visits), "events": events}


async def test_welfare_indicators_count_first_uses_repeat_activity_and_reach(stats_service, world, scenario,
                                                                            publish_in_batches, wait_for):
    app, client = stats_service
    settings = app.state.settings
    pseudonyms = Pseudonyms(settings.holder_hash_key.get_secret_value())
    record_keys = RecordKeys(settings.record_key_secret.get_secret_value())

    def published(cards) -> int:
        return perturbed(Tally(len(cards), sum(record_keys.of(pseudonyms.holder(c.card_number)) for c in cards)
                               % 2**31))

    await publish_in_batches(scenario["events"])
    scope = Scope(Period.of_year(2016), world.region)

    async def all_in():
        async with app.state.pool.acquire() as conn:
            table = await welfare.welfare(conn, scope)
        return (table.counts[(("2016-12", "all"), "holders_to_date")],
                table.counts[(("2016-12", "all"), "reached_to_date")]) == (24, 16)

    await wait_for(all_in)
    reader = bearer(Role.stats_reader, "reader-welfare", region=world.region)
    response = await client.get("/v1/figures/welfare", params={"year": 2016}, headers=reader)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["figure"] == "welfare" and body["dimensions"] == ["month", "age_band"]
    assert body["target"] is None
    cells = {(row["key"]["month"], row["key"]["age_band"]): {c: v["value"] for c, v in row["cells"].items()}
             for row in body["rows"]}
    young, adults, earlier = scenario["young"], scenario["adults"], scenario["earlier"]
    replacement, summer = scenario["replacement"], scenario["summer"]

    # January: the only use was cancelled; the card issued in 2015 and used then counts as reached
    # only from its 2016 use.
    assert cells[("2016-01", "all")]["newly_active"] == 0
    assert cells[("2016-01", "all")]["reached_to_date"] == 0
    assert cells[("2016-02", "18_24")]["newly_active"] == published(young[:7])
    # The replacement card's first use is not a new holder.
    assert cells[("2016-02", "45_54")]["newly_active"] == 0
    assert cells[("2016-02", "45_54")]["reached_to_date"] == published([replacement])
    assert cells[("2016-03", "25_34")]["newly_active"] == published(adults[:6])
    assert cells[("2016-03", "all")]["newly_active_to_date"] == published(young[:7] + adults[:6])
    assert cells[("2016-03", "all")]["reached_to_date"] == published(young[:7] + adults[:6] + earlier + [replacement])
    assert cells[("2016-03", "18_24")]["active_two_months_to_date"] == 0
    assert cells[("2016-04", "18_24")]["active_two_months_to_date"] == published(young[:5])
    assert cells[("2016-05", "all")]["holders_to_date"] == published(young + adults + earlier + [replacement])
    assert cells[("2016-06", "all")]["holders_to_date"] == published(young + adults + earlier + [replacement] + summer)
    december = cells[("2016-12", "all")]
    assert december["newly_active_to_date"] == cells[("2016-03", "all")]["newly_active_to_date"]
    assert december["share_reached_to_date"] == round(december["reached_to_date"] / december["holders_to_date"], 4)
    assert {month for month, _ in cells} == {f"2016-{m:02d}" for m in range(1, 13)}

    coordinator = bearer(Role.coordinator, "coordinator-welfare", region=world.region)
    target = {"region": world.region, "year": 2016, "newly_active": 20}
    saved = await client.put("/v1/welfare-targets", json=target, headers=coordinator)
    assert saved.status_code == 200, saved.text
    assert saved.json()["newly_active"] == 20 and saved.json()["programme_id"] is None
    again = await client.put("/v1/welfare-targets", json=target | {"newly_active": 26}, headers=coordinator)
    assert again.json()["newly_active"] == 26  # replaced, not added
    listed = await client.get("/v1/welfare-targets", params={"year": 2016}, headers=reader)
    assert [(t["region"], t["newly_active"]) for t in listed.json()] == [(world.region, 26)]

    body = (await client.get("/v1/figures/welfare", params={"year": 2016}, headers=reader)).json()
    to_date = published(young[:7] + adults[:6])
    assert body["target"] == {"newly_active": 26, "newly_active_to_date": to_date,
                              "share_of_target": round(to_date / 26, 4)}
    # A target for all programmes is not the target of one programme.
    one = await client.get("/v1/figures/welfare", params={"year": 2016, "programme_id": world.programme},
                           headers=reader)
    assert one.json()["target"] is None


async def test_only_a_coordinator_of_the_region_sets_a_target(stats_service, world):
    _, client = stats_service
    target = {"region": world.region, "year": 2017, "newly_active": 10_000}
    reader = bearer(Role.stats_reader, "reader-welfare", region=world.region)
    refused = await client.put("/v1/welfare-targets", json=target, headers=reader)
    assert refused.status_code == 403
    other = bearer(Role.coordinator, "coordinator-away", region=world.other_region)
    refused = await client.put("/v1/welfare-targets", json=target, headers=other)
    assert refused.status_code == 403
    assert f"cannot set welfare targets in region {world.region}" in refused.json()["detail"]
    national = bearer(Role.coordinator, "coordinator-national", national=True)
    assert (await client.put("/v1/welfare-targets", json=target, headers=national)).status_code == 200
    zero = await client.put("/v1/welfare-targets", json=target | {"newly_active": 0}, headers=national)
    assert zero.status_code == 422 and zero.json()["detail"][0]["loc"] == ["body", "newly_active"]
    no_year = await client.get("/v1/figures/welfare", headers=reader)
    assert no_year.status_code == 422
    elsewhere = await client.get("/v1/figures/welfare", params={"year": 2017, "region": world.other_region},
                                 headers=reader)
    assert elsewhere.status_code == 403
