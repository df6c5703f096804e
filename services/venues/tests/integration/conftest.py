"""The venues app on a database of the module's own and the test broker, and what its tests share."""

import json
from datetime import datetime, timezone
from uuid import uuid4

import pytest

from leisure_contracts.events import VisitRecorded
from leisure_infra.service_testing import bearer, running_app, settings_for_test
from leisure_infra.service_testing import eventually as poll_until_true
from leisure_runtime.auth import Role
from venues.main import create_app

COORDINATOR = bearer(Role.coordinator, "coordinator-uusimaa", region="uusimaa")


@pytest.fixture(scope="module")
async def venues_api(database_factory, kafka_broker):
    """An HTTP client of one venues app, shared by the module's tests (starting one takes seconds)."""
    settings = settings_for_test("venues", database_factory("lp_venues"), kafka_broker.bootstrap_servers,
                                 kafka_broker.supports_idempotence)
    async with running_app(create_app(settings)) as client:
        yield client


@pytest.fixture
def coordinator():
    return COORDINATOR


@pytest.fixture
def staff_of():
    """`staff_of(venue_id, ...)`: the headers of venue staff scoped to those venues."""
    return lambda *venue_ids: bearer(Role.venue_staff, "staff-1", venues=list(venue_ids))


@pytest.fixture
def new_venue(venues_api):
    """`await new_venue(**fields)`: register a venue in Uusimaa (unless told otherwise); its body."""

    async def register(headers=COORDINATOR, **fields) -> dict:
        body = {"name": {"fi": f"Paikka {uuid4().hex[:6]}"}, "region": "uusimaa", "municipality": "Espoo",
                "kind": "theatre", "street_address": "Ahertajantie 5", "postal_code": "02100",
                "languages": ["fi", "sv"]} | fields
        response = await venues_api.post("/v1/venues", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    return register


@pytest.fixture
def new_offer(venues_api, staff_of):
    """`await new_offer(venue_id, **fields)`: publish an offer as the venue's staff; its body."""

    async def publish(venue_id: str, **fields) -> dict:
        body = {"category": "culture", "kind": "free_ticket", "title": {"fi": "Näytös"},
                "accepted_programmes": ["culture-card"]} | fields
        response = await venues_api.post(f"/v1/venues/{venue_id}/offers", json=body, headers=staff_of(venue_id))
        assert response.status_code == 201, response.text
        return response.json()

    return publish


@pytest.fixture
def eventually():
    """`await eventually(check)`: poll an async check until it returns something truthy (≤ 30 s)."""
    return poll_until_true


@pytest.fixture
def events_on(read_topic, eventually):
    """`await events_on(topic, key, count)`: (type, data) of the topic's records with that key, in
    order, once there are at least `count` of them."""

    async def read(topic: str, key: str, count: int = 1) -> list[tuple[str, dict]]:
        async def enough():
            found = [(record.header("ce_type").decode(), json.loads(record.value))
                     for record in await read_topic(topic) if record.key == key.encode()]
            return found if len(found) >= count else None

        return await eventually(enough)

    return read


@pytest.fixture
def visit():
    """`visit(venue, offer, tickets)`: a VisitRecorded of that offer, as the usage service emits it."""

    def recorded(venue: dict, offer: dict, tickets: int) -> VisitRecorded:
        now = datetime.now(timezone.utc)
        return VisitRecorded(
            visit_id=uuid4(), card_id=uuid4(), card_number="682290613368", programme_id="culture-card",
            card_region="uusimaa", offer_id=offer["offer_id"], venue_id=venue["venue_id"],
            venue_kind=venue["kind"], region=venue["region"], category=offer["category"], tickets=tickets,
            occurred_at=now, recorded_at=now)

    return recorded
