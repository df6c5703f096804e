"""Visit recording, the platform's hot path: usage's POST /v1/visits against a bare FastAPI route
that inserts one row with asyncpg, each at the most it sustains and at half of that; and how soon
a recorded visit is visible in stats under a steady rate of visits.

The world is made through the services' own APIs: one programme, its distributor, cards, venues
with open offers of ample quota; each visit request names another card than the one before, as at
many box offices at once.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from figures import Figure, cpu_seconds, load_average
from leisure_contracts.events import VisitRecorded
from leisure_infra.local_platform import LocalPlatform
from leisure_infra.ports import free_port
from leisure_infra.services import ServiceProcess, ServiceSpec, wait_until_ready
from leisure_runtime.auth import AuthSettings, Role, mint_token

LOAD_GENERATOR = Path(__file__).with_name("load_generator.py")
REGION = "uusimaa"
PROGRAMME = {
    "programme_id": "bench-pass", "name": {"fi": "Benchmark-passi"}, "home_region": REGION,
    "eligibility_criteria": ["Client of adult social work"], "validity_months": 12, "children_allowance": 2,
    "escort_free": False, "accepted_in_all_regions": False, "participating_regions": [REGION],
    "reward_rule": {"every_visits": 20, "description": "Two cinema tickets"},
}
DISTRIBUTOR = {"distributor_id": "bench-social-office", "name": {"fi": "Sosiaalitoimisto"},
               "kind": "social_office", "region": REGION}
BACKGROUND = {"age": 40, "gender": "not_told", "mother_tongue": "finnish", "life_situation": "unemployed",
              "postal_code": "02100"}
WAIT_SECONDS = 120


async def build_world(platform: LocalPlatform, auth: AuthSettings, *, cards: int, venues: int,
                      offers_per_venue: int) -> list[dict]:
    """Cards, venues and offers through the APIs; returns visit requests (headers and body) that
    usage will accept, cycling through the cards."""
    coordinator = mint_token(auth, Role.coordinator, "bench-coordinator", region=REGION)
    distributor = mint_token(auth, Role.distributor, "bench-worker", region=REGION,
                             organisation=DISTRIBUTOR["distributor_id"])
    limit = asyncio.Semaphore(8)

    async def post(client: httpx.AsyncClient, path: str, body: dict, token: str) -> dict:
        async with limit:
            response = await client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        if response.status_code >= 400:
            raise RuntimeError(f"benchmark world: POST {path} answered {response.status_code}: {response.text}")
        return response.json()

    async with httpx.AsyncClient(base_url=platform.url("issuance"), timeout=30) as issuance:
        await post(issuance, "/v1/programmes", PROGRAMME, coordinator)
        await post(issuance, "/v1/distributors", DISTRIBUTOR, coordinator)
        issued = await asyncio.gather(*(post(issuance, "/v1/cards", {
            "programme_id": PROGRAMME["programme_id"], "criteria_confirmed": PROGRAMME["eligibility_criteria"],
            "background": BACKGROUND}, distributor) for _ in range(cards)))
    offers = []
    async with httpx.AsyncClient(base_url=platform.url("venues"), timeout=30) as venues_api:
        for n in range(venues):
            venue = await post(venues_api, "/v1/venues", {
                "name": {"fi": f"Liikuntahalli {n}"}, "region": REGION, "municipality": "Espoo",
                "kind": "swimming_hall", "postal_code": "02100", "languages": ["fi"]}, coordinator)
            staff = mint_token(auth, Role.venue_staff, f"bench-staff-{n}", venues=[venue["venue_id"]],
                               ttl_seconds=3 * 3600)
            for m in range(offers_per_venue):
                offer = await post(venues_api, f"/v1/venues/{venue['venue_id']}/offers", {
                    "category": "sport", "kind": "free_entry", "title": {"fi": f"Uintivuoro {m}"},
                    "quota": 1_000_000, "accepted_programmes": [PROGRAMME["programme_id"]]}, staff)
                offers.append((offer["offer_id"], staff))
    await _wait_until_usage_knows(platform, cards=len(issued), offers=len(offers))
    return [{"headers": {"Authorization": f"Bearer {offers[n % len(offers)][1]}"},
             "body": {"card_number": card["card_number"], "offer_id": offers[n % len(offers)][0], "tickets": 1}}
            for n, card in enumerate(issued)]


async def _wait_until_usage_knows(platform: LocalPlatform, *, cards: int, offers: int) -> None:
    conn = await asyncpg.connect(platform.database_url("usage"))
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while (await conn.fetchval("SELECT count(*) FROM cards WHERE programme_id = $1", PROGRAMME["programme_id"]),
               await conn.fetchval("SELECT count(*) FROM offers")) < (cards, offers):
            if time.monotonic() > deadline:
                raise RuntimeError(f"usage did not learn the benchmark's cards and offers in {WAIT_SECONDS} s")
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def run_load(job: dict) -> dict:
    """Runs the load generator in a process of its own and returns its result."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(LOAD_GENERATOR), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    output, _ = await process.communicate(json.dumps(job).encode())
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed with code {process.returncode}")
    return json.loads(output)


class BareRoute:
    """The baseline route in a uvicorn process of its own, served as the services are."""

    def __init__(self, platform: LocalPlatform, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/visits"
        self._database_url = platform.postgres.recreate_database(f"{platform.database_prefix}_bare_route")
        self._log = (log_dir / "bare_route.log").open("ab")
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "BareRoute":
        self._process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bare_visit_route:app", "--app-dir", str(Path(__file__).parent),
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
            env={**os.environ, "BARE_DATABASE_URL": self._database_url}, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/openapi.json", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare route did not start; see bare_route.log")
            time.sleep(0.2)

    def __exit__(self, *_exc_info) -> None:
        self._process.terminate()
        self._process.wait(15)
        self._log.close()


async def visit_figures(platform: LocalPlatform, requests: list[dict], log_dir: Path, *, concurrency: int,
                        seconds: float, warmup: float) -> tuple[list[Figure], dict]:
    """Most sustained requests/s of each (closed loop), then p50/p99 of each at half its own rate."""
    ours_url = f"{platform.url('usage')}/v1/visits"
    results = {}
    with BareRoute(platform, log_dir) as bare:
        for name, url in (("bare", bare.url), ("ours", ours_url)):
            results[f"{name}_max"] = await run_load({
                "url": url, "requests": requests, "mode": "closed", "concurrency": concurrency,
                "warmup": warmup, "duration": seconds, "max_requests": 200_000})
        results["ours_max"]["usage_cores"] = await _cores_busy([platform.services["usage"].process.pid], {
            "url": ours_url, "requests": requests, "mode": "closed", "concurrency": concurrency,
            "warmup": 0, "duration": min(seconds, 5), "max_requests": 200_000})
        for name, url in (("bare", bare.url), ("ours", ours_url)):
            half = results[f"{name}_max"]["rate"] / 2
            results[f"{name}_half"] = await run_load({
                "url": url, "requests": requests, "mode": "open", "rate": half, "concurrency": concurrency,
                "warmup": warmup, "duration": seconds, "max_requests": 200_000})
    for name, result in results.items():
        _check_answers(name, result)
    ours_max, bare_max = results["ours_max"]["rate"], results["bare_max"]["rate"]
    figures = [
        Figure("visit recording, most sustained", "requests/s", ours_max, bare_max, "ratio ≥ 1.0",
               f"{concurrency} clients, {seconds:.0f} s; usage kept {results['ours_max']['usage_cores']:.2f} cores "
               f"busy, {load_average()}"),
        Figure("visit recording p50 at half rate", "ms", results["ours_half"]["p50_ms"],
               results["bare_half"]["p50_ms"], "", f"ours at {ours_max / 2:,.0f}/s, bare at {bare_max / 2:,.0f}/s"),
        Figure("visit recording p99 at half rate", "ms", results["ours_half"]["p99_ms"],
               results["bare_half"]["p99_ms"], "< 50 ms", ""),
    ]
    return figures, {name: {k: v for k, v in r.items() if k != "acknowledged"} for name, r in results.items()}


async def two_instance_figure(platform: LocalPlatform, requests: list[dict], log_dir: Path, *, one_instance: float,
                              concurrency: int, seconds: float, warmup: float) -> tuple[Figure, dict]:
    """A second usage process on the same database; the load generator sends to both in turn, as
    a load balancer would (a balancer of our own in Python would take CPU from the same cores)."""
    first = platform.services["usage"]
    spec = ServiceSpec("usage", free_port())
    second = ServiceProcess(spec, first.environment | {"USAGE_HTTP_PORT": str(spec.port)}, log_dir / "usage-2.log")
    second.start()
    try:
        wait_until_ready([second])
        job = {"urls": [f"{first.spec.url}/v1/visits", f"{spec.url}/v1/visits"], "requests": requests,
               "mode": "closed", "concurrency": concurrency, "warmup": warmup, "duration": seconds,
               "max_requests": 200_000}
        result = await run_load(job)
        cores = await _cores_busy([first.process.pid, second.process.pid], job | {"warmup": 0,
                                                                               "duration": min(seconds, 5)})
    finally:
        second.stop()
    _check_answers("two instances", result)
    return (Figure("visit recording, most sustained, 2 usage instances", "requests/s", result["rate"], one_instance,
                   "ratio > 1", f"one database; the two kept {cores:.2f} cores busy, {load_average()}; "
                                f"baseline: 1 instance, {concurrency} clients, {seconds:.0f} s"),
            {k: v for k, v in result.items() if k != "acknowledged"})


async def _cores_busy(pids: list[int], job: dict) -> float:
    """A short load of its own, while the processes' CPU is read: reading it around the measured run
    would not tell the warm-up apart."""
    cpu, wall = cpu_seconds(pids), time.monotonic()
    _check_answers("cores busy", await run_load(job))
    return (cpu_seconds(pids) - cpu) / (time.monotonic() - wall)


def _check_answers(name: str, result: dict) -> None:
    """A benchmark of refusals would measure the wrong thing: every request must have been accepted."""
    if result["ok"] == 0 or result["ok"] < result["counted"] or result["failures"]:
        raise RuntimeError(f"{name}: not every request was accepted: {result['statuses']} {result['failures']}")


async def freshness_figure(platform: LocalPlatform, requests: list[dict], *, rate: float,
                           seconds: float) -> tuple[Figure, Figure, dict]:
    """Visits at a steady rate; each one's time from its 201 to its event being applied by stats,
    seen by polling stats' record of applied events (committed with the statistics themselves)."""
    stats = await asyncpg.connect(platform.database_url("stats"))
    seen: dict[str, float] = {}
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            for row in await stats.fetch("SELECT event_id::text FROM processed_events "
                                         "WHERE processed_at > now() - interval '30 seconds'"):
                seen.setdefault(row["event_id"], time.time())
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    try:
        result = await run_load({
            "url": f"{platform.url('usage')}/v1/visits", "requests": requests, "mode": "open", "rate": rate,
            "concurrency": 64, "warmup": 0, "duration": seconds, "max_requests": int(rate * seconds) + 1,
            "record_id": ["visit", "visit_id"]})
        _check_answers("freshness", result)
        visit_events = await _visit_event_ids(platform, [visit_id for _, visit_id in result["acknowledged"]])
        deadline = time.monotonic() + 30
        while not all(event_id in seen for event_id in visit_events.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await watcher
        await stats.close()
    delays = sorted(seen[visit_events[visit_id]] - acknowledged for acknowledged, visit_id in result["acknowledged"]
                    if visit_events.get(visit_id) in seen)
    missing = len(result["acknowledged"]) - len(delays)
    note = f"{len(delays)} visits at {rate:.0f}/s" + (f", {missing} not seen within 30 s" if missing else "")
    p50, p99 = (delays[int(q * (len(delays) - 1))] * 1000 if delays else None for q in (0.5, 0.99))
    return (Figure("freshness p50: visit recorded → in stats", "ms", p50, None, "", note),
            Figure("freshness p99: visit recorded → in stats", "ms", p99, None, "< 1,000 ms", note),
            {k: v for k, v in result.items() if k != "acknowledged"})


async def _visit_event_ids(platform: LocalPlatform, visit_ids: list[str]) -> dict[str, str]:
    conn = await asyncpg.connect(platform.database_url("usage"))
    try:
        rows = await conn.fetch("SELECT data->>'visit_id' AS visit_id, event_id::text FROM events "
                                "WHERE event_type = $1 AND data->>'visit_id' = ANY($2::text[])",
                                VisitRecorded.event_type(), visit_ids)
    finally:
        await conn.close()
    return {row["visit_id"]: row["event_id"] for row in rows}
