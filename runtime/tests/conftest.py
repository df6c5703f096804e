from datetime import date, datetime, timezone
from uuid import UUID

import asyncio

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from leisure_contracts.events import CardRenewed, VenueRegistered
from leisure_contracts.events.common import LocalizedText, VenueKind
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations
from leisure_runtime.metrics import RuntimeMetrics
from leisure_runtime.outbox import OutboxRelay


@pytest.fixture
async def pool(fresh_database):
    pool = await asyncpg.create_pool(fresh_database, min_size=1, max_size=12)
    await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS)
    yield pool
    await pool.close()


def make_renewal(card_id: UUID, day: int = 1) -> CardRenewed:
    return CardRenewed(
        card_id=card_id, card_number="123456789018", valid_until=date(2027, 1, day % 28 + 1),
        renewed_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
    )


def make_venue_registered(venue_id: UUID, street_address: str = "Testikatu 1") -> VenueRegistered:
    # Built without validation: the test needs an event larger than any request would make.
    return VenueRegistered.model_construct(
        venue_id=venue_id, name=LocalizedText(fi="Testitalo"), region="uusimaa", municipality="Espoo",
        kind=VenueKind.THEATRE, postal_code="02100", languages=["fi"], street_address=street_address,
        accessibility=None, registered_at=datetime(2026, 11, 24, tzinfo=timezone.utc))


@pytest.fixture
def venue_registered():
    """Makes a venue registration of any size: `venue_registered(venue_id, street_address)`."""
    return make_venue_registered


@pytest.fixture
def renewal():
    """Makes a small real event to fill streams with."""
    return make_renewal


@pytest.fixture
def start_relay(kafka_broker):
    """Starts an outbox relay over the pool; returns (relay, producer, task)."""

    async def start(pool, name: str, metrics: RuntimeMetrics | None = None):
        producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap_servers, acks="all",
                                    enable_idempotence=kafka_broker.supports_idempotence)
        await producer.start()
        relay = OutboxRelay(pool, producer, source="/test", metrics=metrics or RuntimeMetrics("test"),
                            name=name, batch_size=50, poll_interval=0.2)
        return relay, producer, asyncio.create_task(relay.run())

    return start


@pytest.fixture
def stop_relay():
    async def stop(producer, task):
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()

    return stop


class RenewalsSeen:
    """A test read model: how many renewals of each card a consumer has applied."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def counts(self, cards) -> dict:
        rows = await self.pool.fetch(
            "SELECT card_id, renewals FROM renewals_seen WHERE card_id = ANY($1::uuid[])", cards)
        return {r["card_id"]: r["renewals"] for r in rows}


@pytest.fixture
async def read_model(pool) -> RenewalsSeen:
    await pool.execute("CREATE TABLE renewals_seen (card_id uuid PRIMARY KEY, renewals integer NOT NULL)")
    return RenewalsSeen(pool)
