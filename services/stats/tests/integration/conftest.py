"""Fixtures of the stats integration tests: the running service on a database of its own, events of
a test's own regions and programmes (the broker and its topics are shared by every test of a run),
published in batches as the other services' relays would."""

import asyncio
import functools
import random
from collections.abc import Sequence
from datetime import date, datetime, timezone
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from leisure_contracts.base import Event
from leisure_contracts.envelope import CloudEventAttributes
from leisure_contracts.events import (
    CardIssued,
    CardRenewed,
    CardRevoked,
    OfferPublished,
    RewardEarned,
    VenueRegistered,
    VenueUpdated,
    VisitCancelled,
    VisitRecorded,
)
from leisure_infra.service_testing import eventually, running_app, settings_for_test
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations
from stats.adapters.projection import TABLES
from stats.adapters.rebuild import MIGRATIONS
from stats.domain.perturbation import possible
from stats.main import create_app
from stats.settings import StatsSettings


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


class World:
    """Makes events of one test's own regions and programme."""

    def __init__(self) -> None:
        tag = uuid4().hex[:8]
        self.region, self.other_region, self.programme = f"home-{tag}", f"away-{tag}", f"card-{tag}"
        self._rng = random.Random(tag)

    def card(self, issued: date, valid_until: date, *, age_band="25_34", gender="female", mother_tongue="finnish",
             life_situation="unemployed", postal_code="02100", distributor_kind="social_office") -> CardIssued:
        return CardIssued(
            card_id=uuid4(), card_number="".join(self._rng.choice("0123456789") for _ in range(12)),
            programme_id=self.programme, distributor_id="test-distributor", distributor_kind=distributor_kind,
            home_region=self.region, accepted_regions=[self.region, self.other_region], valid_from=issued,
            valid_until=valid_until, children_allowance=3, escort_free=True,
            background={"age_band": age_band, "gender": gender, "mother_tongue": mother_tongue,
                        "life_situation": life_situation, "postal_code": postal_code, "children_under_16": 1},
            issued_at=at(issued),
        )

    def renewal(self, card: CardIssued, on: date, until: date) -> CardRenewed:
        return CardRenewed(card_id=card.card_id, card_number=card.card_number, valid_until=until, renewed_at=at(on))

    def revocation(self, card: CardIssued, on: date) -> CardRevoked:
        return CardRevoked(card_id=card.card_id, card_number=card.card_number, reason="lost", revoked_at=at(on))

    def venue(self, kind: str, municipality: str, region: str) -> VenueRegistered:
        return VenueRegistered(venue_id=uuid4(), name={"fi": f"Test venue {kind}"}, region=region,
                               municipality=municipality, kind=kind, postal_code="02100",
                               registered_at=at(date(2015, 1, 1)))

    def renaming(self, venue: VenueRegistered, name: str, on: date) -> VenueUpdated:
        return VenueUpdated(venue_id=venue.venue_id, name={"fi": name}, postal_code=venue.postal_code,
                            updated_at=at(on))

    def offer(self, venue: VenueRegistered, category: str, quota: int | None) -> OfferPublished:
        return OfferPublished(
            offer_id=uuid4(), venue_id=venue.venue_id, venue_kind=venue.kind, region=venue.region,
            municipality=venue.municipality, category=category, kind="free_ticket", title={"fi": "Tarjous"},
            quota=quota, max_tickets_per_visit=5, accepted_programmes=[self.programme],
            accepted_regions=[self.region, self.other_region], published_at=at(date(2015, 12, 1)),
        )

    def visit(self, card: CardIssued, offer: OfferPublished, on: date, children: int = 0,
              escort: bool = False) -> VisitRecorded:
        return VisitRecorded(
            visit_id=uuid4(), card_id=card.card_id, card_number=card.card_number, programme_id=card.programme_id,
            card_region=card.home_region, offer_id=offer.offer_id, venue_id=offer.venue_id,
            venue_kind=offer.venue_kind, region=offer.region, category=offer.category,
            tickets=1 + children + int(escort), children=children, escort=escort, occurred_at=at(on),
            recorded_at=at(on, 13),
        )

    def cancellation(self, visit: VisitRecorded, on: date) -> VisitCancelled:
        return VisitCancelled(visit_id=visit.visit_id, card_id=visit.card_id, offer_id=visit.offer_id,
                              venue_id=visit.venue_id, tickets=visit.tickets, cancelled_at=at(on))

    def reward(self, card: CardIssued, on: date) -> RewardEarned:
        return RewardEarned(card_id=card.card_id, programme_id=card.programme_id, visits_counted=20,
                            description="Two cinema tickets", earned_at=at(on))


@pytest.fixture
def world() -> World:
    return World()


async def publish(bootstrap_servers: str, events: Sequence[Event], idempotent: bool,
                  attributes: Sequence[CloudEventAttributes] | None = None) -> list[CloudEventAttributes]:
    """Put events on their topics with CloudEvents headers, many in flight at once; the same
    attributes again make a republish (same event ids at new offsets)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=idempotent,
                                linger_ms=5)
    await producer.start()
    sent = list(attributes or [])
    try:
        deliveries = []
        for n, event in enumerate(events):
            if attributes is None:
                sent.append(CloudEventAttributes(id=uuid4(), source="/test", type=event.event_type(),
                                                 subject=event.key(), dataschema=event.dataschema()))
            deliveries.append(await producer.send(event.event_topic.value, event.model_dump_json().encode(),
                                                  key=event.key().encode(), headers=sent[n].to_headers()))
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return sent


@pytest.fixture
def publish_in_batches(kafka_broker):
    async def put(events, attributes=None):
        return await publish(kafka_broker.bootstrap_servers, events, kafka_broker.supports_idempotence, attributes)

    return put


@pytest.fixture(scope="module")
async def stats_service(database_factory, kafka_broker):
    """The stats service, running for the whole module: (app, client). A consumer group of its own,
    so it reads the shared topics from their beginning as a new deployment would."""
    settings = StatsSettings.of(settings_for_test(
        "stats", database_factory("lp_stats"), kafka_broker.bootstrap_servers, kafka_broker.supports_idempotence),
        projection_name=f"stats-projection-{uuid4().hex[:8]}")
    app = create_app(settings)
    async with running_app(app) as client:
        yield app, client


@pytest.fixture(scope="module")
async def projection_database(database_factory):
    """A database with the stats migrations, for tests that apply events to the projection directly."""
    pool = await asyncpg.create_pool(database_factory("lp_stats_projection"), min_size=1, max_size=2)
    await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS)
    await apply_migrations(pool, "stats", MIGRATIONS)
    yield pool
    await pool.close()


async def empty_projection(conn) -> None:
    for table in TABLES:
        await conn.execute(f"TRUNCATE {table}")
    await conn.execute("DELETE FROM processed_events")


@pytest.fixture
def wait_for():
    """Waits up to 45 s: the scenarios publish thousands of events."""
    return functools.partial(eventually, timeout=45)


def rows_of(answer: dict) -> dict:
    """An answer's cells by row key (a tuple of the key's values) and column; the totals as ()."""
    rows = {tuple(row["key"].values()): row["cells"] for row in answer["rows"]}
    if answer["total"] is not None:
        rows[()] = answer["total"]
    return rows


def check_answer(answer: dict, expected: dict) -> None:
    """Every cell is a number the perturbation table allows for the hand-computed count (so never
    1 to 4, and within 2 of a count of 5 or more); no row is missing or extra."""
    got = rows_of(answer)
    assert set(got) == set(expected), f"rows {sorted(got)} != {sorted(expected)}"
    for key, cells in expected.items():
        for column, count in cells.items():
            assert got[key][column]["value"] in possible(count), (key, column, count, got[key][column])


@pytest.fixture
def answer_check():
    return check_answer
