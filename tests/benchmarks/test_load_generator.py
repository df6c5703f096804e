"""The benchmark's load generator counts what the server did: each accepted request is one row
written by the bare route, and an open-loop run starts requests on its schedule."""

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
    port = free_port()
    log = (tmp_path / "bare_route.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bare_visit_route:app", "--app-dir", str(HERE), "--port", str(port),
         "--no-access-log"], env={"BARE_DATABASE_URL": fresh_database, "PATH": ""}, stdout=log,
        stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, (tmp_path / "bare_route.log").read_text()
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


async def _rows(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM visits")
    finally:
        await conn.close()
