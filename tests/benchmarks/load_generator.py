"""HTTP load from a process of its own, bounded in requests and time: `make bench` runs it beside
the service under test so that generating load does not borrow the service's event loop.

Reads one JSON job on stdin and writes one JSON result on stdout. A job names the URL (or `urls`,
several instances of one service, sent to in turn as a load balancer would), the request bodies (sent round-robin, each with a fresh idempotency key) with their headers, and a mode:
- "closed": `concurrency` clients each send the next request when the last one answered; the
  completion rate after the warm-up is the most the service sustains at that concurrency;
- "open": requests start on a fixed schedule at `rate` per second, whether or not earlier ones
  have answered, and latency counts from the scheduled start (no coordinated omission).
"""

import asyncio
import json
import sys
import time
import uuid
from collections import Counter

import aiohttp


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Load:
    def __init__(self, job: dict) -> None:
        self.job = job
        self.templates = job["requests"]
        self.urls = job.get("urls") or [job["url"]]
        self.sent = 0
        self.statuses: Counter[int] = Counter()
        self.latencies: list[float] = []
        self.failures: Counter[str] = Counter()
        self.acknowledged: list[tuple[float, str]] = []  # (wall clock at the answer, the answer's id)
        self.measure_from = 0.0

    def next_request(self) -> tuple[str, dict, dict]:
        template = self.templates[self.sent % len(self.templates)]
        url = self.urls[self.sent % len(self.urls)]
        self.sent += 1
        return url, template["headers"], template["body"] | {"idempotency_key": uuid.uuid4().hex}

    async def send(self, session: aiohttp.ClientSession, started: float) -> None:
        url, headers, body = self.next_request()
        try:
            async with session.post(url, json=body, headers=headers) as response:
                answer = await response.read()
                status = response.status
        except aiohttp.ClientError as error:
            self.failures[type(error).__name__] += 1
            return
        done = time.perf_counter()
        if started < self.measure_from:
            return
        self.statuses[status] += 1
        self.latencies.append(done - started)
        if status < 300 and (path := self.job.get("record_id")):
            value = json.loads(answer)
            for key in path:
                value = value[key]
            self.acknowledged.append((time.time(), value))
        elif status >= 300 and len(self.failures) < 5:
            self.failures[f"{status}: {answer[:200].decode(errors='replace')}"] += 1

    async def closed(self, session: aiohttp.ClientSession, until: float) -> None:
        async def client() -> None:
            while time.perf_counter() < until and self.sent < self.job["max_requests"]:
                await self.send(session, time.perf_counter())

        await asyncio.gather(*(client() for _ in range(self.job["concurrency"])))

    async def open(self, session: aiohttp.ClientSession, until: float) -> None:
        interval, start, pending = 1 / self.job["rate"], time.perf_counter(), set()
        n = 0
        while (scheduled := start + n * interval) < until and n < self.job["max_requests"]:
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            task = asyncio.create_task(self.send(session, scheduled))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        await asyncio.gather(*pending)

    async def run(self) -> dict:
        job = self.job
        connector = aiohttp.TCPConnector(limit=job.get("concurrency", 256), force_close=False)
        async with aiohttp.ClientSession(connector=connector) as session:
            started = time.perf_counter()
            self.measure_from = started + job["warmup"]
            until = started + job["warmup"] + job["duration"]
            await (self.closed if job["mode"] == "closed" else self.open)(session, until)
            elapsed = time.perf_counter() - self.measure_from
        counted = sum(self.statuses.values())
        ok = sum(n for status, n in self.statuses.items() if status < 300)
        return {
            "mode": job["mode"], "counted": counted, "ok": ok, "seconds": elapsed,
            "rate": ok / elapsed if elapsed > 0 else 0.0,
            "p50_ms": _ms(percentile(self.latencies, 0.50)), "p99_ms": _ms(percentile(self.latencies, 0.99)),
            "statuses": {str(status): n for status, n in self.statuses.items()},
            "failures": dict(self.failures), "acknowledged": self.acknowledged,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def main() -> None:
    job = json.load(sys.stdin)
    json.dump(asyncio.run(Load(job).run()), sys.stdout)


if __name__ == "__main__":
    main()
