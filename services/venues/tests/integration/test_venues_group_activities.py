"""Group activities and courses through the API: offers that meet in sessions (times and places),
carried on the offer events and shown in the catalogue; and associations (NGOs) as venues of their
own kind, found in the venue directory and the catalogue by kind."""

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from leisure_contracts.topics import Topic

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def at(days: int, hours: int = 18) -> str:
    return (NOW + timedelta(days=days, hours=hours)).isoformat()


async def test_a_group_with_sessions_is_published_changed_and_found_by_activity(
        venues_api, new_venue, new_offer, staff_of, events_on):
    association = await new_venue(kind="association", municipality="Turku", region="uusimaa")
    # Given out of order: kept in order of time.
    sessions = [{"starts_at": at(14), "ends_at": at(14, 20), "places": 12},
                {"starts_at": at(7), "ends_at": at(7, 20), "places": 12}]
    group = await new_offer(association["venue_id"], category="wellbeing", kind="free_entry", activity="group",
                            title={"fi": "Vertaistukiryhmä"}, sessions=sessions)
    assert group["activity"] == "group"
    assert [s["starts_at"] for s in group["sessions"]] == sorted(s["starts_at"] for s in group["sessions"])
    assert [s["places"] for s in group["sessions"]] == [12, 12]
    first, second = group["sessions"]

    events = await events_on(Topic.OFFERS, group["offer_id"])
    _, published = events[0]
    assert published["activity"] == "group"
    assert [s["session_id"] for s in published["sessions"]] == [first["session_id"], second["session_id"]]

    # A session added, one moved (it keeps its id), the first dropped: the list is replaced in full.
    moved = second | {"starts_at": at(21), "ends_at": at(21, 20), "places": 8}
    changed = await venues_api.patch(f"/v1/offers/{group['offer_id']}", headers=staff_of(association["venue_id"]),
                                     json={"sessions": [moved, {"starts_at": at(28)}]})
    assert changed.status_code == 200, changed.text
    assert [(s["session_id"], s["places"]) for s in changed.json()["sessions"]][0] == (second["session_id"], 8)
    assert len(changed.json()["sessions"]) == 2
    _, updated = (await events_on(Topic.OFFERS, group["offer_id"], 2))[1]
    assert [s["places"] for s in updated["sessions"]] == [8, None]

    found = await venues_api.get("/v1/catalogue/offers", params={"activity": "group", "venue_kind": "association",
                                                                 "municipality": "turku", "limit": 100})
    listed = {offer["offer_id"]: offer for offer in found.json()["offers"]}
    assert group["offer_id"] in listed
    assert listed[group["offer_id"]]["sessions"] == changed.json()["sessions"]
    assert listed[group["offer_id"]]["venue"]["kind"] == "association"
    single = await new_offer(association["venue_id"])
    courses = await venues_api.get("/v1/catalogue/offers", params={"activity": "course", "limit": 100})
    assert {o["offer_id"] for o in courses.json()["offers"]}.isdisjoint({group["offer_id"], single["offer_id"]})


async def test_sessions_that_cannot_be_right_are_refused_saying_what_to_change(venues_api, new_venue, staff_of):
    venue = await new_venue(kind="association")
    staff = staff_of(venue["venue_id"])
    base = {"category": "course", "kind": "course_place", "title": {"fi": "Kurssi"},
            "accepted_programmes": ["culture-card"], "activity": "course"}
    same = str(uuid4())
    cases = {
        "sessions_without_activity": base | {"activity": None, "sessions": [{"starts_at": at(3)}]},
        "session_ends_before_starts": base | {"sessions": [{"starts_at": at(3), "ends_at": at(3, 17)}]},
        "session_listed_twice": base | {"sessions": [{"session_id": same, "starts_at": at(3)},
                                                     {"session_id": same, "starts_at": at(4)}]},
        "session_outside_offer": base | {"ends_at": at(10), "sessions": [{"starts_at": at(12)}]},
    }
    for code, body in cases.items():
        refused = await venues_api.post(f"/v1/venues/{venue['venue_id']}/offers", json=body, headers=staff)
        assert refused.status_code == 422, (code, refused.text)
        assert refused.json()["code"] == code
    no_places = await venues_api.post(f"/v1/venues/{venue['venue_id']}/offers", headers=staff,
                                      json=base | {"sessions": [{"starts_at": at(3), "places": 0}]})
    assert no_places.status_code == 422 and no_places.json()["detail"][0]["loc"][-1] == "places"


async def test_associations_are_found_in_the_venue_directory_by_kind_and_place(venues_api, new_venue, coordinator):
    municipality = f"Kunta-{uuid4().hex[:6]}"
    associations = [await new_venue(kind="association", municipality=municipality, name={"fi": f"Yhdistys {n}"})
                    for n in range(3)]
    await new_venue(kind="library", municipality=municipality)
    closed = await new_venue(kind="association", municipality=municipality)
    assert (await venues_api.post(f"/v1/venues/{closed['venue_id']}/close", headers=coordinator)).status_code == 200

    query = {"kind": "association", "municipality": municipality.lower(), "limit": 2}
    first = (await venues_api.get("/v1/catalogue/venues", params=query)).json()
    assert [v["name"]["fi"] for v in first["venues"]] == ["Yhdistys 0", "Yhdistys 1"]
    second = (await venues_api.get("/v1/catalogue/venues", params=query | {"after": first["next_after"]})).json()
    assert [v["venue_id"] for v in second["venues"]] == [associations[2]["venue_id"]]
    assert second["next_after"] is None
    unknown = await venues_api.get("/v1/catalogue/venues", params={"after": str(uuid4())})
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid_after"
