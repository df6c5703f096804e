"""The console app with the services replaced by a fake transport: what it passes on and back,
what it answers when a service is down, its readiness, vocabulary and front end."""

import json

import httpx
import pytest

from console.main import create_app
from console.settings import ConsoleSettings
from leisure_contracts.events.cards import Gender, RevocationReason
from leisure_contracts.events.common import VenueKind
from leisure_infra.service_testing import running_app

SETTINGS = ConsoleSettings(issuance_url="http://issuance:1", venues_url="http://venues:2",
                           usage_url="http://usage:3", stats_url="http://stats:4")


class FakeServices:
    """Answers like the services would, and remembers what reached them."""

    def __init__(self, down: frozenset[str] = frozenset()) -> None:
        self.down = down
        self.received: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        self.received.append(request)
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        if request.url.path == "/v1/visits":
            return httpx.Response(422, json={"code": "card_revoked", "detail": "the card was revoked on 1 December"},
                                  headers={"Retry-After": "5", "Set-Cookie": "tracking=1"})
        return httpx.Response(200, json={"path": request.url.path, "query": str(request.url.query, "ascii")})


@pytest.fixture
def services():
    return FakeServices()


@pytest.fixture
async def client(services):
    async with running_app(create_app(SETTINGS, transport=httpx.MockTransport(services))) as client:
        yield client


async def test_a_request_reaches_its_service_with_the_token_and_the_answer_comes_back_unchanged(client, services):
    answer = await client.post("/api/usage/v1/visits", content=b'{"card_number": "1"}',
                               headers={"Authorization": "Bearer abc", "Content-Type": "application/json",
                                        "Cookie": "console=1"})
    assert answer.status_code == 422
    assert answer.json() == {"code": "card_revoked", "detail": "the card was revoked on 1 December"}
    assert answer.headers["Retry-After"] == "5" and "set-cookie" not in answer.headers
    sent = services.received[-1]
    assert (sent.method, str(sent.url)) == ("POST", "http://usage:3/v1/visits")
    assert sent.headers["Authorization"] == "Bearer abc" and "cookie" not in sent.headers
    assert sent.headers["X-Request-Id"] == answer.headers["X-Request-Id"]
    assert sent.content == b'{"card_number": "1"}'

    found = await client.get("/api/venues/v1/catalogue/offers?q=uinti&limit=5")
    assert found.json() == {"path": "/v1/catalogue/offers", "query": "q=uinti&limit=5"}


async def test_a_service_that_does_not_answer_is_a_502_the_box_office_can_queue_on():
    services = FakeServices(down=frozenset({"usage"}))
    async with running_app(create_app(SETTINGS, transport=httpx.MockTransport(services))) as client:
        answer = await client.post("/api/usage/v1/visits", json={})
        assert answer.status_code == 502
        assert answer.json()["code"] == "service_unreachable"
        assert "usage service did not answer" in answer.json()["detail"]
        metrics = (await client.get("/metrics")).text
        assert 'leisure_console_upstream_unreachable_total{service="usage"} 1.0' in metrics

        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"issuance": "ok", "venues": "ok", "usage": "failing", "stats": "ok"}


async def test_ready_when_every_service_answers(client):
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_operator_paths_of_the_services_are_not_reachable_through_the_console(client, services):
    answer = await client.get("/api/stats/metrics")
    assert answer.status_code == 404 and answer.json()["code"] == "not_an_api_path"
    assert services.received == []


async def test_the_forms_vocabulary_is_the_contracts_own(client):
    vocabulary = (await client.get("/console/config.json")).json()["vocabulary"]
    assert vocabulary["gender"] == [g.value for g in Gender]
    assert vocabulary["revocation_reason"] == [r.value for r in RevocationReason]
    assert vocabulary["venue_kind"] == [k.value for k in VenueKind]


async def test_the_front_end_is_served_from_one_origin_under_a_strict_content_policy(client):
    page = await client.get("/")
    assert page.status_code == 200 and '<script type="module" src="/js/app.js">' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    script = await client.get("/js/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert json.loads((await client.get("/console/config.json")).text)["oidc"] == {"enabled": False}
