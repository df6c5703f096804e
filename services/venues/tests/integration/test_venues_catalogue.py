"""The public catalogue through the HTTP API, with no token: search in three languages, filters
that combine, stable pages, only open offers, and places left that follow the visit events."""

from datetime import datetime, timedelta, timezone

import pytest

from leisure_contracts.events import VisitCancelled
from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)
TURKU_COORDINATOR = bearer(Role.coordinator, "coordinator-vs", region="varsinais-suomi")


def days(n: float) -> str:
    return (NOW + timedelta(days=n)).isoformat()


async def found(api, **params) -> list[str]:
    response = await api.get("/v1/catalogue/offers", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return [offer["offer_id"] for offer in response.json()["offers"]]


async def test_inflected_words_find_their_base_word_in_each_language(venues_api, new_venue, new_offer):
    venue = await new_venue(name={"fi": "Kulttuuritalo"})
    theatre = await new_offer(venue["venue_id"], title={"fi": "Teatteri"})
    swimming = await new_offer(venue["venue_id"], category="sport", kind="free_entry",
                               title={"sv": "Simhall för alla"})
    concert = await new_offer(venue["venue_id"], title={"en": "Concert of the autumn"},
                              description={"fi": "Sinfoniaorkesterin konsertti"})

    assert theatre["offer_id"] in await found(venues_api, q="teatteriin")
    assert theatre["offer_id"] not in await found(venues_api, q="uimahalliin")
    assert swimming["offer_id"] in await found(venues_api, q="simhallen")
    assert concert["offer_id"] in await found(venues_api, q="concerts")
    assert concert["offer_id"] in await found(venues_api, q="konserttiin")  # the Finnish description
    assert theatre["offer_id"] in await found(venues_api, q="kulttuuritalossa")  # the venue's name


async def test_filters_combine(venues_api, new_venue, new_offer, staff_of, publish_events, visit, eventually):
    espoo = await new_venue(municipality="Espoo", kind="theatre", languages=["fi", "sv"])
    turku = await new_venue(headers=TURKU_COORDINATOR, region="varsinais-suomi", municipality="Turku",
                            kind="swimming_hall", postal_code="20100", languages=["fi", "en"])
    play = await new_offer(espoo["venue_id"], category="culture", kind="free_ticket", title={"fi": "Näytelmä"},
                           starts_at=days(7), ends_at=days(7.1))
    course = await new_offer(espoo["venue_id"], category="course", kind="course_place", title={"fi": "Kurssi"},
                             accepted_programmes=["culture-card", "activity-pass"], starts_at=days(60),
                             ends_at=days(90))
    swim = await new_offer(turku["venue_id"], category="sport", kind="free_entry", title={"fi": "Uinti"},
                           accepted_programmes=["sport-wristband"])
    full = await new_offer(turku["venue_id"], category="sport", kind="free_entry", title={"fi": "Vesijumppa"},
                           quota=2, max_tickets_per_visit=2)
    mine = {offer["offer_id"] for offer in (play, course, swim, full)}

    async def listed(**params) -> set[str]:
        return set(await found(venues_api, **params)) & mine

    assert await listed() == mine
    assert await listed(region="varsinais-suomi") == {swim["offer_id"], full["offer_id"]}
    assert await listed(region="varsinais-suomi", programme="culture-card") == {full["offer_id"]}
    assert await listed(municipality="espoo", category="course") == {course["offer_id"]}
    assert await listed(municipality="Espoo", kind="free_ticket") == {play["offer_id"]}
    assert await listed(language="sv") == {play["offer_id"], course["offer_id"]}
    assert await listed(language="en", kind="free_entry", venue_kind="swimming_hall") == {
        swim["offer_id"], full["offer_id"]}
    assert await listed(programme="activity-pass") == {course["offer_id"]}
    # A date range lists what is open some time in it: the play next week and the open-ended offers.
    week = (NOW + timedelta(days=6)).date().isoformat(), (NOW + timedelta(days=8)).date().isoformat()
    assert await listed(date_from=week[0], date_to=week[1]) == {play["offer_id"], swim["offer_id"], full["offer_id"]}
    assert await listed(date_from=(NOW + timedelta(days=100)).date().isoformat(), category="course") == set()
    assert await listed(q="uinti", region="uusimaa") == set()
    assert await listed(q="uinti", region="varsinais-suomi") == {swim["offer_id"]}

    await publish_events([visit(turku, full, 2)])
    await eventually(lambda: _listed_without(venues_api, full["offer_id"], places_left="true",
                                             region="varsinais-suomi"))
    assert await listed(places_left="true", region="varsinais-suomi") == {swim["offer_id"]}


async def test_pages_are_stable_newest_and_soonest_first(venues_api, new_venue, new_offer):
    venue = await new_venue()
    starts = [days(2), days(1), days(2), days(2), None, days(5), days(2)]  # ties straddle the pages
    offers = [await new_offer(venue["venue_id"], title={"fi": f"Tapahtuma {n}"}, starts_at=start, ends_at=days(30))
              for n, start in enumerate(starts)]

    newest = [o["offer_id"] for o in sorted(
        offers, key=lambda o: (datetime.fromisoformat(o["published_at"]), o["offer_id"]), reverse=True)]
    first = await _page(venues_api, venue_id=venue["venue_id"], limit=3)
    # An offer published while someone pages does not shift the pages they have not read yet.
    latecomer = await new_offer(venue["venue_id"], title={"fi": "Myöhäinen"}, starts_at=days(0.5), ends_at=days(30))
    pages = [first] + await _rest(venues_api, first, venue_id=venue["venue_id"], limit=3)
    assert [len(page["offers"]) for page in pages] == [3, 3, 1]
    assert [o["offer_id"] for page in pages for o in page["offers"]] == newest

    everything = offers + [latecomer]
    # Soonest first: an offer with no start has been open since it was published, so it comes first.
    soonest = sorted(everything, key=lambda o: (datetime.fromisoformat(o["starts_at"] or o["published_at"]),
                                                o["offer_id"]))
    first = await _page(venues_api, venue_id=venue["venue_id"], limit=3, sort="soonest")
    pages = [first] + await _rest(venues_api, first, venue_id=venue["venue_id"], limit=3, sort="soonest")
    assert [o["offer_id"] for page in pages for o in page["offers"]] == [o["offer_id"] for o in soonest]
    assert pages[-1]["next_cursor"] is None


async def test_withdrawn_and_past_offers_are_not_listed(venues_api, new_venue, new_offer, staff_of, eventually):
    venue = await new_venue()
    soon = (datetime.now(timezone.utc) + timedelta(seconds=5)).isoformat()
    open_offer = await new_offer(venue["venue_id"])
    withdrawn = await new_offer(venue["venue_id"])
    ending = await new_offer(venue["venue_id"], starts_at=days(-1), ends_at=soon)
    assert set(await found(venues_api, venue_id=venue["venue_id"])) == {
        open_offer["offer_id"], withdrawn["offer_id"], ending["offer_id"]}

    response = await venues_api.post(f"/v1/offers/{withdrawn['offer_id']}/withdraw",
                                     headers=staff_of(venue["venue_id"]))
    assert response.status_code == 200
    assert withdrawn["offer_id"] not in await found(venues_api, venue_id=venue["venue_id"])
    shown = (await venues_api.get(f"/v1/catalogue/offers/{withdrawn['offer_id']}")).json()
    assert shown["withdrawn_at"] is not None

    await eventually(lambda: _listed_without(venues_api, ending["offer_id"], venue_id=venue["venue_id"]))
    assert await found(venues_api, venue_id=venue["venue_id"]) == [open_offer["offer_id"]]


async def test_places_left_follow_the_visit_events(venues_api, new_venue, new_offer, publish_events, visit, eventually):
    venue = await new_venue()
    limited = await new_offer(venue["venue_id"], quota=5, max_tickets_per_visit=3)
    unlimited = await new_offer(venue["venue_id"])
    first, second = visit(venue, limited, 2), visit(venue, limited, 1)
    await publish_events([first, second])

    async def places_left(expected: int):
        page = (await venues_api.get("/v1/catalogue/offers", params={"venue_id": venue["venue_id"]})).json()
        by_id = {offer["offer_id"]: offer for offer in page["offers"]}
        assert by_id[unlimited["offer_id"]]["places_left"] is None
        return by_id.get(limited["offer_id"], {}).get("places_left") == expected

    await eventually(lambda: places_left(2))
    await publish_events([VisitCancelled(visit_id=second.visit_id, card_id=second.card_id, offer_id=second.offer_id,
                                         venue_id=second.venue_id, tickets=1, cancelled_at=datetime.now(timezone.utc))])
    await eventually(lambda: places_left(3))
    await publish_events([visit(venue, limited, 3)])
    await eventually(lambda: places_left(0))
    assert await found(venues_api, venue_id=venue["venue_id"], places_left="true") == [unlimited["offer_id"]]


async def test_an_offer_with_a_quota_of_nothing_has_no_places_left(venues_api, new_venue, new_offer):
    venue = await new_venue(kind="museum", languages=["fi"])
    none_left = await new_offer(venue["venue_id"], quota=0)
    unlimited = await new_offer(venue["venue_id"])

    listed = await _page(venues_api, venue_id=venue["venue_id"])
    assert {o["offer_id"]: o["places_left"] for o in listed["offers"]} == {
        none_left["offer_id"]: 0, unlimited["offer_id"]: None}
    assert await found(venues_api, venue_id=venue["venue_id"], places_left="true", venue_kind="museum",
                       language="fi") == [unlimited["offer_id"]]


async def test_requests_the_catalogue_cannot_answer_are_refused(venues_api, new_venue, new_offer):
    venue = await new_venue()
    for _ in range(2):
        await new_offer(venue["venue_id"])
    first = await _page(venues_api, venue_id=venue["venue_id"], limit=1)

    wrong_sort = await venues_api.get("/v1/catalogue/offers",
                                      params={"cursor": first["next_cursor"], "sort": "soonest"})
    assert wrong_sort.status_code == 400
    assert wrong_sort.json()["code"] == "cursor_sort_mismatch"
    garbage = await venues_api.get("/v1/catalogue/offers", params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 400
    assert "start again without it" in garbage.json()["detail"]
    reversed_range = await venues_api.get("/v1/catalogue/offers", params={"date_from": "2030-02-01",
                                                                          "date_to": "2030-01-01"})
    assert reversed_range.status_code == 422
    assert reversed_range.json()["code"] == "date_range_reversed"
    assert (await venues_api.get("/v1/catalogue/offers", params={"limit": 0})).status_code == 422
    assert (await venues_api.get("/v1/catalogue/offers", params={"colour": "red"})).status_code == 422


async def test_catalogue_latency_is_measured(venues_api):
    await venues_api.get("/v1/catalogue/offers", params={"q": "teatteri"})
    metrics = (await venues_api.get("/metrics")).text
    count = next(line for line in metrics.splitlines()
                 if line.startswith("leisure_catalogue_query_duration_seconds_count"))
    assert float(count.split()[-1]) >= 1


async def _page(api, **params) -> dict:
    response = await api.get("/v1/catalogue/offers", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _rest(api, page: dict, **params) -> list[dict]:
    pages = []
    while page["next_cursor"]:
        page = await _page(api, cursor=page["next_cursor"], **params)
        pages.append(page)
    return pages


async def _listed_without(api, offer_id: str, **params) -> bool:
    return offer_id not in await found(api, **params)
