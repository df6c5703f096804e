"""One issuance app per test module on a fresh database and the real broker, and a driver that
speaks its HTTP API as staff would. Every test makes its own programmes and organisations (unique
ids), so tests sharing the app and the topics never see each other's cards."""

import asyncio
import json
from uuid import uuid4

import httpx
import pytest

from issuance.main import create_app
from leisure_contracts.topics import Topic
from leisure_infra.service_testing import bearer, running_app, settings_for_test
from leisure_runtime.auth import Role

BACKGROUND = {"age": 34, "gender": "female", "mother_tongue": "finnish", "life_situation": "unemployed",
              "postal_code": "02100", "children_under_16": 1}
CRITERION = "The client is in a tight financial situation"


class IssuanceDriver:
    def __init__(self, client: httpx.AsyncClient, read_topic) -> None:
        self.client = client
        self._read_topic = read_topic
        self.background = dict(BACKGROUND)
        self.criterion = CRITERION

    @staticmethod
    def coordinator(region: str = "uusimaa") -> dict:
        return bearer(Role.coordinator, f"coordinator-{uuid4().hex[:8]}", region=region)

    @staticmethod
    def venue_staff() -> dict:
        return bearer(Role.venue_staff, f"cashier-{uuid4().hex[:8]}", venues=[str(uuid4())])

    async def programme(self, region: str = "uusimaa", **terms) -> str:
        programme_id = f"programme-{uuid4().hex[:8]}"
        body = {"programme_id": programme_id, "name": {"fi": "Kulttuurikortti"}, "home_region": region,
                "eligibility_criteria": [CRITERION], "validity_months": 12, "children_allowance": 2,
                "escort_free": True, "participating_regions": [region], **terms}
        response = await self.client.post("/v1/programmes", json=body, headers=self.coordinator(region))
        assert response.status_code == 201, response.text
        return programme_id

    async def worker(self, region: str = "uusimaa", organisation: str | None = None) -> dict:
        """Registers a new organisation and gives a token of one of its workers."""
        organisation = organisation or f"office-{uuid4().hex[:8]}"
        response = await self.client.post("/v1/distributors", headers=self.coordinator(region), json={
            "distributor_id": organisation, "name": {"fi": "Sosiaalitoimisto"}, "kind": "social_office", "region": region})
        assert response.status_code == 201, response.text
        return bearer(Role.distributor, f"worker-{uuid4().hex[:8]}", region=region, organisation=organisation)

    async def issue(self, worker: dict, programme_id: str, **body) -> httpx.Response:
        return await self.client.post("/v1/cards", headers=worker, json={
            "programme_id": programme_id, "criteria_confirmed": [CRITERION], "background": BACKGROUND, **body})

    async def card(self, worker: dict, programme_id: str) -> dict:
        response = await self.issue(worker, programme_id)
        assert response.status_code == 201, response.text
        return response.json()

    async def look_up(self, number: str, headers: dict) -> httpx.Response:
        return await self.client.get(f"/v1/cards/{number}", headers=headers)

    async def on_topic(self, topic: Topic, key: str, count: int) -> list[tuple[str, dict]]:
        """The (ce_type, data) of the `count` records keyed `key`, once they are all there."""
        async with asyncio.timeout(30):
            while True:
                records = [r for r in await self._read_topic(topic.value) if r.key == key.encode()]
                if len(records) >= count:
                    return [(r.header("ce_type").decode(), json.loads(r.value)) for r in records]
                await asyncio.sleep(0.3)


@pytest.fixture(scope="module")
async def issuance_app(database_factory, kafka_broker):
    settings = settings_for_test("issuance", database_factory(), kafka_broker.bootstrap_servers,
                                 kafka_broker.supports_idempotence)
    app = create_app(settings)
    async with running_app(app) as client:
        yield app, client


@pytest.fixture
def issuance(issuance_app, read_topic) -> IssuanceDriver:
    return IssuanceDriver(issuance_app[1], read_topic)


@pytest.fixture
def driver_for(read_topic):
    """`driver_for(client)`: the driver for an app a test runs itself."""
    return lambda client: IssuanceDriver(client, read_topic)
