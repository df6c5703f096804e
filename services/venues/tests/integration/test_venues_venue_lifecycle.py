"""Venues through the HTTP API: coordinators register and close them in their own region, venue
staff keep their own venue up to date, and every change is an event on the venues topic."""

from uuid import uuid4

import pytest

from leisure_contracts.topics import Topic
from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration


async def test_a_coordinator_registers_a_venue_that_anyone_can_look_up(venues_api, new_venue, events_on):
    venue = await new_venue(name={"fi": "Espoon kaupunginteatteri", "sv": "Esbo stadsteater"},
                            accessibility={"fi": "Esteetön sisäänkäynti"}, languages=["FI", "sv", "fi"])
    assert venue["languages"] == ["fi", "sv"]
    assert venue["closed"] is False

    shown = (await venues_api.get(f"/v1/venues/{venue['venue_id']}")).json()
    assert shown["name"]["sv"] == "Esbo stadsteater"
    assert shown["accessibility"] == {"fi": "Esteetön sisäänkäynti", "sv": None, "en": None}

    events = await events_on(Topic.VENUES, venue["venue_id"])
    event_type, data = events[0]
    assert event_type == "fi.leisurepass.venue.registered.v1"
    assert (data["region"], data["municipality"], data["kind"]) == ("uusimaa", "Espoo", "theatre")
    assert data["street_address"] == "Ahertajantie 5"


async def test_registering_is_for_the_regions_coordinator(venues_api):
    body = {"name": {"fi": "Turun kaupunginkirjasto"}, "region": "varsinais-suomi", "municipality": "Turku",
            "kind": "library", "postal_code": "20100"}
    other_region = await venues_api.post("/v1/venues", json=body, headers=bearer(
        Role.coordinator, "c-2", region="uusimaa"))
    assert other_region.status_code == 403
    assert "region uusimaa" in other_region.json()["detail"]
    assert "varsinais-suomi" in other_region.json()["detail"]

    staff = await venues_api.post("/v1/venues", json=body, headers=bearer(Role.venue_staff, "s", venues=[uuid4()]))
    assert staff.status_code == 403
    assert "coordinator" in staff.json()["detail"]

    assert (await venues_api.post("/v1/venues", json=body)).status_code == 401

    bad_postal_code = await venues_api.post("/v1/venues", json=body | {"postal_code": "201"}, headers=bearer(
        Role.coordinator, "c-3", region="varsinais-suomi"))
    assert bad_postal_code.status_code == 422
    assert "postal_code" in bad_postal_code.text


async def test_venue_staff_update_their_own_venue_only(venues_api, new_venue, staff_of, events_on):
    venue, other = await new_venue(), await new_venue()
    changed = await venues_api.patch(f"/v1/venues/{venue['venue_id']}", headers=staff_of(venue["venue_id"]),
                                     json={"languages": ["fi", "en"], "accessibility": {"en": "Step-free"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["languages"] == ["fi", "en"]
    assert changed.json()["name"] == venue["name"]  # left out, so kept

    foreign = await venues_api.patch(f"/v1/venues/{other['venue_id']}", headers=staff_of(venue["venue_id"]),
                                     json={"languages": ["en"]})
    assert foreign.status_code == 403
    assert f"cannot change venues at venue {other['venue_id']}" in foreign.json()["detail"]

    cleared = await venues_api.patch(f"/v1/venues/{venue['venue_id']}", headers=staff_of(venue["venue_id"]),
                                     json={"name": None})
    assert cleared.status_code == 422
    assert "name cannot be removed" in cleared.text

    moved = await venues_api.patch(f"/v1/venues/{venue['venue_id']}", headers=staff_of(venue["venue_id"]),
                                   json={"region": "varsinais-suomi"})
    assert moved.status_code == 422

    events = await events_on(Topic.VENUES, venue["venue_id"], 2)
    assert [event_type for event_type, _ in events] == [
        "fi.leisurepass.venue.registered.v1", "fi.leisurepass.venue.updated.v1"]
    assert events[1][1]["languages"] == ["fi", "en"]
    assert events[1][1]["accessibility"]["en"] == "Step-free"


async def test_closing_a_venue_withdraws_its_offers_and_stops_all_changes(
        venues_api, new_venue, new_offer, coordinator, staff_of, events_on):
    venue = await new_venue()
    offer = await new_offer(venue["venue_id"], title={"fi": "Suljettavan paikan näytös"})
    path = f"/v1/venues/{venue['venue_id']}"

    by_staff = await venues_api.post(f"{path}/close", headers=staff_of(venue["venue_id"]))
    assert by_staff.status_code == 403

    closed = await venues_api.post(f"{path}/close", headers=coordinator)
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed"] is True

    shown = (await venues_api.get(f"/v1/catalogue/offers/{offer['offer_id']}")).json()
    assert shown["withdrawn_at"] is not None
    listed = (await venues_api.get("/v1/catalogue/offers", params={"venue_id": venue["venue_id"]})).json()
    assert listed["offers"] == []

    for method, url, body in [("post", f"{path}/close", None), ("patch", path, {"languages": ["en"]}),
                              ("post", f"{path}/offers", {"category": "sport", "kind": "free_entry",
                                                          "title": {"en": "Swim"},
                                                          "accepted_programmes": ["culture-card"]})]:
        refused = await venues_api.request(method, url, json=body, headers=coordinator)
        assert refused.status_code == 409, f"{method} {url}: {refused.text}"
        assert refused.json()["code"] == "venue_closed"
        assert "is closed" in refused.json()["detail"]

    withdrawn = await events_on(Topic.OFFERS, offer["offer_id"], 2)
    assert withdrawn[-1][0] == "fi.leisurepass.offer.withdrawn.v1"
    venue_events = await events_on(Topic.VENUES, venue["venue_id"], 2)
    assert venue_events[-1][0] == "fi.leisurepass.venue.closed.v1"
    metrics = (await venues_api.get("/metrics")).text
    assert 'leisure_offers_withdrawn_total{category="culture",region="uusimaa"}' in metrics


async def test_an_unknown_venue_is_not_found(venues_api, coordinator):
    missing = uuid4()
    for method, url in [("get", f"/v1/venues/{missing}"), ("post", f"/v1/venues/{missing}/close"),
                        ("patch", f"/v1/venues/{missing}")]:
        response = await venues_api.request(method, url, headers=coordinator, json={} if method == "patch" else None)
        assert response.status_code == 404, f"{method} {url}: {response.text}"
        assert response.json()["code"] == "unknown_venue"
