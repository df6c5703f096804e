"""Catalogue benchmark: 10,000 offers in the venues service, then a fixed mix of public catalogue
searches over loopback; prints p50/p95 latency per kind of search and overall.

    .venv/bin/python tests/benchmarks/bench_catalogue.py [--offers 10000] [--queries 600] [--concurrency 4]

Standalone it starts the venues service as its own process on a fresh database. `make bench`
reuses `load_catalogue` and `search_latencies` against a venues service already running.

Not a test (pytest does not collect `bench_*.py`): it asserts nothing and only reports. The venues
are registered through the API; the offers are decided by the service's own domain code and stored
through its event store and catalogue tables in batches, as the API would store them one by one;
the service's relay then publishes the events, and the searches start once it has (so they measure
the catalogue, not the relay).
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx

from leisure_infra.brokers import create_platform_topics, start_broker
from leisure_infra.postgres import PostgresServer, unique_database_name
from leisure_infra.service_testing import LOCAL_AUTH
from leisure_infra.services import ServiceProcess, ServiceSpec, service_environment, wait_until_ready
from leisure_infra.ports import free_port
from leisure_runtime.auth import Role, mint_token
from leisure_runtime.event_store import EventStore
from venues.adapters.catalogue_tables import put_offers
from venues.application.streams import offer_stream
from venues.domain import offers
from venues.domain.venues import Venue

BATCH = 500
VENUES = 60
RELAY_TIMEOUT_SECONDS = 180
_UNPUBLISHED = """SELECT count(*) FROM events e WHERE NOT EXISTS (
    SELECT 1 FROM outbox_checkpoint c WHERE (e.transaction_id, e.position) <= (c.transaction_id, c.position))"""
REGIONS = {"uusimaa": ["Espoo", "Helsinki", "Vantaa", "Porvoo"], "varsinais-suomi": ["Turku", "Salo", "Naantali"]}
VENUE_KINDS = ["theatre", "museum", "library", "concert_hall", "cinema", "swimming_hall", "gym", "sports_club",
               "adult_education_centre", "association"]
WORDS = {
    "fi": ["teatteri", "konsertti", "uinti", "kuntosali", "museo", "kurssi", "elokuva", "tanssi", "lapset",
           "perhe", "kirjasto", "maalaus", "jooga", "kuoro", "näyttely", "ooppera", "sirkus", "luonto"],
    "sv": ["teater", "konsert", "simning", "gym", "museum", "kurs", "film", "dans", "barn", "familj"],
    "en": ["theatre", "concert", "swimming", "gym", "museum", "course", "film", "dance", "children", "family"],
}
PROGRAMMES = ["culture-card", "sport-wristband", "activity-pass"]
# Each search the way a person or an info point would ask; the mix is drawn from these.
SEARCHES = [
    ("list newest", {}),
    ("list soonest", {"sort": "soonest"}),
    ("text fi inflected", {"q": "teatteriin"}),
    ("text fi two words", {"q": "konsertti lapsille"}),
    ("text sv", {"q": "simningen"}),
    ("text en", {"q": "concerts"}),
    ("category+region", {"category": "sport", "region": "varsinais-suomi"}),
    ("text+municipality+programme", {"q": "museoon", "municipality": "Espoo", "programme": "culture-card"}),
    ("places left+kind", {"places_left": "true", "kind": "course_place"}),
    ("date range+language", {"date_from": "+7", "date_to": "+21", "language": "sv"}),
    ("page 2", {"page": 2}),
]


async def create_venues(client: httpx.AsyncClient, rng: random.Random, count: int) -> list[Venue]:
    venues = []
    for n in range(count):
        region = list(REGIONS)[n % len(REGIONS)]
        token = mint_token(LOCAL_AUTH, Role.coordinator, "bench-coordinator", region=region)
        response = await client.post("/v1/venues", headers={"Authorization": f"Bearer {token}"}, json={
            "name": {"fi": f"{rng.choice(WORDS['fi']).capitalize()}talo {n}"}, "region": region,
            "municipality": rng.choice(REGIONS[region]), "kind": rng.choice(VENUE_KINDS), "postal_code": "02100",
            "languages": rng.sample(["fi", "sv", "en"], rng.randint(1, 3))})
        response.raise_for_status()
        venues.append(Venue.model_validate(response.json()))
    return venues


def offer_command(rng: random.Random, now: datetime) -> offers.PublishOffer:
    when = rng.random()
    starts = now + timedelta(days=rng.uniform(-60, 120))
    dates = ({} if when < 0.3 else {"starts_at": starts, "ends_at": starts + timedelta(hours=2)} if when < 0.7
             else {"starts_at": starts, "ends_at": starts + timedelta(days=rng.randint(90, 200))})
    if dates and dates["ends_at"] <= now:
        dates = {}
    title = {lang: " ".join(rng.sample(WORDS[lang], 3)).capitalize() for lang in rng.sample(["fi", "sv", "en"], 2)}
    return offers.PublishOffer(
        category=rng.choice(["culture", "sport", "course", "wellbeing", "other"]),
        kind=rng.choice(["free_ticket", "course_place", "free_entry"]),
        title=title, description={"fi": " ".join(rng.sample(WORDS["fi"], 6))},
        quota=rng.choice([None, None, 10, 20, 50]), max_tickets_per_visit=rng.randint(1, 4),
        accepted_programmes=rng.sample(PROGRAMMES, rng.randint(1, 3)), **dates)


async def load_offers(database_url: str, venues: list[Venue], count: int, rng: random.Random) -> None:
    store, now = EventStore(), datetime.now(timezone.utc)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        for start in range(0, count, BATCH):
            published = [offers.publish_offer(rng.choice(venues), offer_command(rng, now), uuid4(), now)
                         for _ in range(min(BATCH, count - start))]
            async with pool.acquire() as conn, conn.transaction():
                for event in published:
                    await store.append(conn, offer_stream(event.offer_id), 0, [event])
                await put_offers(conn, [offers.offer_from([event]) for event in published])
                # Some quotas are partly or wholly taken, as the usage service's visits would leave them.
                await conn.executemany(
                    "INSERT INTO offer_tickets_used (offer_id, tickets_used) VALUES ($1, $2)",
                    [(e.offer_id, rng.randint(0, e.quota)) for e in published if e.quota and rng.random() < 0.5])
        # Statistics, as autovacuum gathers them within a minute of a load like this in production;
        # the CI PostgreSQL here runs without autovacuum, so without this the planner would guess.
        await pool.execute("ANALYZE venue_directory, catalogue_offers, offer_tickets_used")
        async with asyncio.timeout(RELAY_TIMEOUT_SECONDS):
            while await pool.fetchval(_UNPUBLISHED):
                await asyncio.sleep(0.5)
    finally:
        await pool.close()


async def load_catalogue(venues_url: str, database_url: str, offers: int, seed: int = 7,
                         venues: int = VENUES) -> None:
    """Registers `venues` venues through the API, stores `offers` offers at them and returns once
    the service's relay has published every event."""
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=venues_url, timeout=30) as client:
        registered = await create_venues(client, rng, venues)
    await load_offers(database_url, registered, offers, rng)


def search_params(params: dict, cursors: dict[str, str]) -> dict:
    today = datetime.now(timezone.utc).date()
    params = {key: (str(today + timedelta(days=int(value))) if key.startswith("date_") else value)
              for key, value in params.items()}
    if params.pop("page", None):
        params["cursor"] = cursors["first page"]
    return params


@dataclass
class Searches:
    """What a run of searches measured, by kind of search."""

    elapsed: float = 0.0
    timings: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name, _ in SEARCHES})
    listed: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name, _ in SEARCHES})

    def everything(self) -> list[float]:
        return [t for timings in self.timings.values() for t in timings]


async def run_searches(venues_url: str, queries: int, concurrency: int, seed: int = 7) -> Searches:
    """`queries` searches drawn from SEARCHES, `concurrency` at a time, after a warm-up of each kind."""
    rng = random.Random(seed)
    plan = [rng.choice(SEARCHES) for _ in range(queries)]
    searches = Searches()
    async with httpx.AsyncClient(base_url=venues_url, timeout=30) as client:
        first = (await client.get("/v1/catalogue/offers")).raise_for_status().json()
        cursors = {"first page": first["next_cursor"]}
        for _, params in SEARCHES * 2:  # warm up: connections, plans, caches
            (await client.get("/v1/catalogue/offers", params=search_params(params, cursors))).raise_for_status()
        queue = asyncio.Queue()
        for item in plan:
            queue.put_nowait(item)

        async def worker() -> None:
            while not queue.empty():
                name, params = queue.get_nowait()
                started = time.perf_counter()
                response = await client.get("/v1/catalogue/offers", params=search_params(params, cursors))
                searches.timings[name].append(time.perf_counter() - started)
                response.raise_for_status()
                searches.listed[name].append(len(response.json()["offers"]))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        searches.elapsed = time.perf_counter() - started
    return searches


async def search_latencies(venues_url: str, queries: int, concurrency: int, seed: int = 7) -> list[float]:
    """Seconds per search, for `queries` searches of the mix, `concurrency` at a time."""
    return (await run_searches(venues_url, queries, concurrency, seed)).everything()


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def report(searches: Searches, offers_count: int, concurrency: int) -> None:
    everything = searches.everything()
    print(f"\nCatalogue search over {offers_count} offers: {len(everything)} queries, {concurrency} at a time, "
          f"{len(everything) / searches.elapsed:.0f} queries/s")
    print(f"{'search':<30} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'offers on page':>15}")
    for name, timings in searches.timings.items():
        if timings:
            print(f"{name:<30} {len(timings):>5} {percentile(timings, 50) * 1000:>8.1f} "
                  f"{percentile(timings, 95) * 1000:>8.1f} {statistics.mean(searches.listed[name]):>15.1f}")
    print(f"{'all':<30} {len(everything):>5} {percentile(everything, 50) * 1000:>8.1f} "
          f"{percentile(everything, 95) * 1000:>8.1f}")
    print(f"catalogue_search_p50_ms={percentile(everything, 50) * 1000:.1f} "
          f"catalogue_search_p95_ms={percentile(everything, 95) * 1000:.1f}")


async def bench(url: str, database_url: str, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    await load_catalogue(url, database_url, args.offers, venues=args.venues)
    print(f"loaded {args.venues} venues and {args.offers} offers, events relayed, "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    report(await run_searches(url, args.queries, args.concurrency), args.offers, args.concurrency)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--venues", type=int, default=VENUES)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as workdir:
        workdir = Path(workdir)
        with PostgresServer.from_environment(workdir / "pgdata") as postgres:
            database = unique_database_name("lp_bench")
            database_url = postgres.create_database(database)
            broker = start_broker("tansu", workdir)
            service = None
            try:
                asyncio.run(create_platform_topics(broker.bootstrap_servers))
                spec = ServiceSpec("venues", free_port())
                service = ServiceProcess(spec, service_environment(
                    spec, database_url, broker.bootstrap_servers, broker.supports_idempotence,
                    {"LOG_LEVEL": "WARNING"}), workdir / "venues.log")
                service.start()
                wait_until_ready([service])
                asyncio.run(bench(spec.url, database_url, args))
            finally:
                if service is not None:
                    service.stop()
                broker.stop()
                postgres.drop_database(database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
