"""A year of events through the real broker into the running stats service: every figure equals the
count worked out by hand below, as the perturbation table moves it (exactly, where the test works
out the cell key from the records' keys), and tokens see only their region."""

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
from stats.domain.perturbation import Tally, perturbed, possible
from stats.domain.pseudonyms import Pseudonyms, RecordKeys

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
        assert response.headers["cache-control"] == "no-store"
        return response.json()

    scope = Scope(Period.of_year(2016), world.region)

    async def all_in():
        # Every topic is consumed on its own: the cards may land after the visits, or before. The
        # counts before perturbation say when all are in.
        async with app.state.pool.acquire() as conn:
            rewards = (await figures.rewards(conn, scope, RewardsBy.programme)).counts[((), "rewards")]
            uses = (await figures.uses(conn, scope, UseDimension.category)).counts[((), "tickets")]
            holders = (await figures.holders(conn, scope, HolderDimension.programme)).counts[((), "active")]
            users = (await figures.reach(conn, scope, HolderDimension.programme)).counts[((), "users")]
        return (rewards, uses, holders, users) == (1, 21, 17, 11)

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
    total = reach["total"]
    assert total["share"] == {"value": round(total["users"]["value"] / total["holders"]["value"], 4)}

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
    by_venue = {row["key"]["venue_name"]: row["cells"]["visits"]["value"]
                for row in (await get("uses", by="venue"))["rows"]}
    assert set(by_venue) == {"Test venue theatre", "Uimahalli"}
    assert by_venue["Test venue theatre"] in possible(6) and by_venue["Uimahalli"] in possible(10)
    answer_check(await get("uses", region=world.other_region), {
        ("culture",): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2),
        (): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2)})
    answer_check(await get("cross-region-uses"), {
        (world.region, world.other_region): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2),
        (): dict(visits=1, children_tickets=0, escort_tickets=1, tickets=2)})

    quota = await get("quota", by="offer")
    [offer_row] = quota["rows"]
    assert offer_row["cells"]["offered"] == {"value": 100}  # places count no one: never perturbed
    assert offer_row["cells"]["taken"]["value"] in possible(11)
    answer_check(await get("quota", region=world.other_region), {("culture",): dict(taken=2), (): dict(taken=2)})

    answer_check(await get("rewards"), {(P,): dict(rewards=1), (): dict(rewards=1)})
    answer_check(await get("rewards", by="region"), {(world.region,): dict(rewards=1), (): dict(rewards=1)})

    answer_check(await get("uses", by="weekday"), {
        ("2-tuesday",): dict(visits=6, children_tickets=0, escort_tickets=0, tickets=6),
        ("4-thursday",): dict(visits=5, children_tickets=5, escort_tickets=0, tickets=10),
        ("6-saturday",): dict(visits=5, children_tickets=0, escort_tickets=0, tickets=5),
        (): dict(visits=16, children_tickets=5, escort_tickets=0, tickets=21)})
    # Uses of each active card, wherever used: a[5] and the c cards none (c[0]'s was cancelled), the
    # other a cards and d one, b[1..4] two, b[0] three.
    answer_check(await get("uses-per-card"), {
        ("0",): dict(holders=6), ("1",): dict(holders=6), ("2-4",): dict(holders=5), ("5-9",): dict(holders=0),
        ("10-19",): dict(holders=0), ("20+",): dict(holders=0), (): dict(holders=17)})
    # Cards issued in 2016: a first used 38 days after issue, b 85 days, c and a[5] not at all.
    answer_check(await get("first-use"), {
        ("0-7",): dict(holders=0), ("8-30",): dict(holders=0), ("31-90",): dict(holders=10),
        ("91-180",): dict(holders=0), ("181+",): dict(holders=0), ("not_used",): dict(holders=6),
        (): dict(holders=16)})
    answer_check(await get("children"), {
        (P,): dict(holders_with_children=17, children=17, holders_taking_children=5, children_tickets=5),
        (): dict(holders_with_children=17, children=17, holders_taking_children=5, children_tickets=5)})
    # Users at the home region's venues: all in Espoo (b[0]'s Turku visit is in the other region).
    answer_check(await get("users"), {("Espoo",): dict(users=11), (): dict(users=11)})

    answer_check(await get("cross-tabulation", rows=["age_band"], columns="category"), {
        ("25_34",): dict(culture=6, sport=0, all=6),
        ("35_44",): dict(culture=1, sport=10, all=11),
        (): dict(culture=7, sport=10, all=17)})
    answer_check(await get("cross-tabulation", rows=["gender", "mother_tongue"], columns="venue_kind",
                           measure="users"), {
        ("female", "finnish"): dict(museum=0, swimming_hall=0, theatre=6),
        ("male", "arabic"): dict(museum=1, swimming_hall=5, theatre=0),
        (): dict(museum=1, swimming_hall=5, theatre=6)})

    # The raw counts behind the answers, straight from the projection.
    async with app.state.pool.acquire() as conn:
        gender = await figures.holders(conn, scope, HolderDimension.gender)
        assert gender.counts[(("female",), "renewed")] == 0 and gender.counts[(("male",), "renewed")] == 5
        uses = await figures.uses(conn, scope, UseDimension.category)
        assert uses.counts[(("sport",), "children_tickets")] == 0
        assert uses.counts[((), "escort_tickets")] == 0
        away = Scope(Period.of_year(2016), world.other_region)
        assert (await figures.quota(conn, away, QuotaBy.offer)).figures[((), "offered")] == 20
        assert (await figures.rewards(conn, scope, RewardsBy.programme)).counts[((), "rewards")] == 1
        users = await figures.cross_tabulation(conn, scope, [Background.gender], OfferSide.category,
                                               CrossTabMeasure.users)
        assert users.counts[(("male",), "culture")] == 1 and users.counts[(("male",), "sport")] == 5


async def test_a_cell_is_perturbed_by_the_keys_of_exactly_its_records(stats_service, world, publish_in_batches,
                                                                      wait_for):
    """The cell key worked out here from the records' keys (the service's secrets, the test's card and
    visit ids) gives exactly the published number: the database adds the keys the domain defines."""
    app, client = stats_service
    settings = app.state.settings
    pseudonyms = Pseudonyms(settings.holder_hash_key.get_secret_value())
    record_keys = RecordKeys(settings.record_key_secret.get_secret_value())
    cards = [world.card(date(2016, 3, 1), date(2016, 12, 31), gender="male" if n % 3 else "female")
             for n in range(23)]
    gym = world.offer(world.venue("gym", "Vantaa", world.region), "sport", quota=None)
    visits = [world.visit(card, gym, date(2016, 4, 1 + n % 20), children=n % 2) for n, card in enumerate(cards)]
    await publish_in_batches([*cards, gym, *visits])

    def holders_tally(chosen):
        return Tally(len(chosen), sum(record_keys.of(pseudonyms.holder(c.card_number)) for c in chosen) % 2**31)

    def children_tally(chosen):
        return Tally(sum(v.children for v in chosen),
                     sum(v.children * record_keys.of(pseudonyms.visit(v.visit_id)) for v in chosen) % 2**31)

    males, females = [c for n, c in enumerate(cards) if n % 3], cards[::3]
    scope = Scope(Period.of_year(2016), world.region)

    async def all_in():
        async with app.state.pool.acquire() as conn:
            holders = (await figures.holders(conn, scope, HolderDimension.programme)).counts[((), "issued")]
            visits = (await figures.uses(conn, scope, UseDimension.category)).counts[((), "visits")]
        return (holders, visits) == (23, 23)

    await wait_for(all_in)
    response = await client.get("/v1/figures/holders", params={"year": 2016, "region": world.region, "by": "gender"},
                                headers=NATIONAL)
    cells = {row["key"]["gender"]: row["cells"] for row in response.json()["rows"]}
    assert cells["male"]["issued"] == {"value": perturbed(holders_tally(males))}
    assert cells["female"]["issued"] == {"value": perturbed(holders_tally(females))}
    assert cells["male"]["active"] == cells["male"]["issued"]  # the same records: the same number
    total = response.json()["total"]
    assert total["issued"] == {"value": perturbed(holders_tally(cards))}

    uses = await client.get("/v1/figures/uses", params={"year": 2016, "region": world.region}, headers=NATIONAL)
    assert uses.json()["total"]["children_tickets"] == {"value": perturbed(children_tally(visits))}


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
    assert response.json() == {"code": "invalid_period", "detail": "give year (optionally with quarter or month)"}
    response = await client.get("/v1/figures/cross-tabulation", params=YEAR | {"rows": ["gender"] * 2},
                                headers=NATIONAL)
    assert response.status_code == 422 and "one or two different background dimensions" in response.text
