"""The Espoo-shaped year (1,320 holders, 1,355 uses by 356 of them, about 27 %) through the real
broker: the API and the yearly CSV answer exactly those numbers, and the CSV shows no small count."""

import csv
import io
import random
from datetime import date, timedelta

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

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


async def test_the_espoo_year_is_answered_exactly(stats_service, world, publish_in_batches, wait_for):
    _, client = stats_service
    events = espoo_year(world)
    assert sum(e.event_name == "visit.recorded" for e in events) == USES
    await publish_in_batches(events)
    reader = bearer(Role.stats_reader, "reader-espoo", region=world.region)

    async def reach():
        response = await client.get("/v1/figures/reach", params={"year": 2016}, headers=reader)
        assert response.status_code == 200, response.text
        total = response.json()["total"]
        return total if total["users"]["value"] == USERS and total["holders"]["value"] == HOLDERS else None

    total = await wait_for(reach, timeout=60)
    assert total["share"] == {"value": 0.2697, "suppressed": False}
    assert total["non_users"] == {"value": HOLDERS - USERS, "suppressed": False}

    uses = (await client.get("/v1/figures/uses", params={"year": 2016}, headers=reader)).json()
    assert uses["total"]["visits"] == {"value": USES, "suppressed": False}
    holders = (await client.get("/v1/figures/holders", params={"year": 2016}, headers=reader)).json()
    assert holders["total"]["issued"] == {"value": HOLDERS, "suppressed": False}
    assert holders["total"]["active"] == {"value": HOLDERS, "suppressed": False}

    response = await client.get("/v1/reports/yearly.csv", params={"year": 2016}, headers=reader)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f"leisure-pass-{world.region}-2016.csv" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["vuosi / year", "alue / region", "osio / section", "rivi / row", "mittari / measure",
                        "luku / count", "suojattu / suppressed"]
    by_cell = {(row[2], row[3], row[4]): (row[5], row[6]) for row in table[1:]}
    reach_total = ("tavoittavuus / reach", "yhteensä / total")
    assert by_cell[(*reach_total, "käyttäneet / users")] == (str(USERS), "0")
    assert by_cell[(*reach_total, "haltijat / holders")] == (str(HOLDERS), "0")
    assert by_cell[(*reach_total, "osuus / share")] == ("0.2697", "0")
    assert by_cell[("käytöt / uses", "yhteensä / total", "käynnit / visits")] == (str(USES), "0")
    assert {row[1] for row in table[1:]} == {world.region}
    counts = [(row[4], row[5], row[6]) for row in table[1:]]
    # Two holders have Russian as mother tongue: too few to show.
    russian = ("kortinhaltijat / holders", "mother_tongue=russian", "myönnetyt / issued")
    assert by_cell[russian] == ("", "1")
    small = [row for row in counts if row[1] and row[0] not in ("osuus / share", "tarjotut paikat / places offered")
             and 0 < int(row[1]) < 5]
    assert small == []
