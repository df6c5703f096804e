"""Signing in through an identity provider (OIDC authorization code with PKCE) in chromium: a
console configured for a provider, and a provider of the test's own that checks the PKCE proof and
hands out a coordinator's token the services accept."""

import base64
import hashlib
import threading
import time
import uuid
from urllib.parse import parse_qs, urlencode

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from playwright.async_api import expect

from leisure_infra.ports import free_port
from leisure_infra.services import ServiceProcess, ServiceSpec, console_environment, wait_until_ready
from leisure_runtime.auth import Role

pytestmark = pytest.mark.browser
CLIENT_ID = "leisure-console"


class IdentityProvider:
    """Signs in whoever comes (no login form) and remembers what it was asked."""

    def __init__(self, port: int, access_token: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.requests: list[dict] = []
        self.codes: dict[str, dict] = {}
        app = FastAPI()
        app.get("/.well-known/openid-configuration")(self.discovery)
        app.get("/authorize")(self.authorize)
        app.post("/token")(self.token)
        self.access_token = access_token
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))

    def discovery(self) -> dict:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token"}

    def authorize(self, request: Request) -> RedirectResponse:
        asked = dict(request.query_params)
        self.requests.append(asked)
        code = uuid.uuid4().hex
        self.codes[code] = asked
        return RedirectResponse(f"{asked['redirect_uri']}?{urlencode({'code': code, 'state': asked['state']})}", 302)

    async def token(self, request: Request) -> JSONResponse:
        form = {name: values[0] for name, values in parse_qs((await request.body()).decode()).items()}
        asked = self.codes.pop(form.get("code", ""), None)
        proof = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest()).rstrip(b"=")
        if asked is None or proof.decode() != asked["code_challenge"] or form.get("client_id") != CLIENT_ID \
                or form.get("redirect_uri") != asked["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "the code or its proof is wrong"}, 400)
        return JSONResponse({"access_token": self.access_token, "token_type": "Bearer", "expires_in": 3600,
                             "refresh_token": "never-for-the-page"})

    def __enter__(self) -> "IdentityProvider":
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *_) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def provider(console):
    with IdentityProvider(free_port(), console.token(Role.coordinator, region="uusimaa")) as provider:
        yield provider


@pytest.fixture
def console_with_provider(console, provider, tmp_path):
    process = ServiceProcess(ServiceSpec("console", free_port()), {
        **console_environment(console.world.services),
        "CONSOLE_OIDC_ISSUER": provider.url, "CONSOLE_OIDC_CLIENT_ID": CLIENT_ID,
    }, tmp_path / "console.log")
    process.start()
    try:
        wait_until_ready([process])
        console.url = process.spec.url
        yield console
    finally:
        process.stop()


async def test_staff_sign_in_through_the_identity_provider_with_pkce(console_with_provider, provider):
    console = console_with_provider
    page = await console.open("#/sign-in")
    await console.assert_accessible_basics(page)
    await console.screenshot(page, "sign-in")
    await page.get_by_role("button", name="Sign in with the identity provider").click()

    await expect(page.get_by_role("heading", name="Coordination — uusimaa", level=1)).to_be_visible()
    await expect(page.get_by_role("table", name="Programmes")).to_contain_text("culture-card")
    assert page.url == f"{console.url}/#/coordinator"  # the code and state are gone from the address
    asked = provider.requests[-1]
    assert asked["client_id"] == CLIENT_ID and asked["code_challenge_method"] == "S256"
    assert asked["redirect_uri"] == f"{console.url}/" and len(asked["state"]) >= 16
    assert provider.codes == {}  # the code was exchanged, with the right proof
    stored = await page.evaluate("Object.keys(sessionStorage)")
    assert stored == ["leisure.token"]  # the verifier is gone; no refresh token reached the page


async def test_an_answer_the_page_did_not_ask_for_is_refused(console_with_provider, provider):
    console = console_with_provider
    page = await console.open(f"?code=stolen&state=not-ours")
    await expect(page.get_by_role("alert")).to_contain_text("This sign-in answer was not started from this page")
    await expect(page.get_by_role("heading", name="Kirjaudu", level=1)).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('leisure.token')") is None
