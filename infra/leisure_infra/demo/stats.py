"""Stats demo: the statistics service emits nothing and takes no input, so its part of the demo is to
wait until its projection has counted the demo's cards (from the topics, as in production), then
note what the figures show, suppressed cells included."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from leisure_runtime.auth import AuthSettings, Role, mint_token

WAIT_SECONDS = 30
DEMO_WEEKS = timedelta(weeks=5)
"""The demo's cards were handed over and its visits happened within this many weeks: a period that
holds them all, also across New Year."""


def load(stats_url: str, auth: AuthSettings, summary: dict[str, int]) -> dict:
    """Wait for the demo's cards in the holder figures of the demo's weeks; return that answer."""
    token = mint_token(auth, Role.stats_reader, "demo-stats-reader", national=True)
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()  # stats counts Finnish days
    params = {"from": (today - DEMO_WEEKS).isoformat(), "to": today.isoformat(), "by": "age_band"}
    deadline = time.monotonic() + WAIT_SECONDS
    with httpx.Client(base_url=stats_url, timeout=10) as client:
        while True:
            response = client.get("/v1/figures/holders", params=params, headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 400:
                raise RuntimeError(f"demo data: GET /v1/figures/holders answered {response.status_code}: "
                                   f"{response.text}")
            answer = response.json()
            if answer["total"]["issued"]["value"] == summary.get("cards") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    summary.update(
        stats_holders_counted=answer["total"]["issued"]["value"] or 0,
        stats_suppressed_cells=sum(cell["suppressed"] for row in answer["rows"] for cell in row["cells"].values()),
    )
    return answer
