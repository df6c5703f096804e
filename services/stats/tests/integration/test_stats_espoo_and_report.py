"""The Espoo-shaped year (1,320 holders, 1,355 uses by 356 of them, about 27 %) through the real
broker: the API and the yearly CSV answer those numbers within the perturbation's 2, the CSV shows
no small count, gives every row a key of its own, and says the same as the JSON answers."""

import csv
import io
import random
from datetime import date, timedelta

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role
from stats.application import figures
from stats.application.figures import Scope
from stats.domain.dimensions import HolderDimension
from stats.domain.period import Period
from stats.domain.perturbation import possible

pytestmark = pytest.mark.integration
HOLDERS, USERS, USES = 1320, 356, 1355


def espoo_year(world):
    rng = random.Random(2016)
    cards = [world.card(date(2016, 1, 1) + timedelta(days=rng.randrange(180)), date(2016, 12, 31),
                        age_band=rng.choice(["18_24", "25_34", "35_44", "45_54", "65_74"]),
                        gender=rng.choice(["female", "male"]),
                        mother_tongue="russian" if n < 2 else rng.choice(["finnish", "swedish", "somali"]),
                        life_situation=rng.choice(["unemployed", "retired", "student"]),
                        postal_code=rng.choice(["02100", "02600", "02770", "02230"]))
             for n in range(HOLDERS)]
    theatre = world.venue("theatre", "Espoo", world.region)
    library = world.venue("library", "Espoo", world.region)
    offers = [world.offer(theatre, "culture", quota=2000), world.offer(library, "course", quota=None)]
    # Every user once, then the remaining uses spread over them: 3 or 4 each.
    visits_by_user = [1] * USERS
    for n in range(USES - USERS):
        visits_by_user[n % USERS] += 1
    visits = [world.visit(card, rng.choice(offers), date(2016, 7, 1) + timedelta(days=rng.randrange(150)))
              for card, count in zip(cards, visits_by_user) for _ in range(count)]
    return [*cards, theatre, library, *offers, *visits]


async def test_the_espoo_year_is_answered_within_the_perturbation(stats_service, world, publish_in_batches, wait_for):
    app, client = stats_service
    events = espoo_year(world)
    assert sum(e.event_name == "visit.recorded" for e in events) == USES
    await publish_in_batches(events)
    reader = bearer(Role.stats_reader, "reader-espoo", region=world.region)

    scope = Scope(Period.of_year(2016), world.region)

    async def all_in():
        async with app.state.pool.acquire() as conn:
            table = await figures.reach(conn, scope, HolderDimension.programme)
        return (table.counts[((), "users")], table.counts[((), "holders")]) == (USERS, HOLDERS)

    await wait_for(all_in, timeout=60)
    total = (await client.get("/v1/figures/reach", params={"year": 2016}, headers=reader)).json()["total"]
    assert total["users"]["value"] in possible(USERS) and total["holders"]["value"] in possible(HOLDERS)
    assert total["non_users"]["value"] in possible(HOLDERS - USERS)
    assert abs(total["share"]["value"] - 0.2697) < 0.002

    uses = (await client.get("/v1/figures/uses", params={"year": 2016}, headers=reader)).json()
    assert uses["total"]["visits"]["value"] in possible(USES)
    holders = (await client.get("/v1/figures/holders", params={"year": 2016}, headers=reader)).json()
    assert holders["total"]["issued"]["value"] in possible(HOLDERS)
    assert holders["total"]["active"] == holders["total"]["issued"]  # the same holders: the same number

    response = await client.get("/v1/reports/yearly.csv", params={"year": 2016}, headers=reader)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    assert f"leisure-pass-{world.region}-2016.csv" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["avain / key", "vuosi / year", "alue / region", "osio / section", "erittely / breakdown",
                        "rivi / row", "mittari / measure", "luku / count"]
    keys = [row[0] for row in table[1:]]
    assert len(keys) == len(set(keys))  # loads as a keyed table
    by_key = {row[0]: row[7] for row in table[1:]}
    assert by_key["reach/programme/yhteensä / total/users"] == str(total["users"]["value"])
    assert by_key["reach/programme/yhteensä / total/share"] == str(total["share"]["value"])
    assert by_key["uses/category/yhteensä / total/visits"] == str(uses["total"]["visits"]["value"])
    assert {row[2] for row in table[1:]} == {world.region}
    assert {row[4] for row in table[1:] if row[3] == "käytöt / uses"} >= {"venue", "region", "card_region", "weekday"}
    assert {row[4] for row in table[1:] if row[3] == "kiintiöt / quota"} == {"offer", "category"}
    assert {row[4] for row in table[1:] if row[3] == "palkinnot / rewards"} == {"programme", "region"}
    # Two holders have Russian as mother tongue: shown as 0 or 5, never as 2.
    assert by_key["holders/mother_tongue/mother_tongue=russian/issued"] in ("0", "5")
    assert {row[4] for row in table[1:] if row[3] == "hyvinvointimittarit / welfare indicators"} == {"month × age_band"}
    shares = ("osuus / share", "tavoitettujen osuus / share reached to date", "tarjotut paikat / places offered")
    small = [row for row in table[1:] if row[7] and row[6] not in shares
             and 0 < int(row[7]) < 5]
    assert small == []
