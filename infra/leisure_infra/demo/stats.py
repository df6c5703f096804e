"""Stats demo: the statistics service emits nothing and takes no input, so its part of the demo is to
wait until its projection has applied the demo's cards (from the topics, as in production), then
note what the figures show. Counts are perturbed (the cell-key method), so the wait reads the
projection's applied-events counter in /metrics rather than a figure."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from prometheus_client.parser import text_string_to_metric_families

from leisure_contracts.events import CardIssued
from leisure_runtime.auth import AuthSettings, Role, mint_token

WAIT_SECONDS = 30


def cards_applied(client: httpx.Client) -> int:
    """CardIssued events the stats projection has applied, as its /metrics counts them."""
    return int(sum(sample.value for family in text_string_to_metric_families(client.get("/metrics").text)
                   for sample in family.samples
                   if sample.name == "leisure_events_consumed_total" and sample.labels.get("outcome") == "applied"
                   and sample.labels.get("type") == CardIssued.event_type()))


def load(stats_url: str, auth: AuthSettings, summary: dict[str, int]) -> dict:
    """Wait for the demo's cards in the projection; return the holder figures of this year."""
    token = mint_token(auth, Role.stats_reader, "demo-stats-reader", national=True)
    year = datetime.now(ZoneInfo("Europe/Helsinki")).year  # stats counts Finnish days
    deadline = time.monotonic() + WAIT_SECONDS
    with httpx.Client(base_url=stats_url, timeout=10) as client:
        while (applied := cards_applied(client)) < summary.get("cards", 0) and time.monotonic() < deadline:
            time.sleep(0.5)
        response = client.get("/v1/figures/holders", params={"year": year, "by": "age_band"},
                              headers={"Authorization": f"Bearer {token}"})
        if response.status_code >= 400:
            raise RuntimeError(f"demo data: GET /v1/figures/holders answered {response.status_code}: {response.text}")
    answer = response.json()
    summary.update(stats_cards_applied=applied, stats_holders_published=answer["total"]["issued"]["value"])
    return answer
