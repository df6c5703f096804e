"""`make bench`: the platform's speed beside its raw baselines, measured in one run on this machine.

Starts the platform on the local defaults (as `make run` does, on databases and ports of its own),
measures visit recording (on one usage instance, then on two), freshness, catalogue search and the
services' memory against it, stops it, then measures the relay, the stats projection (one instance,
then two) and the stats rebuild on a broker of their own.
Prints one table (figure, ours, baseline, ratio, target) and writes it as JSON to .local/bench/.

    .venv/bin/python tests/benchmarks/bench.py [--quick]

--quick runs every figure on small numbers, to check the harness in a minute; its figures mean little.
"""

import argparse
import asyncio
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

import bench_catalogue
import bench_components
import bench_visits
from figures import Figure, machine, table, write_json
from leisure_infra.local_platform import LocalPlatform, local_platform
from leisure_infra.postgres import PostgresServer
from leisure_infra.tansu import TansuBroker
from leisure_runtime.auth import AuthSettings
from leisure_runtime.settings import ServiceSettings

STATE_DIR = Path(os.environ.get("LEISURE_BENCH_STATE_DIR", ".local/bench"))
FIRST_PORT = int(os.environ.get("LEISURE_BENCH_FIRST_PORT", "8101"))
DATABASE_PREFIX = os.environ.get("LEISURE_BENCH_DATABASE_PREFIX", "leisure_bench")


@dataclass(frozen=True)
class Sizes:
    cards: int = 1_000
    venues: int = 10
    offers_per_venue: int = 4
    concurrency: int = 64
    load_seconds: float = 15
    warmup_seconds: float = 3
    freshness_rate: float = 200
    freshness_seconds: float = 20
    catalogue_offers: int = 10_000
    catalogue_queries: int = 600
    catalogue_concurrency: int = 4
    relay_events: int = 100_000
    rebuild_events: int = 1_000_000


QUICK = Sizes(cards=50, venues=2, offers_per_venue=2, concurrency=8, load_seconds=2, warmup_seconds=0.5,
              freshness_rate=50, freshness_seconds=2, catalogue_offers=300, catalogue_queries=40,
              relay_events=5_000, rebuild_events=20_000)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--quick", action="store_true", help="small numbers: checks the harness, not the speed")
    sizes = QUICK if arguments.parse_args().quick else Sizes()
    started, clock = datetime.now(timezone.utc), time.monotonic()
    print(f"Benchmark on {machine()}", flush=True)
    figures: list[Figure] = []
    details: dict = {}
    logs = STATE_DIR / "logs"
    with PostgresServer.from_environment(STATE_DIR / "pgdata") as postgres:
        with local_platform(STATE_DIR, first_port=FIRST_PORT, database_prefix=DATABASE_PREFIX,
                            postgres=postgres) as platform:
            figures += asyncio.run(_platform_figures(platform, sizes, logs, details))
            figures += _memory_figures(platform)
        with TansuBroker(log_dir=logs) as broker:
            step("relay, projection and rebuild, on a broker of their own")
            figures += asyncio.run(bench_components.component_figures(
                postgres, broker.bootstrap_servers, DATABASE_PREFIX, logs,
                relay_events=sizes.relay_events, rebuild_events=sizes.rebuild_events))
    print(f"\nBenchmark finished in {time.monotonic() - clock:.0f} s on {machine()}\n")
    print(table(figures))
    path = write_json(figures, STATE_DIR, started, {"sizes": asdict(sizes), "load": details})
    print(f"\nJSON: {path}")
    return 0


def step(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", flush=True)


async def _platform_figures(platform: LocalPlatform, sizes: Sizes, logs: Path, details: dict) -> list[Figure]:
    auth = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)
    step(f"world: {sizes.cards} cards, {sizes.venues * sizes.offers_per_venue} offers, through the APIs")
    requests = await bench_visits.build_world(platform, auth, cards=sizes.cards, venues=sizes.venues,
                                              offers_per_venue=sizes.offers_per_venue)
    step("visit recording against the bare route")
    figures, details["visits"] = await bench_visits.visit_figures(
        platform, requests, logs, concurrency=sizes.concurrency, seconds=sizes.load_seconds,
        warmup=sizes.warmup_seconds)
    step("visit recording on two usage instances")
    two, details["visits_two_instances"] = await bench_visits.two_instance_figure(
        platform, requests, logs, one_instance=figures[0].ours, concurrency=sizes.concurrency,
        seconds=sizes.load_seconds, warmup=sizes.warmup_seconds)
    figures.append(two)
    step(f"freshness at {sizes.freshness_rate:.0f} visits/s")
    *freshness, details["freshness"] = await bench_visits.freshness_figure(
        platform, requests, rate=sizes.freshness_rate, seconds=sizes.freshness_seconds)
    figures += freshness
    step(f"catalogue: {sizes.catalogue_offers:,} offers, {sizes.catalogue_queries} searches")
    await bench_catalogue.load_catalogue(platform.url("venues"), platform.database_url("venues"),
                                         sizes.catalogue_offers)
    latencies = sorted(await bench_catalogue.search_latencies(platform.url("venues"), sizes.catalogue_queries,
                                                              sizes.catalogue_concurrency))
    figures.append(Figure(f"catalogue search p95 over {sizes.catalogue_offers:,} offers", "ms",
                          latencies[int(0.95 * (len(latencies) - 1))] * 1000, None, "< 50 ms",
                          f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
                          f"{sizes.catalogue_concurrency} at a time"))
    return figures


def _memory_figures(platform: LocalPlatform) -> list[Figure]:
    return [Figure(f"memory: {name} resident after the run", "MB",
                   psutil.Process(process.process.pid).memory_info().rss / 2**20, None, "< 150 MB")
            for name, process in platform.services.items()]


if __name__ == "__main__":
    sys.exit(main())
