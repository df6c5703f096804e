"""Offers through the HTTP API: venue staff publish, change and withdraw their venue's offers;
what cannot be right is refused with a message staff can act on; usage learns each change from
the offers topic."""

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from leisure_contracts.events import VisitCancelled
from leisure_contracts.topics import Topic
from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc)
SEASON = {"starts_at": (NOW - timedelta(days=10)).isoformat(), "ends_at": (NOW + timedelta(days=90)).isoformat()}


async def test_published_offer_carries_what_usage_needs_to_validate_a_visit(
        venues_api, new_venue, new_offer, events_on):
    venue = await new_venue(kind="museum", municipality="Helsinki")
    offer = await new_offer(venue["venue_id"], category="culture", kind="free_entry", title={"fi": "Museokäynti"},
                            quota=40, max_tickets_per_visit=4, accepted_programmes=["culture-card", "activity-pass"],
                            **SEASON)
    assert offer["accepted_regions"] == ["uusimaa"]  # the venue's region unless told

    events = await events_on(Topic.OFFERS, offer["offer_id"])
    event_type, data = events[0]
    assert event_type == "fi.leisurepass.offer.published.v1"
    assert data["venue_id"] == venue["venue_id"]
    assert (data["venue_kind"], data["region"], data["municipality"]) == ("museum", "uusimaa", "Helsinki")
    assert (data["quota"], data["max_tickets_per_visit"]) == (40, 4)
    assert data["accepted_programmes"] == ["culture-card", "activity-pass"]
    assert data["accepted_regions"] == ["uusimaa"]
    assert datetime.fromisoformat(data["starts_at"]) == datetime.fromisoformat(SEASON["starts_at"])
    assert datetime.fromisoformat(data["ends_at"]) == datetime.fromisoformat(SEASON["ends_at"])

    metrics = (await venues_api.get("/metrics")).text
    assert 'leisure_offers_published_total{category="culture",region="uusimaa"}' in metrics


async def test_staff_of_venue_a_get_403_on_venue_b(venues_api, new_venue, new_offer, staff_of):
    venue_a, venue_b = await new_venue(), await new_venue()
    offer_b = await new_offer(venue_b["venue_id"])
    staff_a = staff_of(venue_a["venue_id"])
    body = {"category": "culture", "kind": "free_ticket", "title": {"fi": "X"}, "accepted_programmes": ["culture-card"]}

    for method, url, json in [("post", f"/v1/venues/{venue_b['venue_id']}/offers", body),
                              ("patch", f"/v1/offers/{offer_b['offer_id']}", {"quota": 1}),
                              ("post", f"/v1/offers/{offer_b['offer_id']}/withdraw", None)]:
        refused = await venues_api.request(method, url, json=json, headers=staff_a)
        assert refused.status_code == 403, f"{method} {url}: {refused.text}"
        assert f"this token is for venue {venue_a['venue_id']}" in refused.json()["detail"]
        assert str(venue_b["venue_id"]) in refused.json()["detail"]


async def test_the_regions_coordinator_may_publish_others_may_not(venues_api, new_venue):
    venue = await new_venue()
    body = {"category": "sport", "kind": "free_entry", "title": {"en": "Open gym"},
            "accepted_programmes": ["sport-wristband"], "accepted_regions": ["uusimaa", "varsinais-suomi"]}
    url = f"/v1/venues/{venue['venue_id']}/offers"
    own = await venues_api.post(url, json=body, headers=bearer(Role.coordinator, "c", region="uusimaa"))
    assert own.status_code == 201, own.text
    assert own.json()["accepted_regions"] == ["uusimaa", "varsinais-suomi"]
    other = await venues_api.post(url, json=body, headers=bearer(Role.coordinator, "c", region="varsinais-suomi"))
    assert other.status_code == 403
    reader = await venues_api.post(url, json=body, headers=bearer(Role.stats_reader, "r", region="uusimaa"))
    assert reader.status_code == 403


async def test_an_offer_that_ends_before_it_starts_or_is_over_is_refused(venues_api, new_venue, staff_of):
    venue = await new_venue()
    url, headers = f"/v1/venues/{venue['venue_id']}/offers", staff_of(venue["venue_id"])
    body = {"category": "course", "kind": "course_place", "title": {"fi": "Kurssi"},
            "accepted_programmes": ["culture-card"]}

    reversed_dates = await venues_api.post(url, headers=headers, json=body | {
        "starts_at": (NOW + timedelta(days=5)).isoformat(), "ends_at": (NOW + timedelta(days=4)).isoformat()})
    assert reversed_dates.status_code == 422
    assert reversed_dates.json()["code"] == "ends_before_starts"
    assert "give an end after the start" in reversed_dates.json()["detail"]

    over = await venues_api.post(url, headers=headers, json=body | {"ends_at": (NOW - timedelta(days=1)).isoformat()})
    assert over.status_code == 422
    assert over.json()["code"] == "offer_over"

    naive = await venues_api.post(url, headers=headers, json=body | {"starts_at": "2030-01-01T10:00:00"})
    assert naive.status_code == 422
    assert "timezone" in naive.text

    no_programme = await venues_api.post(url, headers=headers, json=body | {"accepted_programmes": []})
    assert no_programme.status_code == 422


async def test_an_update_changes_only_what_it_names(venues_api, new_venue, new_offer, staff_of, events_on):
    venue = await new_venue()
    offer = await new_offer(venue["venue_id"], quota=10, description={"fi": "Syksyn näytökset"}, **SEASON)
    new_end = (NOW + timedelta(days=120)).isoformat()
    changed = await venues_api.patch(f"/v1/offers/{offer['offer_id']}", headers=staff_of(venue["venue_id"]),
                                     json={"quota": 25, "ends_at": new_end, "title": {"fi": "Syysnäytös"}})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["quota"], body["title"]["fi"]) == (25, "Syysnäytös")
    assert body["description"]["fi"] == "Syksyn näytökset"
    assert body["max_tickets_per_visit"] == offer["max_tickets_per_visit"]

    reversed_dates = await venues_api.patch(f"/v1/offers/{offer['offer_id']}", headers=staff_of(venue["venue_id"]),
                                            json={"ends_at": (NOW - timedelta(days=20)).isoformat()})
    assert reversed_dates.status_code == 422
    assert reversed_dates.json()["code"] == "ends_before_starts"

    unlimited = await venues_api.patch(f"/v1/offers/{offer['offer_id']}", headers=staff_of(venue["venue_id"]),
                                       json={"quota": None})
    assert unlimited.json()["quota"] is None

    events = await events_on(Topic.OFFERS, offer["offer_id"], 3)
    event_type, data = events[1]
    assert event_type == "fi.leisurepass.offer.updated.v1"
    assert (data["quota"], data["title"]["fi"], data["accepted_programmes"]) == (25, "Syysnäytös", ["culture-card"])
    assert events[2][1]["quota"] is None


async def test_the_quota_cannot_go_below_the_tickets_already_taken(
        venues_api, new_venue, new_offer, staff_of, publish_events, visit, eventually):
    venue = await new_venue()
    offer = await new_offer(venue["venue_id"], quota=10, max_tickets_per_visit=3)
    await publish_events([visit(venue, offer, 3), visit(venue, offer, 2)])

    async def taken_five():
        shown = (await venues_api.get(f"/v1/catalogue/offers/{offer['offer_id']}")).json()
        return shown["places_left"] == 5

    await eventually(taken_five)
    url, headers = f"/v1/offers/{offer['offer_id']}", staff_of(venue["venue_id"])
    too_low = await venues_api.patch(url, headers=headers, json={"quota": 4})
    assert too_low.status_code == 422
    assert too_low.json()["code"] == "quota_below_used"
    assert "5 tickets of this offer are already taken" in too_low.json()["detail"]

    exactly_used = await venues_api.patch(url, headers=headers, json={"quota": 5})
    assert exactly_used.status_code == 200, exactly_used.text
    texts_only = await venues_api.patch(url, headers=headers, json={"title": {"sv": "Föreställning"}})
    assert texts_only.status_code == 200, texts_only.text


async def test_a_withdrawn_offer_cannot_be_changed(venues_api, new_venue, new_offer, staff_of, events_on):
    venue = await new_venue()
    offer = await new_offer(venue["venue_id"], category="wellbeing", kind="free_entry")
    url, headers = f"/v1/offers/{offer['offer_id']}", staff_of(venue["venue_id"])
    withdrawn = await venues_api.post(f"{url}/withdraw", headers=headers)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_at"] is not None

    for method, path, json in [("patch", url, {"quota": 3}), ("post", f"{url}/withdraw", None)]:
        refused = await venues_api.request(method, path, json=json, headers=headers)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "offer_withdrawn"
        assert "publish a new offer instead" in refused.json()["detail"]

    events = await events_on(Topic.OFFERS, offer["offer_id"], 2)
    assert [event_type for event_type, _ in events] == [
        "fi.leisurepass.offer.published.v1", "fi.leisurepass.offer.withdrawn.v1"]
    metrics = (await venues_api.get("/metrics")).text
    assert 'leisure_offers_withdrawn_total{category="wellbeing",region="uusimaa"} 1.0' in metrics


async def test_an_unknown_offer_is_not_found(venues_api, coordinator):
    missing = uuid4()
    for method, url in [("patch", f"/v1/offers/{missing}"), ("post", f"/v1/offers/{missing}/withdraw"),
                        ("get", f"/v1/catalogue/offers/{missing}")]:
        response = await venues_api.request(method, url, headers=coordinator, json={} if method == "patch" else None)
        assert response.status_code == 404, f"{method} {url}: {response.text}"
        assert response.json()["code"] == "unknown_offer"


async def test_visits_and_cancellations_arriving_together_add_up(
        venues_api, new_venue, new_offer, publish_events, visit, eventually):
    venue = await new_venue()
    offer = await new_offer(venue["venue_id"], quota=20, max_tickets_per_visit=4)
    first, second = visit(venue, offer, 3), visit(venue, offer, 2)
    cancelled = VisitCancelled(visit_id=second.visit_id, card_id=second.card_id, offer_id=second.offer_id,
                               venue_id=second.venue_id, tickets=2, cancelled_at=datetime.now(timezone.utc))
    # Most likely one batch of the places consumer: the same offer four times.
    await publish_events([first, second, visit(venue, offer, 4), cancelled])

    async def seven_taken():
        shown = (await venues_api.get(f"/v1/catalogue/offers/{offer['offer_id']}")).json()
        return shown["places_left"] == 20 - 3 - 4

    await eventually(seven_taken)
