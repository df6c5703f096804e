"""The demo loader of `make run` against a served usage: it waits for the cards and offers to
arrive, then records visits spread over the last weeks, a cancellation and a reward through the API."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn

from leisure_infra.demo import usage as usage_demo
from leisure_infra.ports import free_port
from leisure_infra.service_testing import LOCAL_AUTH, bearer
from leisure_runtime.auth import Role
from usage.main import create_app

pytestmark = pytest.mark.integration
HELSINKI = ZoneInfo("Europe/Helsinki")


async def test_demo_records_visits_a_cancellation_and_a_reward(usage_settings, publish_events, issued_card,
                                                               published_offer):
    cards = [issued_card(programme_id="activity-pass", reward_rule={"every_visits": 3, "description": "Cinema"}),
             issued_card(), issued_card()]
    offers = [published_offer(accepted_programmes=["activity-pass", "culture-card"]), published_offer(quota=2)]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(usage_settings()), host="127.0.0.1", port=port,
                                           log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.1)
        await publish_events([*cards, *offers])  # usage has not seen them when the demo starts
        summary: dict = {}
        await asyncio.to_thread(usage_demo.load, f"http://127.0.0.1:{port}", LOCAL_AUTH,
                                [c.model_dump(mode="json") for c in cards],
                                [o.model_dump(mode="json") for o in offers], summary)
        coordinator = bearer(Role.coordinator, "coordinator-1", region="uusimaa")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            visits = [visit for card in cards for visit in
                      (await client.get(f"/v1/cards/{card.card_id}/visits", headers=coordinator)).json()]
        visit_days = {datetime.fromisoformat(v["occurred_at"]).astimezone(HELSINKI).date() for v in visits}
    finally:
        server.should_exit = True
        await serving
    assert summary["rewards_earned"] == 1 and summary["visits_cancelled"] == 1
    assert summary["visits"] >= 3
    # Entered later from paper: the visits fall on days spread over the last weeks, not all today.
    assert summary["visit_days"] >= 3
    assert max(visit_days) - min(visit_days) >= timedelta(days=7), sorted(visit_days)
    assert len(visit_days) == summary["visit_days"]
