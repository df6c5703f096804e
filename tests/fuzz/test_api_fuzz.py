"""Every service's API under schemathesis, from its own OpenAPI: no server error, and every answer
as the OpenAPI says, refusals included. Bounded and seeded: see
leisure_infra.api_fuzzing. Each service first gets a little world (a programme, a venue, an offer,
a card, a webhook subscription, an SMS consent) whose ids replace the generated ones, so that generated requests reach the rules."""

import asyncio
import time
from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import httpx
import pytest
import schemathesis

from issuance.main import create_app as create_issuance
from integrations.main import create_app as create_integrations
from issuance.settings import IssuanceSettings
from leisure_contracts.card_numbers import check_digit
from leisure_contracts.events import CardIssued, OfferPublished
from leisure_infra.api_fuzzing import FUZZ_SETTINGS, call_and_check, fuzz_settings, served
from leisure_infra.service_testing import bearer, publish_events
from leisure_runtime.auth import Role
from notifications.main import create_app as create_notifications
from notifications.settings import LOCAL_INBOUND_SECRET, NotificationsSettings
from stats.main import create_app as create_stats
from usage.main import create_app as create_usage
from usage.settings import UsageSettings
from venues.main import create_app as create_venues

REGION = "uusimaa"
COORDINATOR = bearer(Role.coordinator, "fuzz-coordinator", region=REGION)
DISTRIBUTOR = bearer(Role.distributor, "fuzz-worker", region=REGION, organisation="fuzz-office")
READER = bearer(Role.stats_reader, "fuzz-reader", region=REGION)
# Closing the venue or withdrawing the offer would leave nothing open for the other operations.
ENDING = ("/close", "/withdraw")
# A loopback port where nothing listens: deliveries to it fail at once, and nothing leaves the machine.
NOWHERE = "http://127.0.0.1:9/events"

# The OpenAPI documents do not depend on settings: apps built with the defaults give them unstarted.
issuance_schema = schemathesis.openapi.from_dict(create_issuance().openapi())
venues_schema = schemathesis.openapi.from_dict(create_venues().openapi())
usage_schema = schemathesis.openapi.from_dict(create_usage().openapi())
stats_schema = schemathesis.openapi.from_dict(create_stats().openapi())
integrations_schema = schemathesis.openapi.from_dict(create_integrations().openapi())
notifications_schema = schemathesis.openapi.from_dict(create_notifications().openapi())


def created(response: httpx.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def issuance_world(database_factory, kafka_broker):
    # The look-up limit has tests of its own; here it would only hide the card routes behind 429s.
    settings = IssuanceSettings.of(fuzz_settings("issuance", database_factory, kafka_broker))
    with served(create_issuance(settings.model_copy(update={"lookup_burst": 1_000_000}))) as url:
        created(httpx.post(f"{url}/v1/programmes", headers=COORDINATOR, json={
            "programme_id": "fuzz-programme", "home_region": REGION, "name": {"fi": "Kortti"},
            "participating_regions": [REGION]}))
        created(httpx.post(f"{url}/v1/distributors", headers=COORDINATOR, json={
            "distributor_id": "fuzz-office", "name": {"fi": "Toimisto"}, "kind": "social_office", "region": REGION}))
        card = created(httpx.post(f"{url}/v1/cards", headers=DISTRIBUTOR, json={
            "programme_id": "fuzz-programme", "background": {
                "age": 40, "gender": "female", "mother_tongue": "finnish", "life_situation": "unemployed",
                "postal_code": "02100"}}))
        yield url, {"programme_id": "fuzz-programme", "number": card["card_number"]}


@pytest.fixture(scope="module")
def venues_world(database_factory, kafka_broker):
    with served(create_venues(fuzz_settings("venues", database_factory, kafka_broker))) as url:
        venue = created(httpx.post(f"{url}/v1/venues", headers=COORDINATOR, json={
            "name": {"fi": "Teatteri"}, "region": REGION, "municipality": "Espoo", "kind": "theatre",
            "postal_code": "02100"}))
        staff = bearer(Role.venue_staff, "fuzz-box-office", venues=[venue["venue_id"]])
        offer = created(httpx.post(f"{url}/v1/venues/{venue['venue_id']}/offers", headers=staff, json={
            "category": "culture", "kind": "free_ticket", "title": {"fi": "Näytös"},
            "accepted_programmes": ["culture-card"]}))
        yield url, staff, {"venue_id": venue["venue_id"], "offer_id": offer["offer_id"]}


@pytest.fixture(scope="module")
def usage_world(database_factory, kafka_broker):
    settings = UsageSettings.of(fuzz_settings("usage", database_factory, kafka_broker))
    with served(create_usage(settings)) as url:
        now = datetime.now(timezone.utc)
        offer = OfferPublished(
            offer_id=uuid4(), venue_id=uuid4(), venue_kind="theatre", region=REGION, municipality="Espoo",
            category="culture", kind="free_ticket", title={"fi": "Näytös"}, quota=1_000, max_tickets_per_visit=4,
            accepted_programmes=["culture-card"], accepted_regions=[REGION], published_at=now)
        card = CardIssued(
            card_id=uuid4(), card_number="123456789018", programme_id="culture-card", distributor_id="fuzz-office",
            distributor_kind="social_office", home_region=REGION, accepted_regions=[REGION],
            valid_from=date.today() - timedelta(days=1), valid_until=date.today() + timedelta(days=300),
            children_allowance=2, escort_free=True, issued_at=now, background={
                "age_band": "35_44", "gender": "not_told", "mother_tongue": "not_told",
                "life_situation": "not_told", "postal_code": "02100", "children_under_16": 2})
        asyncio.run(publish_events(kafka_broker.bootstrap_servers, [offer, card]))
        staff = bearer(Role.venue_staff, "fuzz-box-office", venues=[offer.venue_id])
        _wait_until_known(f"{url}/v1/offers/{offer.offer_id}/places", staff)
        _wait_until_known(f"{url}/v1/cards/{card.card_id}/visits", DISTRIBUTOR)
        yield url, staff, {"offer_id": str(offer.offer_id), "venue_id": str(offer.venue_id),
                           "card_id": str(card.card_id), "card_number": card.card_number}


def _wait_until_known(url: str, headers: dict, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while httpx.get(url, headers=headers).status_code == 404:
        assert time.monotonic() < deadline, f"{url} stayed unknown"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def stats_url(database_factory, kafka_broker):
    with served(create_stats(fuzz_settings("stats", database_factory, kafka_broker))) as url:
        yield url


@pytest.fixture(scope="module")
def integrations_world(database_factory, kafka_broker):
    with served(create_integrations(fuzz_settings("integrations", database_factory, kafka_broker))) as url:
        event_types = httpx.get(f"{url}/v1/webhooks/event-types", headers=COORDINATOR).json()
        subscription = created(httpx.post(f"{url}/v1/webhooks/subscriptions", headers=COORDINATOR, json={
            "integrator": "fuzz-warehouse", "url": NOWHERE, "event_types": event_types[:1]}))
        yield url, {"subscription_id": subscription["subscription_id"]}


def _new_card_number() -> str:
    """A number of its own: the usage world's card has the same topic, and a number is one card's."""
    payload = f"{uuid4().int % 10 ** 11:011d}"
    return payload + check_digit(payload)


@pytest.fixture(scope="module")
def notifications_world(database_factory, kafka_broker):
    settings = NotificationsSettings.of(fuzz_settings("notifications", database_factory, kafka_broker))
    with served(create_notifications(settings.model_copy(update={"lookup_burst": 1_000_000}))) as url:
        now = datetime.now(timezone.utc)
        card = CardIssued(
            card_id=uuid4(), card_number=_new_card_number(), programme_id="culture-card", distributor_id="fuzz-office",
            distributor_kind="social_office", home_region=REGION, accepted_regions=[REGION],
            valid_from=date.today(), valid_until=date.today() + timedelta(days=300), children_allowance=0,
            escort_free=False, issued_at=now, background={
                "age_band": "35_44", "gender": "not_told", "mother_tongue": "not_told",
                "life_situation": "not_told", "postal_code": "02100", "children_under_16": 0})
        asyncio.run(publish_events(kafka_broker.bootstrap_servers, [card]))
        consent = f"{url}/v1/cards/{card.card_number}/sms-consent"
        deadline = time.monotonic() + 30
        while httpx.put(consent, headers=DISTRIBUTOR, json={"phone_number": "0401234567"}).status_code != 200:
            assert time.monotonic() < deadline, "the card stayed unknown"
            time.sleep(0.2)
        yield url, {"number": card.card_number}


@issuance_schema.parametrize()
@FUZZ_SETTINGS
def test_issuance_api(case, issuance_world):
    url, known = issuance_world
    distributor_routes = ("POST /v1/cards", "POST /v1/cards/{number}/renewal",
                          "POST /v1/cards/{number}/revocation", "POST /v1/cards/{number}/replacement")
    token = DISTRIBUTOR if f"{case.method} {case.path}" in distributor_routes else COORDINATOR
    call_and_check(case, url, token, {} if case.path.endswith(("/revocation", "/replacement")) else known)


@venues_schema.parametrize()
@FUZZ_SETTINGS
def test_venues_api(case, venues_world):
    url, staff, known = venues_world
    staff_routes = ("POST /v1/venues/{venue_id}/offers", "PATCH /v1/offers/{offer_id}")
    call_and_check(case, url, staff if f"{case.method} {case.path}" in staff_routes else COORDINATOR,
                   {} if case.path.endswith(ENDING) else known)


@usage_schema.parametrize()
@FUZZ_SETTINGS
def test_usage_api(case, usage_world):
    url, staff, known = usage_world
    call_and_check(case, url, DISTRIBUTOR if case.path.startswith("/v1/cards/") else staff, known)


@stats_schema.parametrize()
@FUZZ_SETTINGS
def test_stats_api(case, stats_url):
    call_and_check(case, stats_url, READER)


@integrations_schema.parametrize()
@FUZZ_SETTINGS
def test_integrations_api(case, integrations_world):
    url, known = integrations_world
    call_and_check(case, url, COORDINATOR, {} if case.method == "DELETE" else known)


@notifications_schema.parametrize()
@FUZZ_SETTINGS
def test_notifications_api(case, notifications_world):
    url, known = notifications_world
    token = COORDINATOR if case.path == "/v1/broadcasts" else DISTRIBUTOR
    if case.path == "/v1/sms/replies":
        token = {"Authorization": f"Bearer {LOCAL_INBOUND_SECRET}"}
    call_and_check(case, url, token, {} if case.method == "DELETE" else known)
