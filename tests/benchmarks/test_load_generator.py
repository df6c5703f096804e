"""The benchmark's load generator counts what the server did: each accepted request is one row
written by the bare route, and an open-loop run starts requests on its schedule."""

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest

from leisure_infra.ports import free_port

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


@pytest.fixture
def bare_route(fresh_database, tmp_path):
    with serving_bare_route(fresh_database, tmp_path / "bare_route.log") as url:
        yield url


@contextlib.contextmanager
def serving_bare_route(database_url: str, log_path: Path):
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bare_visit_route:app", "--app-dir", str(HERE), "--port", str(port),
         "--no-access-log"], env={"BARE_DATABASE_URL": database_url, "PATH": ""}, stdout=log,
        stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/visits"
    process.terminate()
    process.wait(10)
    log.close()


def generate(job: dict) -> dict:
    done = subprocess.run([sys.executable, str(HERE / "load_generator.py")], input=json.dumps(job), text=True,
                          capture_output=True, timeout=60, check=True)
    return json.loads(done.stdout)


def job(url: str, **settings) -> dict:
    requests = [{"headers": {}, "body": {"card_number": f"{n:012d}", "offer_id": str(uuid4())}} for n in range(3)]
    return {"url": url, "requests": requests, "warmup": 0, "duration": 1.0, "max_requests": 10_000,
            "concurrency": 4} | settings


async def test_closed_loop_counts_every_accepted_request_once(bare_route, fresh_database):
    result = generate(job(bare_route, mode="closed", record_id=["visit_id"]))
    rows = await _rows(fresh_database)
    assert result["ok"] == result["counted"] == rows > 0
    assert result["statuses"] == {"201": rows}
    assert len({visit_id for _, visit_id in result["acknowledged"]}) == rows
    assert result["rate"] == pytest.approx(rows / result["seconds"])


async def test_open_loop_sends_on_schedule_and_stops_at_the_bound(bare_route, fresh_database):
    result = generate(job(bare_route, mode="open", rate=40, duration=5.0, max_requests=25))
    assert result["counted"] == 25 == await _rows(fresh_database)
    assert 0 < result["p50_ms"] <= result["p99_ms"]


async def test_requests_go_to_several_instances_in_turn(bare_route, fresh_database, database_factory, tmp_path):
    other_database = database_factory()
    with serving_bare_route(other_database, tmp_path / "other_route.log") as other_route:
        result = generate(job(None, urls=[bare_route, other_route], mode="open", rate=40, duration=5.0,
                              max_requests=25))
    assert result["ok"] == 25
    assert (await _rows(fresh_database), await _rows(other_database)) == (13, 12)


async def _rows(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM visits")
    finally:
        await conn.close()
