"""What an integrator meets, every service a separate process: the AsyncAPI document at each
service, and a card issued at issuance arriving at a webhook receiver as a signed public event
without the card number or the holder's background."""

import json
import time

import httpx
import pytest
from aiohttp import web

from integrations.domain.signatures import is_authentic
from leisure_contracts.asyncapi import ASYNCAPI_FILE
from leisure_contracts.events import CardIssued
from leisure_infra.service_testing import eventually
from leisure_runtime.auth import AuthSettings, Role, mint_token
from leisure_runtime.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.crossservice]

AUTH = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)
COORDINATOR = {"Authorization": f"Bearer {mint_token(AUTH, Role.coordinator, 'coordinator-1', region='uusimaa')}"}
DISTRIBUTOR = {"Authorization": "Bearer " + mint_token(AUTH, Role.distributor, "worker-1", region="uusimaa",
                                                       organisation="kit-social-office")}


async def test_every_service_serves_the_same_asyncapi_document(platform):
    async with httpx.AsyncClient() as client:
        for service in platform.values():
            answer = await client.get(f"{service.spec.url}/asyncapi.yaml")
            assert answer.status_code == 200, service.spec.name
            assert answer.text == ASYNCAPI_FILE.read_text()


async def test_an_issued_card_reaches_a_webhook_as_a_signed_public_event(platform):
    received: list[tuple[dict, bytes]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    issuance, integrations = platform["issuance"].spec.url, platform["integrations"].spec.url
    try:
        async with httpx.AsyncClient() as client:
            subscribed = await client.post(f"{integrations}/v1/webhooks/subscriptions", headers=COORDINATOR, json={
                "integrator": "welfare-reporting", "url": f"http://{host}:{port}/hook",
                "event_types": ["fi.leisurepass.public.card.issued.v1"]})
            assert subscribed.status_code == 201, subscribed.text
            for path, body in (
                ("/v1/programmes", {"programme_id": "kit-card", "name": {"fi": "Kulttuurikortti"},
                                    "home_region": "uusimaa", "eligibility_criteria": ["In a tight financial situation"],
                                    "children_allowance": 2, "participating_regions": ["uusimaa"]}),
                ("/v1/distributors", {"distributor_id": "kit-social-office", "name": {"fi": "Sosiaalitoimisto"},
                                      "kind": "social_office", "region": "uusimaa"}),
            ):
                created = await client.post(f"{issuance}{path}", headers=COORDINATOR, json=body)
                assert created.status_code == 201, created.text
            issued = await client.post(f"{issuance}/v1/cards", headers=DISTRIBUTOR, json={
                "programme_id": "kit-card", "criteria_confirmed": ["In a tight financial situation"],
                "background": {"age": 67, "gender": "male", "mother_tongue": "estonian", "life_situation": "retired",
                               "postal_code": "00990", "children_under_16": 0}})
            assert issued.status_code == 201, issued.text
            card = CardIssued.model_validate(issued.json())

            async def delivered():
                return [(h, b) for h, b in received if json.loads(b)["data"]["programme_id"] == "kit-card"]

            [(headers, body)] = await eventually(delivered, timeout=60)
    finally:
        await runner.cleanup()

    assert is_authentic(subscribed.json()["secret"], headers["Leisure-Signature"], body, now=int(time.time()))
    event = json.loads(body)
    assert event["type"] == "fi.leisurepass.public.card.issued.v1"
    assert event["data"]["age_band"] == "65_74" and event["data"]["home_region"] == "uusimaa"
    for private in (card.card_number, str(card.card_id), "00990", "estonian", "retired", '"male"'):
        assert private.encode() not in body
