"""A year of events through the real broker into the running stats service: every figure equals the
count worked out by hand below, small cells are suppressed, and tokens see only their region."""

from datetime import date

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role
from stats.application import figures
from stats.application.figures import Scope
from stats.domain.dimensions import (
    Background,
    CrossTabMeasure,
    HolderDimension,
    OfferSide,
    QuotaBy,
    RewardsBy,
    UseDimension,
)
from stats.domain.period import Period

pytestmark = pytest.mark.integration
NATIONAL = bearer(Role.stats_reader, "reader-national", national=True)
YEAR = {"year": 2016}


def scenario(world):
    """16 cards issued in 2016 and one from 2015, three venues (one in another region), visits,
    a cancelled visit, a revocation, renewals and a reward."""
    issued_a, issued_b, issued_c = date(2016, 2, 1), date(2016, 2, 15), date(2016, 5, 2)
    end = date(2016, 12, 31)
    a = [world.card(issued_a, end) for _ in range(6)]
    b = [world.card(issued_b, end, age_band="35_44", gender="male", mother_tongue="arabic",
                    life_situation="student", postal_code="02600", distributor_kind="youth_outreach")
         for _ in range(5)]
    c = [world.card(issued_c, end, age_band="65_74", mother_tongue="swedish", life_situation="retired",
                    postal_code="02770") for _ in range(5)]
    d = world.card(date(2015, 5, 1), date(2016, 4, 30), postal_code="00100")
    theatre = world.venue("theatre", "Espoo", world.region)
    pool = world.venue("swimming_hall", "Espoo", world.region)
    museum = world.venue("museum", "Turku", world.other_region)
    play = world.offer(theatre, "culture", quota=100)
    swim = world.offer(pool, "sport", quota=None)
    exhibition = world.offer(museum, "culture", quota=20)
    cancelled = world.visit(c[0], play, date(2016, 4, 1))
    events = [*a, *b, *c, d, theatre, pool, museum, play, swim, exhibition,
              world.revocation(a[5], date(2016, 6, 1)),
              *(world.renewal(card, date(2016, 11, 15), date(2017, 12, 31)) for card in b),
              *(world.visit(card, play, date(2016, 3, 10), children=1) for card in a[:5]),
              world.visit(d, play, date(2016, 3, 1)),
              *(world.visit(card, swim, date(2016, month, 10)) for card in b for month in (5, 9)),
              world.visit(b[0], exhibition, date(2016, 6, 15), escort=True),
              cancelled, world.cancellation(cancelled, date(2016, 4, 2)),
              world.reward(b[0], date(2016, 10, 1)), world.renaming(pool, "Uimahalli", date(2016, 2, 1))]
    return events


async def test_every_figure_of_a_year_equals_the_hand_count(stats_service, world, publish_in_batches, wait_for,
                                                            answer_check):
    app, client = stats_service
    await publish_in_batches(scenario(world))
    home = {"region": world.region}

    async def get(path, **params):
        response = await client.get(f"/v1/figures/{path}", params=YEAR | home | params, headers=NATIONAL)
        assert response.status_code == 200, response.text
        return response.json()

    async def all_in():
        # Every topic is consumed on its own: the cards may land after the visits, or before.
        rewards = await get("rewards")
        uses = await get("uses")
        holders = await get("holders")
        return (rewards["total"]["rewards"]["suppressed"] and uses["total"]["tickets"]["value"] == 21
                and holders["total"]["active"]["value"] == 17 and uses)

    await wait_for(all_in)

    P = world.programme
    answer_check(await get("holders"), {(P,): dict(issued=16, active=17, revoked=1, renewed=5),
                                       (): dict(issued=16, active=17, revoked=1, renewed=5)})
    answer_check(await get("holders", by="gender"), {
        ("female",): dict(issued=11, active=12, revoked=1, renewed=0),
        ("male",): dict(issued=5, active=5, revoked=0, renewed=5),
        (): dict(issued=16, active=17, revoked=1, renewed=5)})
    answer_check(await get("holders", by="distributor_kind"), {
        ("social_office",): dict(issued=11, active=12, revoked=1, renewed=0),
        ("youth_outreach",): dict(issued=5, active=5, revoked=0, renewed=5),
        (): dict(issued=16, active=17, revoked=1, renewed=5)})
    # 00100 has one holder: grouped with other rare postal codes, never shown on its own.
    by_postal_code = await get("holders", by="postal_code")
    answer_check(by_postal_code, {
        ("02100",): dict(issued=6, active=6, revoked=1, renewed=0),
        ("02600",): dict(issued=5, active=5, revoked=0, renewed=5),
        ("02770",): dict(issued=5, active=5, revoked=0, renewed=0),
        ("other",): dict(issued=0, active=1, revoked=0, renewed=0),
        (): dict(issued=16, active=17, revoked=1, renewed=5)})
    assert "00100" not in str(by_postal_code)
    answer_check(await get("holders", quarter=1), {(P,): dict(issued=11, active=12, revoked=0, renewed=0),
                                                  (): dict(issued=11, active=12, revoked=0, renewed=0)})

    reach = await get("reach")
    answer_check(reach, {(P,): dict(users=11, non_users=6, holders=17), (): dict(users=11, non_users=6, holders=17)})
    assert reach["total"]["share"] == {"value": 0.6471, "suppressed": False}

    answer_check(await get("uses"), {
        ("culture",): dict(visits=6, children_tickets=5, escort_tickets=0, tickets=11),
        ("sport",): dict(visits=10, children_tickets=0, escort_tickets=0, tickets=10),
        (): dict(visits=16, children_tickets=5, escort_tickets=0, tickets=21)})
    answer_check(await get("uses", by="month"), {
        ("2016-03",): dict(visits=6, children_tickets=5, escort_tickets=0, tickets=11),
        ("2016-05",): dict(visits=5, children_tickets=0, escort_tickets=0, tickets=5),
        ("2016-09",): dict(visits=5, children_tickets=0, escort_tickets=0, tickets=5),
        (): dict(visits=16, children_tickets=5, escort_tickets=0, tickets=21)})
    answer_check(await get("uses", by="venue_kind", municipality="Espoo"), {
        ("theatre",): dict(visits=6, children_tickets=5, escort_tickets=0, tickets=11),
        ("swimming_hall",): dict(visits=10, children_tickets=0, escort_tickets=0, tickets=10),
        (): dict(visits=16, children_tickets=5, escort_tickets=0, tickets=21)})
    by_venue = {row["key"]["venue_name"]: row["cells"]["visits"] for row in (await get("uses", by="venue"))["rows"]}
    assert by_venue == {"Test venue theatre": {"value": 6, "suppressed": False},
                        "Uimahalli": {"value": 10, "suppressed": False}}
    answer_check(await get("uses", region=world.other_region), {
        ("culture",): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2),
        (): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2)})
    answer_check(await get("cross-region-uses"), {
        (world.region, world.other_region): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2),
        (): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2)})

    quota = await get("quota", by="offer")
    [offer_row] = quota["rows"]
    assert offer_row["cells"]["offered"] == {"value": 100, "suppressed": False}
    assert offer_row["cells"]["taken"] == {"value": 11, "suppressed": False}
    answer_check(await get("quota", region=world.other_region), {("culture",): dict(taken=2), (): dict(taken=2)})

    answer_check(await get("rewards"), {(P,): dict(rewards=1), (): dict(rewards=1)})

    answer_check(await get("cross-tabulation", rows=["age_band"], columns="category"), {
        ("25_34",): dict(culture=6, sport=0, all=6),
        ("35_44",): dict(culture=1, sport=10, all=11),
        (): dict(culture=7, sport=10, all=17)})
    answer_check(await get("cross-tabulation", rows=["gender", "mother_tongue"], columns="venue_kind",
                           measure="users"), {
        ("female", "finnish"): dict(museum=0, swimming_hall=0, theatre=6),
        ("male", "arabic"): dict(museum=1, swimming_hall=5, theatre=0),
        (): dict(museum=1, swimming_hall=5, theatre=6)})

    # The raw counts behind the suppressed cells, straight from the projection.
    scope = Scope(Period.of_year(2016), world.region)
    async with app.state.pool.acquire() as conn:
        gender = await figures.holders(conn, scope, HolderDimension.gender, 5)
        assert gender.counts[(("female",), "renewed")] == 0 and gender.counts[(("male",), "renewed")] == 5
        uses = await figures.uses(conn, scope, UseDimension.category)
        assert uses.counts[(("sport",), "children_tickets")] == 0
        assert uses.counts[((), "escort_tickets")] == 0
        away = Scope(Period.of_year(2016), world.other_region)
        assert (await figures.quota(conn, away, QuotaBy.offer)).figures[((), "offered")] == 20
        assert (await figures.rewards(conn, scope, RewardsBy.programme)).counts[((), "rewards")] == 1
        users = await figures.cross_tabulation(conn, scope, [Background.gender], OfferSide.category,
                                               CrossTabMeasure.users, 5)
        assert users.counts[(("male",), "culture")] == 1 and users.counts[(("male",), "sport")] == 5


async def test_a_regional_token_reads_its_own_region_only(stats_service, world):
    _, client = stats_service
    reader = bearer(Role.stats_reader, "reader-1", region=world.region)
    coordinator = bearer(Role.coordinator, "coordinator-1", region=world.region)
    for token in (reader, coordinator):
        own = await client.get("/v1/figures/holders", params=YEAR, headers=token)
        assert own.status_code == 200, own.text
        assert own.json()["region"] == world.region
        other = await client.get("/v1/figures/uses", params=YEAR | {"region": world.other_region}, headers=token)
        assert other.status_code == 403
        assert f"cannot read statistics in region {world.other_region}" in other.json()["detail"]
    distributor = bearer(Role.distributor, "worker-1", region=world.region, organisation="office")
    assert (await client.get("/v1/figures/holders", params=YEAR, headers=distributor)).status_code == 403
    assert (await client.get("/v1/figures/holders", params=YEAR)).status_code == 401


async def test_a_query_that_names_no_period_is_refused_saying_what_to_give(stats_service):
    _, client = stats_service
    response = await client.get("/v1/figures/uses", headers=NATIONAL)
    assert response.status_code == 422
    assert response.json() == {"code": "invalid_period",
                               "detail": "give year (optionally with quarter or month), or from and to"}
    response = await client.get("/v1/figures/cross-tabulation", params=YEAR | {"rows": ["gender"] * 2},
                                headers=NATIONAL)
    assert response.status_code == 422 and "one or two different background dimensions" in response.text
