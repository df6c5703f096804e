"""Several instances of a service, each a separate process, give the same results as one:
- two usage instances on one database behind one address (a round-robin proxy): the last places
  are never oversold, a reward is earned once, the yearly limit holds, and only one instance's
  relay publishes;
- three stats instances in one consumer group on one database apply the partitions in parallel and
  end with exactly the rows (of this module's cards, venues and visits, in every table) and the
  yearly report of a single instance reading the same topics.
"""

import asyncio
import re
import time
from datetime import datetime, timezone
from uuid import uuid4

import asyncpg
import httpx
import pytest

from leisure_contracts.events import RewardEarned, VisitRecorded
from leisure_contracts.topics import Topic
from leisure_infra.round_robin import round_robin
from leisure_infra.service_testing import TEST_TIMINGS, eventually
from leisure_infra.services import ServiceProcess, ServiceSpec, service_environment, wait_until_ready
from leisure_infra.ports import free_port
from leisure_runtime.auth import AuthSettings, Role, mint_token
from leisure_runtime.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.crossservice]

AUTH = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)
# A region of its own: the broker's topics hold other modules' cards too, and their stats read them.
REGION = "pirkanmaa"
COORDINATOR = mint_token(AUTH, Role.coordinator, "coordinator-1", region=REGION)
DISTRIBUTOR = mint_token(AUTH, Role.distributor, "worker-1", region=REGION, organisation="scale-social-office")
STATS_READER = mint_token(AUTH, Role.stats_reader, "reader-1", region=REGION)
USAGE_INSTANCES, STATS_INSTANCES = 2, 3
REWARD_EVERY, YEARLY_LIMIT = 5, 12
BACKGROUND = {"age": 52, "gender": "male", "mother_tongue": "swedish", "life_situation": "retired",
              "postal_code": "33100", "children_under_16": 0}
PROGRAMME = {
    "programme_id": "scale-pass", "name": {"fi": "Aktiivipassi"}, "home_region": REGION,
    "eligibility_criteria": ["Client of adult social work"], "children_allowance": 0,
    "participating_regions": [REGION], "yearly_use_limit": YEARLY_LIMIT,
    "reward_rule": {"every_visits": REWARD_EVERY, "description": "Two cinema tickets"},
}
# The relay's advisory lock (leisure_runtime.outbox): a key below 2^32 shows as objid with classid 0.
RELAY_LOCK = 0x4C50_524C


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def instances(name: str, count: int, database_url: str, broker, logs, **variables) -> list[ServiceProcess]:
    """`count` processes of one service on one database, each on a port of its own."""
    processes = []
    for n in range(count):
        spec = ServiceSpec(name, free_port())
        environment = service_environment(spec, database_url, broker.bootstrap_servers, broker.supports_idempotence,
                                          TEST_TIMINGS | variables)
        processes.append(ServiceProcess(spec, environment, logs / f"{name}-{n}.log"))
    return processes


@pytest.fixture(scope="module")
def scaled(kafka_broker, database_factory, tmp_path_factory):
    """issuance and venues once; usage twice on one database; stats three times in one group on one
    database, and once more alone on another as the reference. The broker is shared with other
    modules' services: the three and usage take fresh group names, and read the topics from the
    start; the reference keeps the default group, so that the next module's stats (in that group
    too) does not meet this module's events."""
    logs = tmp_path_factory.mktemp("scale-out-logs")
    suffix = uuid4().hex[:8]
    processes = {
        # Its own card-number key: another module's issuance, on a database as fresh, hands out the
        # same numbers, which usage (reading the whole topic) would refuse as taken.
        "issuance": instances("issuance", 1, database_factory(), kafka_broker, logs,
                              CARD_NUMBER_KEY=f"scale-out-card-number-key-{suffix}"),
        "venues": instances("venues", 1, database_factory(), kafka_broker, logs),
        "usage": instances("usage", USAGE_INSTANCES, database_factory(), kafka_broker, logs,
                           READ_MODEL_CONSUMER=f"usage-read-models-{suffix}"),
        "stats": instances("stats", STATS_INSTANCES, database_factory(), kafka_broker, logs,
                           PROJECTION_NAME=f"stats-scaled-{suffix}"),
        "stats-reference": instances("stats", 1, database_factory(), kafka_broker, logs),
    }
    everything = [process for group in processes.values() for process in group]
    try:
        for process in everything:
            process.start()
        wait_until_ready(everything, timeout=120)
        _wait_until_consumers_run(everything)
        yield processes
    finally:
        for process in everything:
            process.stop()


def _wait_until_consumers_run(processes: list[ServiceProcess], timeout: float = 120) -> None:
    """Until every instance has joined its consumer groups, so that the partitions are shared out."""
    deadline = time.monotonic() + timeout
    for process in processes:
        while httpx.get(f"{process.spec.url}/ready").json()["informational"].get("consumers") == "starting":
            assert time.monotonic() < deadline, f"{process.spec.name} never joined its consumer groups"
            time.sleep(0.5)


@pytest.fixture(scope="module")
async def usage_url(scaled):
    """The usage instances behind one address."""
    async with round_robin([("127.0.0.1", p.spec.port) for p in scaled["usage"]]) as proxy:
        yield proxy.url


def balanced_client() -> httpx.AsyncClient:
    # A connection per request, so that the proxy spreads requests, not only connections.
    return httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_keepalive_connections=0))


@pytest.fixture(scope="module")
async def world(scaled):
    """The programme, its distributor, 60 cards and a venue with two offers, through the APIs; waits
    until usage has learnt them. Returns (card numbers, offer ids by name, venue staff token)."""
    issuance, venues = scaled["issuance"][0].spec.url, scaled["venues"][0].spec.url
    async with httpx.AsyncClient(timeout=30) as client:
        for path, body in (("/v1/programmes", PROGRAMME), ("/v1/distributors", {
                "distributor_id": "scale-social-office", "name": {"fi": "Sosiaalitoimisto"},
                "kind": "social_office", "region": REGION})):
            answer = await client.post(f"{issuance}{path}", headers=bearer(COORDINATOR), json=body)
            assert answer.status_code == 201, answer.text
        cards = []
        for _ in range(60):
            answer = await client.post(f"{issuance}/v1/cards", headers=bearer(DISTRIBUTOR), json={
                "programme_id": PROGRAMME["programme_id"], "criteria_confirmed": PROGRAMME["eligibility_criteria"],
                "background": BACKGROUND})
            assert answer.status_code == 201, answer.text
            cards.append(answer.json())
        venue = await client.post(f"{venues}/v1/venues", headers=bearer(COORDINATOR), json={
            "name": {"fi": "Uimahalli"}, "region": REGION, "municipality": "Tampere", "kind": "swimming_hall",
            "postal_code": "33100", "languages": ["fi"]})
        assert venue.status_code == 201, venue.text
        staff = mint_token(AUTH, Role.venue_staff, "staff-1", venues=[venue.json()["venue_id"]])
        offers = {}
        for name, quota in (("last-places", 10), ("open", None)):
            offer = await client.post(f"{venues}/v1/venues/{venue.json()['venue_id']}/offers", headers=bearer(staff),
                                      json={"category": "sport", "kind": "free_entry", "title": {"fi": name},
                                            "quota": quota, "accepted_programmes": [PROGRAMME["programme_id"]]})
            assert offer.status_code == 201, offer.text
            offers[name] = offer.json()["offer_id"]

    async def usage_knows_all() -> bool:
        [known] = await query(database(scaled, "usage"), (
            "SELECT (SELECT count(*) FROM cards WHERE programme_id = $1), "
            "(SELECT count(*) FROM offers WHERE offer_id = ANY($2::uuid[]))"),
            PROGRAMME["programme_id"], list(offers.values()))
        return tuple(known) == (len(cards), len(offers))

    await eventually(usage_knows_all, timeout=60)
    return [card["card_number"] for card in cards], offers, staff


def database(scaled, service: str) -> str:
    return scaled[service][0].environment[f"{service.split('-')[0].upper()}_DATABASE_URL"]


async def query(database_url: str, sql: str, *args) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def metric_total(process: ServiceProcess, name: str, **labels: str) -> float:
    """The sum of an instance's samples of a metric that carry these label values."""
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(f"{process.spec.url}/metrics")).text
    total = 0.0
    for sample_labels, value in re.findall(rf"^{name}{{([^}}]*)}} (\S+)$", metrics, re.M):
        if all(f'{label}="{wanted}"' in sample_labels.split(",") for label, wanted in labels.items()):
            total += float(value)
    return total


async def test_two_usage_instances_never_oversell_the_last_places(scaled, usage_url, world):
    cards, offers, staff = world
    rush = cards[:40]

    async with balanced_client() as client:
        answers = await asyncio.gather(*(client.post(f"{usage_url}/v1/visits", headers=bearer(staff), json={
            "card_number": number, "offer_id": offers["last-places"], "idempotency_key": uuid4().hex})
            for number in rush))
        places = await client.get(f"{usage_url}/v1/offers/{offers['last-places']}/places", headers=bearer(staff))

    accepted = [a for a in answers if a.status_code == 201]
    refused = {(a.status_code, a.json()["code"]) for a in answers if a.status_code != 201}
    assert len(accepted) == 10
    assert refused == {(422, "no_places_left")}
    assert sorted(a.json()["places_left"] for a in accepted) == list(range(10))
    assert places.json()["tickets_taken"] == 10 and places.json()["places_left"] == 0
    served = [await metric_total(p, "leisure_http_requests_total", route="/v1/visits") for p in scaled["usage"]]
    assert all(n >= 15 for n in served), f"the proxy did not spread the rush: {served}"


async def test_two_usage_instances_earn_each_reward_once_and_keep_the_yearly_limit(scaled, usage_url, world):
    cards, offers, staff = world
    card = cards[-1]
    visits = YEARLY_LIMIT + 6

    async def visit(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(f"{usage_url}/v1/visits", headers=bearer(staff), json={
            "card_number": card, "offer_id": offers["open"], "idempotency_key": uuid4().hex})

    answers = []
    async with balanced_client() as client:
        # Three at a time: the same card's visits reach both instances at once.
        for _ in range(visits // 3):
            answers += await asyncio.gather(*(visit(client) for _ in range(3)))

    accepted = [a.json() for a in answers if a.status_code == 201]
    refused = [(a.status_code, a.json()["code"]) for a in answers if a.status_code != 201]
    assert len(accepted) == YEARLY_LIMIT
    assert refused == [(422, "yearly_limit_reached")] * (visits - YEARLY_LIMIT)
    rewards = sorted(a["reward"]["visits_counted"] for a in accepted if a["reward"] is not None)
    assert rewards == [REWARD_EVERY * n for n in range(1, YEARLY_LIMIT // REWARD_EVERY + 1)]

    [(card_id,)] = await query(database(scaled, "usage"), "SELECT card_id FROM cards WHERE card_number = $1", card)

    async with httpx.AsyncClient() as client:
        progress = await client.get(f"{usage_url}/v1/cards/{card_id}/reward-progress", headers=bearer(DISTRIBUTOR))
    assert progress.json()["counted_visits"] == YEARLY_LIMIT
    assert progress.json()["rewards_earned"] == len(rewards)


async def test_one_usage_relay_publishes_while_the_other_stands_by(scaled, usage_url, world, read_topic):
    stored = {str(r["event_id"]) for r in await query(
        database(scaled, "usage"), "SELECT event_id FROM events WHERE event_type = ANY($1::text[])",
        [VisitRecorded.event_type(), RewardEarned.event_type()])}
    [(holders,)] = await query(
        database(scaled, "usage"),
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", RELAY_LOCK)
    assert stored and holders == 1

    async def all_published():
        on_topic = {r.header("ce_id").decode() for r in await read_topic(Topic.VISITS.value)}
        return stored <= on_topic

    await eventually(all_published)
    published = [await metric_total(p, "leisure_events_published_total") for p in scaled["usage"]]
    assert sorted(n > 0 for n in published) == [False, True], f"events published by each instance: {published}"


# This module's rows of each stats table: the three instances read other modules' events too.
WORLD_ROWS = {
    "holders": "programme_id = $1", "visits": "programme_id = $1", "rewards": "programme_id = $1",
    "renewals": "holder IN (SELECT holder FROM holders WHERE programme_id = $1)",
    "revocations": "holder IN (SELECT holder FROM holders WHERE programme_id = $1)",
    "cancelled_visits": "visit IN (SELECT visit FROM visits WHERE programme_id = $1)",
    "venues": "region = $1", "offers": "region = $1",
    "offer_withdrawals": "offer_id IN (SELECT offer_id FROM offers WHERE region = $1)",
}
BY_REGION = {"venues", "offers", "offer_withdrawals"}


async def test_three_stats_instances_end_with_the_tables_and_report_of_one(scaled, usage_url, world, read_topic):
    from stats.adapters.projection import TABLES, TOPICS, Projection

    assert set(WORLD_ROWS) == set(TABLES)

    handled = {event_class.event_type() for event_class in Projection(None, None).handlers()}
    scaled_url, reference_url = database(scaled, "stats"), database(scaled, "stats-reference")

    async def topics_now() -> set[str]:
        return {r.header("ce_id").decode() for topic in TOPICS for r in await read_topic(topic)
                if r.header("ce_type") and r.header("ce_type").decode() in handled}

    # Everything the tests above caused, as far as stats reads it, once it is all on the topics.
    caused = {str(r["event_id"]) for service in ("issuance", "venues", "usage")
              for r in await query(database(scaled, service), "SELECT event_id FROM events")}
    visits = {str(r["event_id"]) for r in await query(database(scaled, "usage"), "SELECT event_id FROM events")}
    await eventually(lambda: _contains(topics_now, visits))
    expected = caused & await topics_now()

    async def applied(database_url: str) -> set[str] | None:
        ids = {str(r["event_id"]) for r in await query(database_url, "SELECT event_id FROM processed_events")}
        return ids if expected <= ids else None

    await eventually(lambda: applied(scaled_url), timeout=60)
    await eventually(lambda: applied(reference_url), timeout=60)

    for table, rows_of_world in WORLD_ROWS.items():
        argument = REGION if table in BY_REGION else PROGRAMME["programme_id"]
        rows = [sorted(map(tuple, await query(url, f"SELECT * FROM {table} WHERE {rows_of_world}", argument)))
                for url in (scaled_url, reference_url)]
        assert rows[0] == rows[1], table
        if table in ("holders", "visits", "rewards", "venues", "offers"):
            assert rows[0], f"no rows of this test in {table}"
    year = datetime.now(timezone.utc).year
    reports = []
    for process in (*scaled["stats"], scaled["stats-reference"][0]):
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{process.spec.url}/v1/reports/yearly.csv", params={"year": year},
                                      headers=bearer(STATS_READER))
        assert answer.status_code == 200, answer.text
        reports.append(answer.text)
    assert all(report == reports[-1] for report in reports)

    # Every instance took a share of the partitions, and no batch failed (no deadlock between them).
    for process in scaled["stats"]:
        log = process.log_path.read_text()
        assert "applying a batch failed" not in log, process.log_path
    applied_by_each = [await metric_total(p, "leisure_events_consumed_total", outcome="applied")
                       for p in scaled["stats"]]
    assert sum(n > 0 for n in applied_by_each) >= 2, f"events applied by each instance: {applied_by_each}"


async def _contains(read, wanted: set[str]) -> bool:
    return wanted <= await read()
