"""Usage running in the test's event loop on its own database and the shared test broker, with
builders of the card and offer events it learns from and waits for their arrival."""

import contextlib
from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from leisure_contracts.events import CardIssued, OfferPublished
from leisure_infra.postgres import unique_database_name
from leisure_infra.service_testing import bearer, eventually, running_app, settings_for_test
from leisure_contracts.card_numbers import check_digit
from leisure_runtime.auth import Role
from usage.main import create_app
from usage.settings import UsageSettings


@pytest.fixture(scope="session")
def usage_settings(postgres_server, kafka_broker):
    """`usage_settings()`: settings on a fresh database with a consumer group of its own (a group
    shared by two databases would split the partitions between them)."""

    databases = []

    def settings() -> UsageSettings:
        databases.append(unique_database_name("usage"))
        base = settings_for_test("usage", postgres_server.create_database(databases[-1]),
                                 kafka_broker.bootstrap_servers, kafka_broker.supports_idempotence)
        return UsageSettings.of(base).model_copy(update={
            "read_model_consumer": f"usage-read-models-{uuid4().hex[:8]}", "lag_check_interval_seconds": 1.0})

    yield settings
    for name in databases:
        postgres_server.drop_database(name)


@pytest.fixture(scope="session")
async def usage_app(usage_settings):
    """One usage app for the tests that need no restart: (app, client)."""
    app = create_app(usage_settings())
    async with running_app(app) as client:
        yield app, client


@pytest.fixture(scope="session")
def wait_until():
    return eventually


@pytest.fixture(scope="session")
def feed(publish_events):
    """`await feed(app, [event, …])`: publish other services' events and wait until usage applied them."""

    async def publish_and_wait(app, events, timeout: float = 30):
        sent = await publish_events(events)
        ids = [attributes.id for attributes in sent]
        consumer = app.state.settings.read_model_consumer

        async def applied():
            return await app.state.pool.fetchval(
                "SELECT count(*) FROM processed_events WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
                consumer, ids) == len(ids)

        await eventually(applied, timeout)
        return sent

    return publish_and_wait


def new_card_number() -> str:
    payload = f"{uuid4().int % 10 ** 11:011d}"
    return payload + check_digit(payload)


@pytest.fixture(scope="session")
def issued_card():
    """`issued_card(**changes)`: a CardIssued of a fresh card, valid this year, in uusimaa."""

    def build(**changes) -> CardIssued:
        today = date.today()
        return CardIssued.model_validate({
            "card_id": uuid4(), "card_number": new_card_number(), "programme_id": "culture-card",
            "distributor_id": "espoo-social-office", "distributor_kind": "social_office",
            "home_region": "uusimaa", "accepted_regions": ["uusimaa", "varsinais-suomi"],
            "valid_from": today - timedelta(days=60), "valid_until": today + timedelta(days=300),
            "children_allowance": 2, "escort_free": True,
            "background": {"age_band": "35_44", "gender": "not_told", "mother_tongue": "not_told",
                           "life_situation": "not_told", "postal_code": "02100", "children_under_16": 2},
            "issued_at": datetime.now(timezone.utc) - timedelta(days=60), **changes})

    return build


@pytest.fixture(scope="session")
def published_offer():
    """`published_offer(**changes)`: an OfferPublished just now, open since before any visit a test
    enters later (no starts_at), for culture cards from uusimaa."""

    def build(**changes) -> OfferPublished:
        return OfferPublished.model_validate({
            "offer_id": uuid4(), "venue_id": uuid4(), "venue_kind": "theatre", "region": "uusimaa",
            "municipality": "Espoo", "category": "culture", "kind": "free_ticket", "title": {"fi": "Näytös"},
            "quota": 100, "max_tickets_per_visit": 4, "accepted_programmes": ["culture-card"],
            "accepted_regions": ["uusimaa"], "published_at": datetime.now(timezone.utc),
            **changes})

    return build


@pytest.fixture(scope="session")
def staff():
    """`staff(offer)`: the Authorization header of staff at the offer's venue."""
    return lambda offer: bearer(Role.venue_staff, "staff-1", venues=[offer.venue_id])


@pytest.fixture(scope="session")
def visit_body():
    def body(card, offer, **changes) -> dict:
        return {"card_number": card.card_number, "offer_id": str(offer.offer_id), "tickets": 1,
                "idempotency_key": uuid4().hex, **changes}

    return body


@pytest.fixture(scope="session")
def restartable_usage():
    """`async with restartable_usage(settings) as (app, client)`: a usage app that a test stops and
    starts again on the same database and consumer group."""

    @contextlib.asynccontextmanager
    async def run(settings: UsageSettings):
        app = create_app(settings)
        async with running_app(app) as client:
            yield app, client

    return run
