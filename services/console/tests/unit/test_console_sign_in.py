"""The console's part of signing in through the identity provider, with the provider faked: its
endpoints found, the code exchange passed on, only the access token back, refusals in words."""

from urllib.parse import parse_qs

import httpx
import pytest

from console.main import create_app
from console.settings import ConsoleSettings
from leisure_infra.service_testing import running_app

VERIFIER = "v" * 43


def provider(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/.well-known/openid-configuration":
        return httpx.Response(200, json={"authorization_endpoint": "https://idp.example/authorize",
                                         "token_endpoint": "https://idp.example/token"})
    form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
    if form == {"grant_type": "authorization_code", "code": "good", "code_verifier": VERIFIER,
                "redirect_uri": "http://console/", "client_id": "console"}:
        return httpx.Response(200, json={"access_token": "token", "refresh_token": "r", "id_token": "i",
                                         "expires_in": 300})
    return httpx.Response(400, json={"error": "invalid_grant", "error_description": "the code has expired"})


def console(issuer: str | None = "https://idp.example", transport=httpx.MockTransport(provider)):
    settings = ConsoleSettings(oidc_issuer=issuer, oidc_client_id="console")
    return running_app(create_app(settings, transport=transport))


async def test_the_page_learns_where_to_send_the_browser_and_gets_only_the_access_token():
    async with console() as client:
        assert (await client.get("/console/config.json")).json()["oidc"] == {"enabled": True}
        assert (await client.get("/console/oidc/provider")).json() == {
            "authorization_endpoint": "https://idp.example/authorize", "client_id": "console"}
        exchanged = await client.post("/console/oidc/token", json={
            "code": "good", "code_verifier": VERIFIER, "redirect_uri": "http://console/"})
        assert exchanged.status_code == 200
        assert exchanged.json() == {"access_token": "token", "expires_in": 300}


async def test_the_providers_refusal_is_passed_on_in_its_words():
    async with console() as client:
        refused = await client.post("/console/oidc/token", json={
            "code": "old", "code_verifier": VERIFIER, "redirect_uri": "http://console/"})
        assert refused.status_code == 400
        assert refused.json() == {"code": "sign_in_refused",
                                  "detail": "the identity provider refused the sign-in: the code has expired; sign in again"}


@pytest.mark.parametrize("verifier", ["short", "x" * 129])
async def test_a_verifier_outside_pkces_lengths_is_refused_before_the_provider_sees_it(verifier):
    async with console() as client:
        answer = await client.post("/console/oidc/token", json={
            "code": "good", "code_verifier": verifier, "redirect_uri": "http://console/"})
        assert answer.status_code == 422


async def test_without_a_provider_the_page_offers_tokens_only():
    async with console(issuer=None) as client:
        assert (await client.get("/console/config.json")).json()["oidc"] == {"enabled": False}
        answer = await client.get("/console/oidc/provider")
        assert answer.status_code == 400 and answer.json()["code"] == "sign_in_not_configured"


async def test_a_provider_that_does_not_answer_is_a_502():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with console(transport=httpx.MockTransport(down)) as client:
        answer = await client.get("/console/oidc/provider")
        assert answer.status_code == 502 and answer.json()["code"] == "identity_provider_unreachable"
