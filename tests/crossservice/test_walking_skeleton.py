"""The walking skeleton through the real broker, all four services as separate processes:
a distributor issues a card → CardIssued is stored, relayed and on the topic → stats counts the
holder, readable at its API."""

import httpx
import pytest

from leisure_contracts.events import CardIssued
from leisure_contracts.topics import Topic
from leisure_infra.service_testing import eventually
from leisure_runtime.auth import AuthSettings, Role, mint_token
from leisure_runtime.settings import ServiceSettings

pytestmark = [pytest.mark.integration, pytest.mark.crossservice]

AUTH = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)
COORDINATOR = mint_token(AUTH, Role.coordinator, "coordinator-1", region="uusimaa")
DISTRIBUTOR = mint_token(AUTH, Role.distributor, "worker-1", region="uusimaa", organisation="espoo-social-office")
STATS_READER = mint_token(AUTH, Role.stats_reader, "reader-1", region="uusimaa")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


BACKGROUND = {"age": 34, "gender": "female", "mother_tongue": "finnish", "life_situation": "unemployed",
              "postal_code": "02100", "children_under_16": 2}


async def test_every_service_serves_health_readiness_metrics_and_openapi(platform):
    async with httpx.AsyncClient() as client:
        for service in platform.values():
            for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs"):
                response = await client.get(f"{service.spec.url}{path}")
                assert response.status_code == 200, f"{service.spec.name}{path}: {response.text}"
            metrics = (await client.get(f"{service.spec.url}/metrics")).text
            assert "leisure_http_requests_total" in metrics


async def test_an_issued_card_reaches_the_topic_and_the_stats(platform, read_topic):
    issuance, stats = platform["issuance"].spec.url, platform["stats"].spec.url
    async with httpx.AsyncClient() as client:
        created = await client.post(f"{issuance}/v1/programmes", headers=bearer(COORDINATOR), json={
            "programme_id": "skeleton-card", "name": {"fi": "Kulttuurikortti"}, "home_region": "uusimaa",
            "eligibility_criteria": ["In a tight financial situation"], "children_allowance": 2,
            "participating_regions": ["uusimaa"]})
        assert created.status_code == 201, created.text
        created = await client.post(f"{issuance}/v1/distributors", headers=bearer(COORDINATOR), json={
            "distributor_id": "espoo-social-office", "name": {"fi": "Sosiaalitoimisto"},
            "kind": "social_office", "region": "uusimaa"})
        assert created.status_code == 201, created.text

        issued = await client.post(f"{issuance}/v1/cards", headers=bearer(DISTRIBUTOR), json={
            "programme_id": "skeleton-card", "criteria_confirmed": ["In a tight financial situation"],
            "background": BACKGROUND})
        assert issued.status_code == 201, issued.text
        card = CardIssued.model_validate(issued.json())
        assert card.background.age_band == "25_34"

        async def card_on_topic():
            return [r for r in await read_topic(Topic.CARDS.value)
                    if dict(r.headers)["ce_type"] == CardIssued.event_type().encode()
                    and r.key == str(card.card_id).encode()]

        [record] = await eventually(card_on_topic)
        assert CardIssued.model_validate_json(record.value) == card

        async def holders():
            response = await client.get(f"{stats}/v1/holders", headers=bearer(STATS_READER))
            assert response.status_code == 200, response.text
            return {(row["region"], row["programme_id"]): row["issued"] for row in response.json()}

        # One holder is counted, and never shown as 1: the perturbation table makes it 0 or 5.
        counted = await eventually(holders)
        assert set(counted) == {("uusimaa", "skeleton-card")}
        assert counted[("uusimaa", "skeleton-card")]["value"] in (0, 5)

        for _ in range(4):
            issued = await client.post(f"{issuance}/v1/cards", headers=bearer(DISTRIBUTOR), json={
                "programme_id": "skeleton-card", "criteria_confirmed": ["In a tight financial situation"],
                "background": BACKGROUND})
            assert issued.status_code == 201, issued.text

        async def five_holders():
            return (await holders())[("uusimaa", "skeleton-card")] == {"value": 5}  # 5 is always shown as 5

        await eventually(five_holders)

        metrics = (await client.get(f"{stats}/metrics")).text
        assert f'leisure_events_consumed_total{{consumer="stats-projection",outcome="applied",type="{CardIssued.event_type()}"}} 5.0' in metrics


async def test_a_request_without_a_token_is_refused(platform):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{platform['issuance'].spec.url}/v1/cards", json={})
    assert response.status_code == 401
